import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Who last wrote a catalog row: the YAML files (`file`) or an admin in the console (`console`). A
 * file load leaves `console` rows alone, so an edit made in the console survives the next load.
 */
export const CATALOG_SOURCES = ['file', 'console'] as const;
export type CatalogSource = (typeof CATALOG_SOURCES)[number];

/**
 * A knowledge atom: trigger, topics, talk-track variants, evidence pack and risk tips. The
 * definition is the validated atom (bots/catalog/schema.ts), loaded from YAML or edited by an admin.
 */
export const atoms = pgTable('atoms', {
  id: text('id').primaryKey(),
  definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
  enabled: boolean('enabled').notNull().default(true),
  /** Bumped on every change: a nudge records which version it carried. */
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  source: text('source').$type<CatalogSource>().notNull().default('file'),
});

/**
 * Every version an atom has had (a file load, a console edit, an import, a restore): what it said,
 * whether it was on, who wrote it and when. The history an admin restores from.
 */
export const atomVersions = pgTable(
  'atom_versions',
  {
    atomId: text('atom_id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    enabled: boolean('enabled').notNull(),
    /** The directory person; null for a file load. */
    personId: text('person_id'),
    /** `file`, `console`, `import`, `restore`. */
    via: text('via').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.atomId, t.version] })],
);

/** Every push, view, use and outcome of an atom: its use is measured, not assumed. */
export const atomEvents = pgTable(
  'atom_events',
  {
    id: text('id').primaryKey(),
    atomId: text('atom_id').notNull(),
    personId: text('person_id').notNull(),
    nudgeId: text('nudge_id'),
    opportunityId: text('opportunity_id'),
    kind: text('kind', { enum: ['pushed', 'viewed', 'useful', 'not_useful', 'used', 'outcome'] }).notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('atom_events_atom_idx').on(t.atomId, t.kind, t.at),
    index('atom_events_person_idx').on(t.personId, t.kind, t.at),
    index('atom_events_nudge_idx').on(t.nudgeId),
    // The reports find a push's use on its deal (atom funnel, breakpoints): by atom alone, one
    // atom pushed on 25,000 deals reads every use of it in the week after each push.
    index('atom_events_opportunity_idx').on(t.opportunityId, t.atomId, t.kind, t.personId, t.at),
  ],
);

/** Playbook rules (销售SOP) as data, loaded from YAML; `_funnel`, `_compliance`, `_value_score` hold the rest. */
export const playbookRules = pgTable('playbook_rules', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
  enabled: boolean('enabled').notNull().default(true),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Small process-wide settings. `catalog_version` is bumped whenever the directory, playbook or
 * atoms change, so every process reloads its in-memory copy (no SIGHUP to each one).
 */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
