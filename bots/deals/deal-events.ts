/**
 * Post-sale events (`POST /v1/deal-events`): a payment on time or late, a referral, a service
 * ticket, a renewal. Each is stored once by its event id, in one transaction with the deal locked:
 * the deal's post-sale terms are recounted from its events, the value score recomputed with them
 * (the other terms from the deal's counters, as the loop computes them), and a value-score rule
 * whose line the event crossed nudges the owner with its atoms, keyed as the analysis keys it
 * (rule and deal), so the strategic pack goes out once whichever path crosses first. A repeat of
 * an event answers what the first one did and changes nothing.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import type { Platform } from '../../core/types.ts';
import type { Database, Sql } from '../../db/client.ts';
import {
  type DealEventRow,
  dealConversation,
  dealEventById,
  insertDealEvent,
  type PostSaleCounts,
  postSaleCounts,
  setDealScore,
} from '../../db/queries/deal-events.ts';
import { readingDeal } from '../../db/queries/reading.ts';
import type { DealEventKind } from '../../db/schema/deal-events.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { DEFAULT_POST_SALE, type PostSalePoints } from '../catalog/schema.ts';
import { chooseAtoms } from '../coaching/atoms.ts';
import { type BuiltNudge, buildNudge } from '../coaching/nudges.ts';
import { valueScore } from '../coaching/value-score.ts';
import { writeNudges } from '../coaching/write-nudges.ts';

/** The post-sale terms (points) of a deal's events, by the playbook's points (valueScore.postSale). */
export function postSaleTerms(c: PostSaleCounts, P: PostSalePoints = DEFAULT_POST_SALE): Record<string, number> {
  const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.max(lo, Math.min(hi, v));
  return {
    payment: clamp(c.paymentsOnTime * P.paymentOnTime + c.paymentsLate * P.paymentLate, P.bounds.payment),
    referral: clamp(c.referrals * P.referral, P.bounds.referral),
    ticket: clamp(c.ticketsLow * P.ticket.low + c.ticketsMedium * P.ticket.medium + c.ticketsHigh * P.ticket.high, P.bounds.ticket),
    renewal: clamp(c.renewals * P.renewal, P.bounds.renewal),
  };
}

export interface DealEventInput {
  id: string;
  dealId: string;
  kind: DealEventKind;
  at: Date;
  attrs: Record<string, unknown>;
}

export interface DealEventResult {
  eventId: string;
  dealId: string;
  kind: DealEventKind;
  scoreBefore: number;
  scoreAfter: number;
  terms: Record<string, number>;
  /** False for a repeat of an event already applied. */
  applied: boolean;
}

export interface DealEventDeps {
  database: Database;
  catalog: Catalog;
  sendPlatforms: readonly Platform[];
  now: Date;
}

/** A digest of what the event says (not its id): a repeat must say the same. */
export function bodyHash(e: DealEventInput): string {
  const canonical = JSON.stringify([e.dealId, e.kind, e.at.toISOString(), Object.entries(e.attrs).sort(([a], [b]) => a.localeCompare(b))]);
  return createHash('sha256').update(canonical).digest('hex');
}

const resultOf = (r: DealEventRow, applied: boolean): DealEventResult => ({
  eventId: r.id,
  dealId: r.opportunityId,
  kind: r.kind,
  scoreBefore: r.scoreBefore,
  scoreAfter: r.scoreAfter,
  terms: r.terms,
  applied,
});

