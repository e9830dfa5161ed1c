import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, numeric, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
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
    /**
     * From when the occasion is settled: it has happened and been decided. Occasions settled by a
     * build of the owners' counts below are in those counts; those settled later are read one by
     * one (through this index), like those on the days a report's horizons cut (by `at`).
     */
    settlesAt: timestamp('settles_at', { withTimezone: true }).notNull().generatedAlwaysAs(sql`greatest(at, coalesce(decided_at, at))`),
  },
  (t) => [
    primaryKey({ columns: [t.opportunityId, t.behaviour] }),
    index('deal_occasions_settles_idx').on(t.settlesAt),
    index('deal_occasions_at_idx').on(t.at),
  ],
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

/**
 * One build of the per-owner occasion counts (bots/reports/owner-counts.ts): per owner, the
 * closed deals it covers (closed by `builtAt`), counted and stamped (a sum of a hash of each
 * deal's id, status, close and last update), so a report can tell in one pass over the deals
 * which owners' counts still describe their deals. The horizons, path and zone they were
 * counted with are on every row (one build: the same on all).
 */
export const dealOwnerFacts = pgTable('deal_owner_facts', {
  ownerId: text('owner_id').primaryKey(),
  deals: integer('deals').notNull(),
  stamp: numeric('stamp').notNull(),
  builtAt: timestamp('built_at', { withTimezone: true }).notNull(),
  advanceDays: integer('advance_days').notNull(),
  outcomeDays: integer('outcome_days').notNull(),
  path: text('path').notNull(),
  timeZone: text('time_zone').notNull(),
});

/**
 * Per owner, behaviour, whether it was done and day (UTC days since the epoch, of the occasion):
 * the occasions of the build's deals settled by the build, and how many of them advanced and
 * were won within the horizons.
 */
export const dealOwnerOccasions = pgTable(
  'deal_owner_occasions',
  {
    ownerId: text('owner_id').notNull(),
    behaviour: text('behaviour').notNull(),
    present: boolean('present').notNull(),
    day: integer('day').notNull(),
    n: integer('n').notNull(),
    advanced: integer('advanced').notNull(),
    won: integer('won').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.behaviour, t.present, t.day] })],
);
