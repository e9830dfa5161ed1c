/** Post-sale deal events: stored once per event id, counted per deal, listed as the score's history. */
import type { Sql } from '../client.ts';
import type { DealEventKind } from '../schema/deal-events.ts';

export interface DealEventRow {
  id: string;
  opportunityId: string;
  kind: DealEventKind;
  attrs: Record<string, unknown>;
  occurredAt: Date;
  bodyHash: string;
  scoreBefore: number;
  scoreAfter: number;
  terms: Record<string, number>;
}

const COLUMNS = `id, opportunity_id as "opportunityId", kind, attrs, occurred_at as "occurredAt", body_hash as "bodyHash",
  score_before as "scoreBefore", score_after as "scoreAfter", terms`;

export async function dealEventById(tx: Sql, id: string): Promise<DealEventRow | null> {
  const [row] = await tx.query<DealEventRow>(`select ${COLUMNS} from deal_events where id = $1`, [id]);
  return row ?? null;
}

/** Inserts the event; false when an event with its id was stored meanwhile. */
export async function insertDealEvent(tx: Sql, e: DealEventRow & { receivedAt: Date }): Promise<boolean> {
  const rows = await tx.query(
    `insert into deal_events (id, opportunity_id, kind, attrs, occurred_at, received_at, body_hash, score_before, score_after, terms)
     values ($1, $2, $3, $4::text::jsonb, $5, $6, $7, $8, $9, $10::text::jsonb) on conflict (id) do nothing returning id`,
    [e.id, e.opportunityId, e.kind, JSON.stringify(e.attrs), e.occurredAt, e.receivedAt, e.bodyHash, e.scoreBefore, e.scoreAfter, JSON.stringify(e.terms)],
  );
  return rows.length === 1;
}

/** What the deal's stored events add up to, for the post-sale terms. */
export interface PostSaleCounts {
  paymentsOnTime: number;
  paymentsLate: number;
  referrals: number;
  ticketsLow: number;
  ticketsMedium: number;
  ticketsHigh: number;
  renewals: number;
}

export async function postSaleCounts(tx: Sql, dealId: string): Promise<PostSaleCounts> {
  const [r] = await tx.query<Record<keyof PostSaleCounts, number>>(
    `select
       count(*) filter (where kind = 'payment' and (attrs->>'onTime')::boolean)::int as "paymentsOnTime",
       count(*) filter (where kind = 'payment' and not (attrs->>'onTime')::boolean)::int as "paymentsLate",
       count(*) filter (where kind = 'referral')::int as referrals,
       count(*) filter (where kind = 'ticket' and attrs->>'severity' = 'low')::int as "ticketsLow",
       count(*) filter (where kind = 'ticket' and attrs->>'severity' = 'medium')::int as "ticketsMedium",
       count(*) filter (where kind = 'ticket' and attrs->>'severity' = 'high')::int as "ticketsHigh",
       count(*) filter (where kind = 'renewal')::int as renewals
     from deal_events where opportunity_id = $1`,
    [dealId],
  );
  return r!;
}

export async function setDealScore(tx: Sql, p: { dealId: string; valueScore: number; valueTerms: Record<string, number>; at: Date }): Promise<void> {
  await tx.query(`update opportunities set value_score = $2, value_terms = $3::text::jsonb, updated_at = greatest(updated_at, $4) where id = $1`, [
    p.dealId,
    p.valueScore,
    JSON.stringify(p.valueTerms),
    p.at,
  ]);
}

/** The deal's customer chat (the latest), where a nudge about it points. */
export async function dealConversation(tx: Sql, dealId: string): Promise<{ id: string; platform: string; ownerId: string | null } | null> {
  const [row] = await tx.query<{ id: string; platform: string; ownerId: string | null }>(
    `select id, platform, owner_id as "ownerId" from conversations where opportunity_id = $1 order by created_at desc limit 1`,
    [dealId],
  );
  return row ?? null;
}

/** The deal's latest events, newest first (the value score's history on `/deal`). */
export async function dealEventsOf(tx: Sql, dealId: string, limit = 5): Promise<DealEventRow[]> {
  return tx.query<DealEventRow>(`select ${COLUMNS} from deal_events where opportunity_id = $1 order by occurred_at desc, id desc limit $2`, [dealId, limit]);
}
