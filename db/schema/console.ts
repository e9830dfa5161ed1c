import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * A one-time sign-in link to the web console, sent in chat (`/console`) or printed by
 * `dealwise console-link`. Only the SHA-256 of its token is kept; it opens one session, once,
 * within its ten minutes.
 */
export const consoleLinks = pgTable(
  'console_links',
  {
    /** hex SHA-256 of the token in the link. */
    tokenHash: text('token_hash').primaryKey(),
    personId: text('person_id').notNull(),
    /** Where it was asked for: `chat:wecom`, `cli`. */
    via: text('via').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('console_links_person_idx').on(t.personId, t.createdAt)],
);

/**
 * A console session, opened by a link. The cookie carries the token; only its SHA-256 is kept.
 * The CSRF token is sent with every change (form field or header) and compared with this one.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    /** hex SHA-256 of the cookie's token. */
    tokenHash: text('token_hash').primaryKey(),
    personId: text('person_id').notNull(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Set at sign-out: the session no longer opens anything. */
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [index('console_sessions_person_idx').on(t.personId, t.createdAt)],
);

/** Every change made through the console (and its sign-ins and sign-outs): who, what, before, after. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    personId: text('person_id').notNull(),
    /** `session.start`, `session.end`, `deal.correct` … */
    action: text('action').notNull(),
    /** What it was done to: `opportunity:<id>`, `session`. */
    subject: text('subject').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    /** `console`, `cli`. */
    via: text('via').notNull(),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_subject_idx').on(t.subject, t.at)],
);
