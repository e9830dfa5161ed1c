import { boolean, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A knowledge atom: trigger, talk-track variants, evidence pack and risk tips (YAML defaults). */
export const atoms = pgTable('atoms', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  topic: text('topic').notNull(),
  keywords: jsonb('keywords').$type<string[]>().notNull().default([]),
  trigger: jsonb('trigger').$type<{ action?: string; objection?: string } | null>(),
  stages: jsonb('stages').$type<string[]>().notNull().default([]),
  talkTracks: jsonb('talk_tracks').$type<string[]>().notNull(),
  evidence: jsonb('evidence').$type<{ title: string; detail: string }[]>().notNull().default([]),
  risks: jsonb('risks').$type<string[]>().notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every push, view, use and outcome of an atom: its use is measured, not assumed. */
export const atomEvents = pgTable(
  'atom_events',
  {
    id: text('id').primaryKey(),
    atomId: text('atom_id').notNull(),
    personId: text('person_id').notNull(),
    nudgeId: text('nudge_id'),
    kind: text('kind', { enum: ['pushed', 'viewed', 'useful', 'not_useful', 'used', 'outcome'] }).notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('atom_events_atom_idx').on(t.atomId, t.kind, t.at),
    index('atom_events_person_idx').on(t.personId, t.kind, t.at),
    index('atom_events_nudge_idx').on(t.nudgeId),
  ],
);

/** Playbook rules (销售SOP) as data, loaded from YAML. */
export const playbookRules = pgTable('playbook_rules', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
  enabled: boolean('enabled').notNull().default(true),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
