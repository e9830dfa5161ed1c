import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { OutboundMessage } from '../../core/types.ts';
import { platformEnum } from './enums.ts';

/** What fulfils a timer: an action by the rep, a reply from one side, or a shared document opened. */
export interface TimerExpectation {
  action?: string;
  reply?: 'rep' | 'customer';
  /** The id of the document whose opening by the customer fulfils the timer. */
  opened?: string;
}

/**
 * A playbook expectation with a deadline ("material sent within 48 h of the demo"), or a reminder
 * of a day someone committed to. A row first, so it survives restarts; due timers are fired from
 * the database. A silent timer (opened by a message from the past) only measures: when its time
 * comes it expires without a nudge.
 */
export const timers = pgTable(
  'timers',
  {
    id: text('id').primaryKey(),
    ruleId: text('rule_id').notNull(),
    opportunityId: text('opportunity_id'),
    conversationId: text('conversation_id').notNull(),
    repId: text('rep_id'),
    /** The message that opened the timer; for a shared document's rule, the tracked link's id. */
    triggerMessageId: text('trigger_message_id').notNull(),
    /** When the trigger message was sent: only later messages can fulfil the expectation. */
    triggerAt: timestamp('trigger_at', { withTimezone: true }).notNull(),
    expect: jsonb('expect').$type<TimerExpectation>().notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    nudgeAt: timestamp('nudge_at', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: text('status', { enum: ['pending', 'fired', 'fulfilled', 'cancelled', 'expired'] }).notNull(),
    silent: boolean('silent').notNull().default(false),
    firedAt: timestamp('fired_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedByMessageId: text('resolved_by_message_id'),
  },
  (t) => [
    uniqueIndex('timers_rule_trigger_uq').on(t.ruleId, t.triggerMessageId),
    index('timers_conversation_idx').on(t.conversationId, t.status),
    index('timers_status_nudge_idx').on(t.status, t.nudgeAt),
    index('timers_rep_due_idx').on(t.repId, t.dueAt),
    index('timers_opportunity_idx').on(t.opportunityId, t.ruleId),
  ],
);

/** A coaching prompt pushed to a person: why, with which atoms, and what they made of it. */
export const nudges = pgTable(
  'nudges',
  {
    id: text('id').primaryKey(),
    /** `${ruleId}:${triggerId}`: one nudge per rule and trigger, however often it is retried. */
    idempotencyKey: text('idempotency_key').notNull(),
    personId: text('person_id').notNull(),
    opportunityId: text('opportunity_id'),
    conversationId: text('conversation_id'),
    ruleId: text('rule_id').notNull(),
    actionId: text('action_id'),
    timerId: text('timer_id'),
    messageId: text('message_id'),
    atomIds: jsonb('atom_ids').$type<string[]>().notNull().default([]),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    feedback: text('feedback'),
    feedbackAt: timestamp('feedback_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('nudges_idempotency_uq').on(t.idempotencyKey),
    index('nudges_person_idx').on(t.personId, t.createdAt),
    index('nudges_conversation_idx').on(t.conversationId, t.ruleId, t.createdAt),
    index('nudges_opportunity_idx').on(t.opportunityId, t.createdAt),
  ],
);

/**
 * One outbound message (a nudge, a command answer, a confirmation card). Sent by a job; the
 * idempotency key is passed to platforms that dedupe, and the status and the claim guard against a
 * second send. A row being sent is 'pending' with a `claimed_at` younger than the send lease: the
 * claim changes no indexed column, so it is a HOT update (stored with fillfactor 50, migration
 * 0008); the row has four indexes, and is about 270 bytes for a nudge's delivery (the card is the
 * nudge's, see `message`) and up to a few KB for an answer.
 */
export type DeliveryTarget = { personId: string } | { conversationId: string } | { userId: string; conversationId: string };

export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    nudgeId: text('nudge_id'),
    platform: platformEnum('platform').notNull(),
    /**
     * Our ids: `{ personId }` for a private message, `{ conversationId }` for a chat; `{ userId,
     * conversationId }` for someone outside the directory, by their platform id, answered in the
     * 1:1 conversation named (the only message such a person gets: they are not registered).
     */
    to: jsonb('to').$type<DeliveryTarget>().notNull(),
    /**
     * What is sent; null for a nudge's card, which is built from the nudge's title and body when
     * it is sent or read (`sentMessage`, db/queries/deliveries.ts): a card repeated here was
     * 1.5 KB a nudge written, parsed and rewritten by the send's mark once more.
     */
    message: jsonb('message').$type<OutboundMessage>(),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /**
     * Parts of the message the platform already accepted (a WeCom text and its card go as two
     * sends): a retry after a later part failed sends only the rest, so the rep never gets the
     * text twice.
     */
    partsSent: integer('parts_sent').notNull().default(0),
    /** Not to be sent before this (a platform's pace, a retry's backoff). */
    notBefore: timestamp('not_before', { withTimezone: true }),
    /** When a sender took the row (null: free to take); a claim older than the lease is retaken (crashed sender). */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    lastError: text('last_error'),
    platformMessageId: text('platform_message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('deliveries_idempotency_uq').on(t.idempotencyKey),
    index('deliveries_status_idx').on(t.status, t.platform),
    index('deliveries_sent_idx').on(t.platform, t.sentAt),
  ],
);

/**
 * Compliance records: a rep over the daily limit of unanswered touches with one customer, or a
 * sensitive phrase (guaranteed returns, kickbacks) in a message to a customer. Kept for audit;
 * the rep is warned, their managers get a daily roll-up (a phrase alerts them at once).
 */
export const complianceRecords = pgTable(
  'compliance_records',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['daily_limit', 'sensitive_phrase'] }).notNull(),
    /** One record per kind and subject: `${conversation}:${day}` for the limit, the message id for a phrase. */
    subjectKey: text('subject_key').notNull(),
    personId: text('person_id').notNull(),
    conversationId: text('conversation_id').notNull(),
    opportunityId: text('opportunity_id'),
    messageId: text('message_id').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('compliance_subject_uq').on(t.kind, t.subjectKey),
    index('compliance_person_idx').on(t.personId, t.at),
    index('compliance_at_idx').on(t.at),
  ],
);
