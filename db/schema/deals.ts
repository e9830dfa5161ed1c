import { boolean, doublePrecision, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { people } from './directory.ts';

/** A deal: created with the first message of a new customer conversation. */
export const opportunities = pgTable(
  'opportunities',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    ownerId: text('owner_id').references(() => people.id),
    stage: text('stage').notNull(),
    amount: doublePrecision('amount'),
    valueScore: integer('value_score').notNull().default(0),
    crmId: text('crm_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('opportunities_owner_idx').on(t.ownerId)],
);

/** A platform chat. Customer chats link to one opportunity; the bot's 1:1 chats to none. */
export const conversations = pgTable(
  'conversations',
  {
    /** `${platform}:${chatId}`: ids carry their platform. */
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    chatId: text('chat_id').notNull(),
    chatType: text('chat_type', { enum: ['single', 'group'] }).notNull(),
    direct: boolean('direct').notNull().default(false),
    title: text('title'),
    opportunityId: text('opportunity_id').references(() => opportunities.id),
    ownerId: text('owner_id').references(() => people.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('conversations_opportunity_idx').on(t.opportunityId), index('conversations_owner_idx').on(t.ownerId)],
);

/** Every stage move with the action and message that caused it. */
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
    messageId: text('message_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('stage_changes_opportunity_idx').on(t.opportunityId, t.at), index('stage_changes_at_idx').on(t.at)],
);
