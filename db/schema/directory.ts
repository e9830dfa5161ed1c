import { boolean, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { personRoleEnum, platformEnum } from './enums.ts';
import type { CatalogSource } from './knowledge.ts';

/** Sales teams from the org directory. */
export const teams = pgTable('teams', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  /** `console` when an admin created or renamed it there: a file load then leaves it alone. */
  source: text('source').$type<CatalogSource>().notNull().default('file'),
});

/**
 * Directory people (reps, managers, admins). Removed from the org file they are deactivated,
 * never deleted, so their history stays attributable.
 */
export const people = pgTable('people', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: personRoleEnum('role').notNull(),
  teamId: text('team_id'),
  manages: jsonb('manages').$type<string[]>().notNull().default([]),
  active: boolean('active').notNull().default(true),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  /** `console` when an admin imported, edited or deactivated them there: a file load then leaves them alone. */
  source: text('source').$type<CatalogSource>().notNull().default('file'),
});

/** A person's user id on each platform. */
export const identities = pgTable(
  'identities',
  {
    platform: platformEnum('platform').notNull(),
    userId: text('user_id').notNull(),
    personId: text('person_id')
      .notNull()
      .references(() => people.id),
  },
  (t) => [primaryKey({ columns: [t.platform, t.userId] }), index('identities_person_idx').on(t.personId)],
);
