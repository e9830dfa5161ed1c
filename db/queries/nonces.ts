/**
 * Signed webhook requests remembered for their window (`webhook_nonces`): the embedded server's
 * and a Redis-less PostgreSQL deployment's replay check, which a restart does not forget.
 */
import type { Sql } from '../client.ts';

/**
 * Remembers `key` until `until`; true when it was not already remembered past `now` (a row whose
 * window has passed is taken over), false for a replay. One statement, so two processes claiming
 * the same request at once cannot both win.
 */
export async function claimNonce(sql: Sql, key: string, until: Date, now: Date): Promise<boolean> {
  const rows = await sql.query(
    `insert into webhook_nonces (key, expires_at) values ($1, $2)
     on conflict (key) do update set expires_at = excluded.expires_at where webhook_nonces.expires_at <= $3
     returning key`,
    [key, until, now],
  );
  return rows.length > 0;
}

/** Forgets `key` (a request that could not be handled, so the platform's retry is accepted). */
export async function releaseNonce(sql: Sql, key: string): Promise<void> {
  await sql.query('delete from webhook_nonces where key = $1', [key]);
}

/** Deletes up to `limit` rows whose window has passed; returns how many went. */
export async function pruneNonces(sql: Sql, now: Date, limit: number): Promise<number> {
  const rows = await sql.query(`delete from webhook_nonces where key in (select key from webhook_nonces where expires_at <= $1 limit $2) returning key`, [
    now,
    limit,
  ]);
  return rows.length;
}
