import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, real, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Attachment } from '../../core/types.ts';
import { conversations, opportunities } from './deals.ts';

/**
 * Every message received. (platform, platform_message_id) is unique: a redelivery is stored and
 * processed once, enforced here rather than in memory.
 */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    platformMessageId: text('platform_message_id').notNull(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id),
    senderId: text('sender_id').notNull(),
    senderName: text('sender_name'),
    personId: text('person_id'),
    role: text('role', { enum: ['rep', 'manager', 'admin', 'customer'] }).notNull(),
    kind: text('kind').notNull(),
    text: text('text').notNull(),
    attachments: jsonb('attachments').$type<Attachment[]>().notNull().default([]),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** Null until the analyze job has run; the job claims the row by setting it. */
    analyzedAt: timestamp('analyzed_at', { withTimezone: true }),
    raw: jsonb('raw'),
  },
  (t) => [
    uniqueIndex('messages_platform_id_uq').on(t.platform, t.platformMessageId),
    index('messages_conversation_idx').on(t.conversationId, t.sentAt),
    // The sweep looks for messages not analysed yet: a partial index keeps that cheap at any size.
    index('messages_unanalyzed_idx').on(t.receivedAt).where(sql`${t.analyzedAt} is null`),
  ],
);

/** A key action detected in a message; the message is its evidence. */
export const actions = pgTable(
  'actions',
  {
    id: text('id').primaryKey(),
    messageId: text('message_id')
      .notNull()
      .references(() => messages.id),
    conversationId: text('conversation_id').notNull(),
    opportunityId: text('opportunity_id').references(() => opportunities.id),
    personId: text('person_id'),
    kind: text('kind').notNull(),
    confidence: real('confidence').notNull(),
    attrs: jsonb('attrs').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('actions_message_kind_uq').on(t.messageId, t.kind),
    index('actions_opportunity_idx').on(t.opportunityId, t.at),
    index('actions_person_idx').on(t.personId, t.at),
    index('actions_conversation_idx').on(t.conversationId, t.kind),
  ],
);