/** Applies the event once; returns the deliveries to dispatch after the commit. */
export async function applyDealEvent(
  deps: DealEventDeps,
  e: DealEventInput,
): Promise<{ result: DealEventResult; deliveries: { id: string; platform: string }[] }> {
  const hash = bodyHash(e);
  const repeat = (r: DealEventRow) => {
    if (r.bodyHash !== hash) throw new AppError('CONFLICT', `event ${e.id} was already received with different content`);
    return { result: resultOf(r, false), deliveries: [] };
  };
  const known = await dealEventById(deps.database.sql, e.id);
  if (known) return repeat(known);
  return deps.database.transaction(async (tx) => {
    const deal = await readingDeal(tx, e.dealId, true);
    if (!deal) throw new AppError('NOT_FOUND', `no deal ${e.dealId}`);
    // Another request with this id may have committed while we waited for the lock.
    const raced = await dealEventById(tx, e.id);
    if (raced) return repeat(raced);
    const before = deal.valueScore;
    const row: DealEventRow & { receivedAt: Date } = {
      id: e.id,
      opportunityId: deal.id,
      kind: e.kind,
      attrs: e.attrs,
      occurredAt: e.at,
      receivedAt: deps.now,
      bodyHash: hash,
      scoreBefore: before,
      scoreAfter: before,
      terms: deal.valueTerms ?? {},
    };
    await insertDealEvent(tx, row);
    const formula = deps.catalog.playbook.valueScore;
    if (formula) {
      const post = postSaleTerms(await postSaleCounts(tx, deal.id), formula.postSale);
      const scored = valueScore(formula, {
        amount: deal.amount,
        customerMessages: deal.customerMessages,
        documentOpens: deal.documentOpens,
        buyingSignals: deal.buyingSignals,
        replyHours: deal.replyCount === 0 ? null : deal.replyHoursSum / deal.replyCount,
        postSale: post,
      });
      row.scoreAfter = scored.score;
      row.terms = scored.terms;
      await setDealScore(tx, { dealId: deal.id, valueScore: scored.score, valueTerms: scored.terms, at: deps.now });
      await tx.query('update deal_events set score_after = $2, terms = $3::text::jsonb where id = $1', [row.id, row.scoreAfter, JSON.stringify(row.terms)]);
    }
    const nudges = await crossings(deps, tx, { ...deal, valueScore: row.scoreAfter }, before, e);
    const { deliveries } = await writeNudges(tx, nudges);
    return { result: resultOf(row, true), deliveries };
  });
}

const KIND_ZH: Record<DealEventKind, string> = { payment: '回款', referral: '转介绍', ticket: '服务工单', renewal: '续约' };

/** The value-score rules whose line the event's rescoring crossed, as nudges to the owner. */
async function crossings(
  deps: DealEventDeps,
  tx: Sql,
  deal: { id: string; name: string | null; ownerId: string | null; stage: string; valueScore: number; contactName: string | null },
  before: number,
  e: DealEventInput,
): Promise<BuiltNudge[]> {
  const { catalog } = deps;
  const rules = catalog.playbook.rules.filter(
    (r) => r.enabled && 'valueScoreAtLeast' in r.on && before < r.on.valueScoreAtLeast && deal.valueScore >= r.on.valueScoreAtLeast,
  );
  if (rules.length === 0) return [];
  const conv = await dealConversation(tx, deal.id);
  const rep = deal.ownerId ?? conv?.ownerId ?? null;
  if (!conv || !rep) return [];
  const line = `${KIND_ZH[e.kind]}之后，价值分升到 ${deal.valueScore}`;
  // A deactivated owner is coached no more: buildNudge gives null.
  return rules.flatMap(
    (rule) =>
      buildNudge(catalog, deps.sendPlatforms, {
        rule,
        triggerId: deal.id,
        personId: rep,
        opportunityId: deal.id,
        dealName: deal.name,
        conversationId: conv.id,
        platform: conv.platform as Platform,
        evidence: { text: line, label: '售后事件' },
        atoms: chooseAtoms(catalog, { rule, action: null, topics: [], stage: deal.stage, valueScore: deal.valueScore, text: line, exclude: new Set() }),
        vars: { contact: deal.contactName, rep: catalog.person(rep)?.name ?? null },
        at: deps.now,
      }) ?? [],
  );
}
