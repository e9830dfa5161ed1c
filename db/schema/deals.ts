import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgTable, real, text, timestamp } from 'drizzle-orm/pg-core';
import type { ActionKind, MeetingType } from '../../core/types.ts';
import { people } from './directory.ts';
import { dealStatusEnum, platformEnum } from './enums.ts';

/** How a deal got its name: the chat's title, a company named in the chat, the rep's answer, a correction. */
export type DealNamedBy = 'title' | 'mention' | 'rep' | 'correction';

/**
 * A deal: opened by the first message of a new customer conversation, and starting then. Besides
 * what people see (name, owner, stage, amount, value score) it keeps running counters that the
 * loop updates as messages are analysed, so nothing on the message path scans a deal's history.
 */
export const opportunities = pgTable(
  'opportunities',
  {
    id: text('id').primaryKey(),
    /** Null until a title, a company named in the chat or the owner names it: never a chat id. */
    name: text('name'),
    namedBy: text('named_by').$type<DealNamedBy>(),
    ownerId: text('owner_id').references(() => people.id),
    stage: text('stage').notNull(),
    /** When the deal entered its current stage. */
    stageAt: timestamp('stage_at', { withTimezone: true }).notNull(),
    status: dealStatusEnum('status').notNull().default('open'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    amount: doublePrecision('amount'),
    valueScore: integer('value_score').notNull().default(0),
    /** The terms that made the score, as last computed (shown with it). */
    valueTerms: jsonb('value_terms').$type<Record<string, number>>().notNull().default({}),
    crmId: text('crm_id'),
    /** The deal's first message. */
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),

    // ---- counters, kept by the analysis ----
    customerMessages: integer('customer_messages').notNull().default(0),
    buyingSignals: integer('buying_signals').notNull().default(0),
    /** Sum and count of the customer's reply times to a rep, in hours (responsiveness). */
    replyHoursSum: real('reply_hours_sum').notNull().default(0),
    replyCount: integer('reply_count').notNull().default(0),
    /** The first rep message the customer has not answered yet, if any. */
    awaitingReplySince: timestamp('awaiting_reply_since', { withTimezone: true }),
    lastCustomerAt: timestamp('last_customer_at', { withTimezone: true }),
    lastRepAt: timestamp('last_rep_at', { withTimezone: true }),
    /** The customer contact who spoke last: the talk-tracks address them. */
    contactName: text('contact_name'),
    /** Distinct customer contacts seen (sender ids, at most a few dozen kept). */
    contacts: jsonb('contacts').$type<string[]>().notNull().default([]),
    /** Rep touches today that the customer has not answered (compliance), and which day that is. */
    touches: integer('touches').notNull().default(0),
    touchesDay: text('touches_day'),
    /** The next meeting stated or proposed in the chat: a later 「可以」 books that one. */
    meetingAt: timestamp('meeting_at', { withTimezone: true }),
    meetingType: text('meeting_type').$type<MeetingType>(),
    /** Opens of the deal's tracked documents by its customers (engagement, with their messages). */
    documentOpens: integer('document_opens').notNull().default(0),
    /**
     * The kinds of key action its messages have shown so far, each once: a playbook rule may hold
     * only after one (`after: { action: contract_sent }`) or before it, without reading the history.
     */
    actionKinds: jsonb('action_kinds').$type<ActionKind[]>().notNull().default([]),
  },
  // A column most rows leave null is indexed only where set: a new deal writes no entry for it.
  (t) => [
    index('opportunities_owner_idx').on(t.ownerId),
    index('opportunities_stage_idx').on(t.status, t.stage),
    index('opportunities_crm_idx').on(t.crmId).where(sql`${t.crmId} is not null`),
  ],
);

/** A platform chat. Customer chats link to one opportunity; the bot's 1:1 chats to none. */
export const conversations = pgTable(
  'conversations',
  {
    /** `${platform}:${chatId}`: ids carry their platform. */
    id: text('id').primaryKey(),
    platform: platformEnum('platform').notNull(),
    chatId: text('chat_id').notNull(),
    chatType: text('chat_type', { enum: ['single', 'group'] }).notNull(),
    direct: boolean('direct').notNull().default(false),
    title: text('title'),
    opportunityId: text('opportunity_id').references(() => opportunities.id),
    ownerId: text('owner_id').references(() => people.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  // Both are null when the ingest creates the conversation (the analysis sets them): indexed only
  // where set, the insert writes neither index.
  (t) => [
    index('conversations_opportunity_idx').on(t.opportunityId).where(sql`${t.opportunityId} is not null`),
    index('conversations_owner_idx').on(t.ownerId).where(sql`${t.ownerId} is not null`),
  ],
);

/** Where a stage change came from: the analysis on its own, the owner's confirmation, a correction. */
export type StageChangeSource = 'auto' | 'confirmed' | 'correction';

/** Every stage move with the action and message that caused it, or the person who made it. */
export const stageChanges = pgTable(
  'stage_changes',
  {
    id: text('id').primaryKey(),
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    fromStage: text('from_stage').notNull(),
    toStage: text('to_stage').notNull(),
    actionId: text('action_id'),
    /** The evidence message; null for a correction made without one. */
    messageId: text('message_id'),
    source: text('source').$type<StageChangeSource>().notNull().default('auto'),
    byPersonId: text('by_person_id'),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('stage_changes_opportunity_idx').on(t.opportunityId, t.at), index('stage_changes_at_idx').on(t.at)],
);

/**
 * A question put to a deal's owner before the deal changes on a signal that is not precise
 * enough: a close, a skip over stages, a reopening, or the deal's name. One tap answers it; the
 * answer is kept and becomes a training label.
 */
export const dealConfirmations = pgTable(
  'deal_confirmations',
  {
    id: text('id').primaryKey(),
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    kind: text('kind', { enum: ['stage', 'reopen', 'name'] }).notNull(),
    fromStage: text('from_stage'),
    toStage: text('to_stage'),
    actionId: text('action_id'),
    messageId: text('message_id'),
    /** Whom it was asked of (the owner rep). */
    personId: text('person_id').notNull(),
    status: text('status', { enum: ['pending', 'confirmed', 'rejected', 'superseded'] }).notNull(),
    answer: text('answer'),
    answeredBy: text('answered_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
  },
  (t) => [
    index('deal_confirmations_opportunity_idx').on(t.opportunityId, t.status),
    index('deal_confirmations_person_idx').on(t.personId, t.status, t.createdAt),
  ],
);

/** A correction of a deal by its owner or their manager: who changed what, from what, to what. */
export const dealCorrections = pgTable(
  'deal_corrections',
  {
    id: text('id').primaryKey(),
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    field: text('field', { enum: ['stage', 'amount', 'name', 'owner', 'crm_id'] }).notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    byPersonId: text('by_person_id').notNull(),
    /** Where it was made: chat (with the platform), the console, the API. */
    via: text('via').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('deal_corrections_opportunity_idx').on(t.opportunityId, t.at)],
);
