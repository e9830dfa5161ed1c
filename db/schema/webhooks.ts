import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Signed webhook requests (Feishu events, WeCom app callbacks) received within their window, so
 * that a replay is refused even after a restart. Kept in the database when there is no Redis;
 * a row is dead once `expires_at` has passed and is deleted a page at a time.
 */
export const webhookNonces = pgTable(
  'webhook_nonces',
  {
    /** `platform:` and the base64url SHA-256 of the request's timestamp, nonce and signature. */
    key: text('key').primaryKey(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('webhook_nonces_expires_idx').on(t.expiresAt)],
);
