/** Files posted with a message to the local ingest (`inbox-<sha256>` objects): which are still needed. */
import type { Sql } from '../client.ts';

/**
 * Of these object keys, those that a message to the bot still waiting for its command refers to
 * (its command reads the file). The commands' queue is short: one index scan of it.
 */
export async function inboxKeysInUse(sql: Sql, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await sql.query<{ key: string }>(
    `select distinct a->>'fileRef' as key
     from message_queue q
     join messages m on m.id = q.message_id
     cross join lateral jsonb_array_elements(m.attachments) a
     where q.direct and a->>'fileRef' = any($1::text[])`,
    [keys],
  );
  return new Set(rows.map((r) => r.key));
}
