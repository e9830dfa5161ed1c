/**
 * VACUUM of `message_queue`, the table every message passes through: a row inserted with the
 * message and deleted by the claim. Each claim steps over the dead rows earlier claims left in
 * the slot index until a vacuum removes them; autovacuum looks at a database once a minute by
 * default (never, where it is off, and PGlite has none), while a burst leaves tens of thousands
 * a minute. `skip_locked`: a vacuum already running (another worker's, autovacuum's) is enough.
 * `truncate false`: giving the emptied pages back to the file system takes the table's exclusive
 * lock, which stops every ingest and claim while it is held, and the next burst wants the pages
 * again (measured: 266 ms a vacuum with it, 23 ms without).
 * Only the table's owner may vacuum it; for anyone else PostgreSQL skips it with a warning, which
 * reaches dealwise's log (db/client.ts), so an administrator who split the roles hears of it.
 */
import type { Sql } from '../client.ts';

export async function vacuumMessageQueue(sql: Sql): Promise<void> {
  await sql.query('vacuum (skip_locked, truncate false) message_queue');
}
