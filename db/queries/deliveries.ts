/** Outbound deliveries: claimed and marked in bulk by the send job, found again by the sweep. */
import { nudgeCard } from '../../core/card-actions.ts';
import type { OutboundMessage, Platform } from '../../core/types.ts';
import type { Sql } from '../client.ts';
import type { DeliveryTarget } from '../schema/coaching.ts';
import { nudges } from '../schema/index.ts';
import { CONVERSATIONS_OF } from './conversations.ts';
import { byBatchId, rowsParam, testedPerRow } from './json.ts';

export interface ClaimedDelivery {
  id: string;
  /** The claim's stamp: the mark applies only while the row still holds it (no other sender retook it). */
  claimedAt: Date;
  idempotencyKey: string;
  nudgeId: string | null;
  platform: Platform;
  to: DeliveryTarget;
  message: OutboundMessage;
  attempts: number;
  /** Parts a platform accepted on earlier attempts (`SendProgress.done` to start from). */
  partsSent: number;
}

/**
 * Takes the given deliveries that are due and free for this sender: pending ones nobody holds,
 * and those held by a sender whose lease ran out (it crashed). Returns what it took.
 *
 * A taken row stays 'pending' with its `claimed_at` set ("being sent" is a claim younger than the
 * lease): the claim writes only columns no index holds, so it is a HOT update (the table leaves
 * room on each page, see migration 0008), not a new tuple and an entry in every index. A nudge's
 * delivery keeps no copy of its card (its `message` is null): the card comes back with the claim,
 * built from the nudge joined to it.
 */
export async function claimDeliveries(tx: Sql, ids: readonly string[], now: Date, staleBefore: Date): Promise<ClaimedDelivery[]> {
  const rows = await tx.query<Omit<ClaimedDelivery, 'message'> & SentRow>(
    `with taken as (
       update deliveries set attempts = attempts + 1, claimed_at = $2
       where id = any($1::text[]) and ${testedPerRow("status = 'pending'")}
         and (claimed_at is null or claimed_at < $3)
         and (not_before is null or not_before <= $2)
       returning id, claimed_at, idempotency_key, nudge_id, platform, "to", message, attempts, parts_sent)
     select t.id, t.claimed_at as "claimedAt", t.idempotency_key as "idempotencyKey", t.nudge_id as "nudgeId", t.platform, t."to", t.message,
       t.attempts, t.parts_sent as "partsSent", n.title as "nudgeTitle", n.body as "nudgeBody"
     from taken t left join nudges n on t.message is null and n.id = t.nudge_id`,
    [ids, now, staleBefore],
  );
  return rows.map(({ nudgeTitle, nudgeBody, ...d }) => ({ ...d, message: sentMessage({ ...d, nudgeTitle, nudgeBody }) }));
}

/**
 * For a drizzle select of deliveries left-joined to their nudge (`eq(nudges.id, deliveries.nudgeId)`):
 * the columns a nudge's card is built from, and `sentMessage` to build what was sent.
 */
export const nudgeCardColumns = { nudgeTitle: nudges.title, nudgeBody: nudges.body };

/** A delivery as read with `nudgeCardColumns` (its nudge's title and body, null where it has none or no nudge). */
interface SentRow {
  id: string;
  message: OutboundMessage | null;
  nudgeId: string | null;
  nudgeTitle: string | null;
  nudgeBody: string | null;
}

/**
 * What a delivery sends: its own message, or, for a nudge's (whose message is null), the nudge's
 * card. Throws for a delivery with neither, which no writer makes.
 */
export function sentMessage(r: SentRow): OutboundMessage {
  if (r.message) return r.message;
  if (r.nudgeId === null || r.nudgeTitle === null || r.nudgeBody === null) throw new Error(`delivery ${r.id} has no message and no nudge`);
  return nudgeCard({ id: r.nudgeId, title: r.nudgeTitle, body: r.nudgeBody });
}

export interface DeliveryOutcome {
  id: string;
  /** The claim's stamp (`ClaimedDelivery.claimedAt`), ISO. */
  claimed_at: string;
  status: 'sent' | 'pending' | 'failed';
  sent_at: string | null;
  platform_message_id: string | null;
  last_error: string | null;
  not_before: string | null;
  /** Parts the platform has accepted so far, this attempt's included. */
  parts_sent: number;
  /** The claim's attempt is given back: the send only waited for the platform's pace. */
  refund: boolean;
}

/**
 * Marks what the sends did, each only while its row still holds this sender's claim; a delivery
 * to try again is released (its claim cleared) until `not_before`.
 */
export async function markDeliveries(tx: Sql, rows: readonly DeliveryOutcome[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, claimed_at timestamptz, status text, sent_at timestamptz,
          platform_message_id text, last_error text, not_before timestamptz, refund boolean, parts_sent integer))
     update deliveries d set status = x.status, sent_at = x.sent_at, platform_message_id = x.platform_message_id, last_error = x.last_error,
       not_before = x.not_before, claimed_at = null, attempts = d.attempts - case when x.refund then 1 else 0 end, parts_sent = x.parts_sent
     from x
     where ${byBatchId('d')} and ${testedPerRow("d.status = 'pending'")} and d.claimed_at = x.claimed_at`,
    [rowsParam(rows)],
  );
}

/** The chat ids of conversations, for deliveries addressed to a chat. */
export async function chatIdsOf(tx: Sql, conversationIds: readonly string[]): Promise<Map<string, string>> {
  if (conversationIds.length === 0) return new Map();
  const rows = await tx.query<{ id: string; chatId: string }>(CONVERSATIONS_OF('id, chat_id as "chatId"'), [conversationIds]);
  return new Map(rows.map((r) => [r.id, r.chatId]));
}

/** Of the given deliveries, those still to send, with when they may next be tried (a lease or a pace to wait out). */
export async function unsentDeliveries(
  tx: Sql,
  ids: readonly string[],
  leaseMs: number,
  now: Date,
): Promise<Array<{ id: string; platform: string; nextAt: Date }>> {
  if (ids.length === 0) return [];
  return tx.query<{ id: string; platform: string; nextAt: Date }>(
    `select id, platform,
       case when claimed_at is not null then claimed_at + ($2::int * interval '1 millisecond') else coalesce(not_before, $3::timestamptz) end as "nextAt"
     from deliveries where id = any($1::text[]) and ${testedPerRow("status = 'pending'")}`,
    [ids, leaseMs, now],
  );
}
