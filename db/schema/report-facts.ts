import { boolean, doublePrecision, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { opportunities } from './deals.ts';
import { dealStatusEnum } from './enums.ts';

/**
 * What the reports need of a closed deal's history, kept so they do not re-read it every time
 * (bots/reports/report-facts.ts). A row says the deal's occasions and stage spans below were
 * computed when the deal looked like this (status, close, last update) under this winning path
 * and time zone; a report uses them only while that is still so, and reads the
 * deal's raw history otherwise.
 */
export const dealFacts = pgTable('deal_facts', {
  opportunityId: text('opportunity_id')
    .primaryKey()
    .references(() => opportunities.id, { onDelete: 'cascade' }),
  status: dealStatusEnum('status').notNull(),
  closedAt: timestamp('closed_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  /** The winning path (JSON) and the time zone the facts were judged in. */
  path: text('path').notNull(),
  timeZone: text('time_zone').notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
});

/**
 * A deal's first occasion of each behaviour (breakpoints.ts): when, whether it was done, when it
 * was decided (null: at once), and its first move to a later stage of the winning path after it.
 */
export const dealOccasions = pgTable(
  'deal_occasions',
  {
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id, { onDelete: 'cascade' }),
    behaviour: text('behaviour').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    present: boolean('present').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    advancedAt: timestamp('advanced_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.opportunityId, t.behaviour] })],
);

/** Each winning-path stage a closed deal was in: days it stayed, and days from entering it to the close. */
export const dealStageSpans = pgTable(
  'deal_stage_spans',
  {
    opportunityId: text('opportunity_id')
      .notNull()
      .references(() => opportunities.id, { onDelete: 'cascade' }),
    stage: text('stage').notNull(),
    stay: doublePrecision('stay').notNull(),
    toClose: doublePrecision('to_close').notNull(),
  },
  (t) => [primaryKey({ columns: [t.opportunityId, t.stage] }), index('deal_stage_spans_stage_idx').on(t.stage)],
);
