import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { opportunities } from './deals.ts';

/** What happened after the sale, as a CRM or billing system reports it. */
export type DealEventKind = 'payment' | 'referral' | 'ticket' | 'renewal';

/**
 * A post-sale event of a deal (`POST /v1/deal-events`): a payment on time or late, a referral, a
 * service ticket, a renewal. Keyed by the sender's event id, so a repeat changes nothing; each
 * row keeps the value score before and after it and the terms after it, which makes it the
 * deal's value-score history.
 */
export const dealEvents = pgTable(
  'deal_events',
  {
    /** The sender's event id. */
    id: text('id').primaryKey(),
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    kind: text('kind').$type<DealEventKind>().notNull(),
    /** amount, onTime, severity, note … as validated by the route. */
    attrs: jsonb('attrs').$type<Record<string, unknown>>().notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** A digest of the request body: the same id with another body is refused, not applied. */
    bodyHash: text('body_hash').notNull(),
    scoreBefore: integer('score_before').notNull(),
    scoreAfter: integer('score_after').notNull(),
    terms: jsonb('terms').$type<Record<string, number>>().notNull().default({}),
  },
  (t) => [index('deal_events_opportunity_idx').on(t.opportunityId, t.occurredAt)],
);
