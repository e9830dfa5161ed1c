/** What the sweep looks for: work the database says is unfinished, each query bounded and indexed. */
import type { Sql } from '../client.ts';

/** Where a page ended: the next page starts after this row. */
export interface PageCursor {
  at: Date;
  id: string;
}

/** Holds the sweep for the rest of the transaction; false when another process is sweeping. */
export async function trySweepLock(tx: Sql): Promise<boolean> {
  const [row] = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock(7461005) as ok');
  return row?.ok === true;
}

/** The slots with customer-chat messages waiting since before `before`: one index probe per slot. */
export async function slotsWithPending(tx: Sql, slots: readonly number[], before: Date): Promise<number[]> {
  const rows = await tx.query<{ slot: number }>(
    `select s.slot from unnest($1::smallint[]) as s(slot)
     where exists (select 1 from message_queue q where q.slot = s.slot and not q.direct and q.received_at < $2)`,
    [slots, before],
  );
  return rows.map((r) => Number(r.slot));
}

/** Commands not answered yet, oldest first, one page after `after` (from the start without it). */
export async function pendingCommands(tx: Sql, before: Date, limit: number, after: PageCursor | null = null): Promise<Array<{ id: string; at: Date }>> {
  return tx.query<{ id: string; at: Date }>(
    `select message_id as id, received_at as at from message_queue
     where direct and received_at < $1 and ($3::timestamptz is null or (received_at, message_id) > ($3, $4))
     order by received_at, message_id limit $2`,
    [before, limit, after?.at ?? null, after?.id ?? ''],
  );
}

/**
 * Deliveries due and not being sent (or held by a sender whose lease ran out), oldest first, one
 * page after `after` (from the start without it).
 */
export async function pendingDeliveries(
  tx: Sql,
  now: Date,
  before: Date,
  staleBefore: Date,
  limit: number,
  after: PageCursor | null = null,
): Promise<Array<{ id: string; platform: string; at: Date }>> {
  return tx.query<{ id: string; platform: string; at: Date }>(
    `select id, platform, created_at as at from deliveries
     where status = 'pending'
       and ((claimed_at is null and (not_before is null or not_before <= $1) and created_at < $2) or claimed_at < $3)
       and ($5::timestamptz is null or (created_at, id) > ($5, $6))
     order by created_at, id limit $4`,
    [now, before, staleBefore, limit, after?.at ?? null, after?.id ?? ''],
  );
}

/** Reading events not applied (their listener failed, or its process died), oldest first, one page after `after`. */
export async function pendingReadingIds(tx: Sql, before: Date, limit: number, after: PageCursor | null = null): Promise<Array<{ id: string; at: Date }>> {
  return tx.query<{ id: string; at: Date }>(
    `select id, created_at as at from pending_readings
     where created_at < $1 and ($3::timestamptz is null or (created_at, id) > ($3, $4))
     order by created_at, id limit $2`,
    [before, limit, after?.at ?? null, after?.id ?? ''],
  );
}

/** Whether a timer fell due before `before` and is still pending: one probe of the timers' (status, nudge_at) index. */
export async function hasOverdueTimers(tx: Sql, before: Date): Promise<boolean> {
  const rows = await tx.query<{ one: number }>(`select 1 as one from timers where status = 'pending' and nudge_at < $1 limit 1`, [before]);
  return rows.length > 0;
}
