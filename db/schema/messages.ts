import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, real, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Attachment } from '../../core/types.ts';
import { conversations, opportunities } from './deals.ts';
import { actionKindEnum, platformEnum, speakerRoleEnum } from './enums.ts';

/**
 * Every message received. (platform, platform_message_id) is unique: a redelivery is stored and
 * processed once, enforced here rather than in memory.
 */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    platform: platformEnum('platform').notNull(),
    platformMessageId: text('platform_message_id').notNull(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id),
    /** Written to the bot in a 1:1 chat: a command, not a customer conversation. */
    direct: boolean('direct').notNull().default(false),
    /** The conversation's hash slot (0..63): analysis partitions are sets of slots. */
    slot: smallint('slot').notNull().default(0),
    senderId: text('sender_id').notNull(),
    senderName: text('sender_name'),
    personId: text('person_id'),
    role: speakerRoleEnum('role').notNull(),
    kind: text('kind').notNull(),
    /**
     * Imported as history (`dealwise import-archive`): the past whatever its age, so it updates
     * the deal but nudges nobody, as an old message does.
     */
    backfill: boolean('backfill').notNull().default(false),
    text: text('text').notNull(),
    attachments: jsonb('attachments').$type<Attachment[]>().notNull().default([]),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /**
     * Null until analysed (or answered, for a command); set when the message leaves
     * `message_queue`. In no index (nor an index's predicate), so setting it is a HOT update: no
     * index entry is written again (the trigram index's would cost more than the rest of the claim).
     */
    analyzedAt: timestamp('analyzed_at', { withTimezone: true }),
    /** Set when the message could not be analysed: it is skipped, not retried at every start. */
    analysisError: text('analysis_error'),
    raw: jsonb('raw'),
  },
  (t) => [
    uniqueIndex('messages_platform_id_uq').on(t.platform, t.platformMessageId),
    index('messages_conversation_idx').on(t.conversationId, t.sentAt),
    // What is still to analyse is found in message_queue, not here: see analyzedAt.
    // Console search (bots/console/search.ts): substring match in any language, Chinese included,
    // through pg_trgm (trigrams of characters, no word breaking). The migration creates the extension.
    index('messages_text_trgm_idx').using('gin', t.text.op('gin_trgm_ops')),
  ],
);

/**
 * The messages not analysed (or answered) yet: a row per message, written with it by the ingest's
 * statement and deleted by the claim that sets its `analyzed_at`, in one transaction. Narrow, so
 * finding a partition's work reads a small index, and the claim touches none of `messages`'
 * indexes. `messages` is stored with fillfactor 50 (migration 0006) so that the claim's update
 * finds room in its page and stays HOT.
 */
export const messageQueue = pgTable(
  'message_queue',
  {
    // No key of its own: a row is written once by the ingest that stored its message (which dedupes
    // the messages) and deleted once by the claim that took it, found by its ctid under the
    // partition's lock (db/queries/analysis.ts). A primary key here was one more btree entry per
    // message, at a random place, for lookups nothing makes.
    messageId: text('message_id').notNull(),
    slot: smallint('slot').notNull(),
    direct: boolean('direct').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // A partition's customer messages in order (the claim); commands by arrival (the sweep).
    index('message_queue_slot_idx').on(t.slot, t.sentAt, t.receivedAt, t.messageId).where(sql`not ${t.direct}`),
    index('message_queue_direct_idx').on(t.receivedAt, t.messageId).where(sql`${t.direct}`),
  ],
);

/**
 * A key action detected in a message, with the message as its evidence; or a customer's reading
 * of a tracked document (`document_viewed`), with the view as its evidence (one action per view,
 * its pages and seconds kept up to date in `attrs` as beacons arrive).
 */
export const actions = pgTable(
  'actions',
  {
    id: text('id').primaryKey(),
    /** The evidence message; null for a reading, whose evidence is the view. */
    messageId: text('message_id').references(() => messages.id),
    /** The document view (document_views.id) a `document_viewed` action records. */
    documentViewId: text('document_view_id'),
    conversationId: text('conversation_id').notNull(),
    opportunityId: text('opportunity_id').references(() => opportunities.id),
    personId: text('person_id'),
    kind: actionKindEnum('kind').notNull(),
    confidence: real('confidence').notNull(),
    attrs: jsonb('attrs').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('actions_message_kind_uq').on(t.messageId, t.kind),
    // Only a reading's action has a view: a chat action writes no entry (ON CONFLICT names the predicate).
    uniqueIndex('actions_document_view_uq').on(t.documentViewId).where(sql`${t.documentViewId} is not null`),
    index('actions_opportunity_idx').on(t.opportunityId, t.at),
    index('actions_person_idx').on(t.personId, t.at),
    index('actions_conversation_idx').on(t.conversationId, t.kind),
    // A report window's actions (`/team`, the weekly digest): a week is 2% of a year's actions,
    // which the server otherwise scans whole. Actions are a tenth of the messages, so the message
    // path pays one small index entry per action found.
    index('actions_at_idx').on(t.at),
  ],
);
