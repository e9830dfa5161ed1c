/**
 * Reading in the loop. Each reading event the viewer stores (an open, a beacon) becomes, in one
 * transaction: the view's `document_viewed` customer action on the deal (document, pages and
 * seconds as evidence; one action per view, brought up to date by each beacon), an open counted in
 * the deal's engagement and value score, the shared quote's "not opened yet" timer fulfilled, and
 * each signal (the price page read again and again, a new reader) a nudge to the deal's owner
 * with its playbook rule's atoms: once per signal, keyed by the signal's idempotency key, so a
 * retried beacon or a second process cannot nudge twice. The sends are dispatched after the commit.
 * An event kept as a pending reading (an open, a signal) is deleted in that same transaction: a
 * failure leaves it for the sweep's `apply-reading` job, and it is applied once.
 */
import { newId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { Platform } from '../../core/types.ts';
import type { Database, Sql } from '../../db/client.ts';
import {
  countDocumentOpen,
  dealNudgesSince,
  fulfilOpenedTimers,
  type ReadingConversation,
  type ReadingDeal,
  readingConversation,
  readingDeal,
  takePendingReading,
  upsertViewAction,
  viewReading,
} from '../../db/queries/reading.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Rule } from '../catalog/schema.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { formatPageLabel } from '../documents/page-labels.ts';
import type { ReadingEvent } from '../documents/reading.ts';
import { describeSignal, type ReadingSignal } from '../documents/signals.ts';
import type { Metrics } from '../metrics.ts';
import { chooseAtoms } from './atoms.ts';
import { type BuiltNudge, buildNudge } from './nudges.ts';
import { customerOf } from './render.ts';
import { postSaleOf, valueScore } from './value-score.ts';
import { writeNudges } from './write-nudges.ts';
import { toAppError } from '../../core/errors.ts';

const WEEK_MS = 7 * 86_400_000;

/** The playbook trigger each reading signal sets off. */
const TRIGGER_OF: Record<ReadingSignal['kind'], 'price_page' | 'new_reader'> = {
  price_page_reread: 'price_page',
  price_page_dwell: 'price_page',
  new_reader: 'new_reader',
};

export interface ReadingDeps {
  database: Database;
  catalog: CatalogHolder;
  log: Logger;
  metrics: Metrics;
  sendPlatforms: readonly Platform[];
  dispatch(rows: ReadonlyArray<{ id: string; platform: string }>): Promise<void>;
}

/** What `registerDocumentRoutes` gets as `onReading`. */
export function readingListener(deps: ReadingDeps): (event: ReadingEvent, pendingId?: string) => Promise<void> {
  return (event, pendingId) => applyReading(deps, event, pendingId);
}

/** Applies a reading event; `pendingId`: its kept row, taken in the same transaction (nothing happens when it is gone). */
export async function applyReading(deps: ReadingDeps, e: ReadingEvent, pendingId?: string): Promise<void> {
  // A link made for no customer chat (library material opened from the console) is nobody's deal.
  if (!e.conversationId) return;
  const conversationId = e.conversationId;
  const catalog = deps.catalog.current;
  const built = await deps.database.transaction(async (tx) => {
    // Applied already (the inline listener and the sweep's job raced, or a retry): nothing to do.
    if (pendingId !== undefined && (await takePendingReading(tx, pendingId)) === null) return null;
    const opened = e.type === 'opened';
    // Most events are beacons that cross nothing on a link made for a deal: they only bring the
    // view's action up to date (two statements), without reading the chat or the deal.
    if (!opened && e.signals.length === 0 && e.opportunityId) {
      await recordViewAction(tx, e, conversationId, e.opportunityId);
      return null;
    }
    const conv = await readingConversation(tx, conversationId);
    if (!conv) return null;
    const dealId = e.opportunityId ?? conv.opportunityId;
    // An open changes the deal's counters: lock it as the analysis does.
    const deal = dealId ? await readingDeal(tx, dealId, opened) : null;
    const actionId = await recordViewAction(tx, e, conv.id, deal?.id ?? null);
    if (actionId === null) return null;
    const nudges: BuiltNudge[] = [];
    let score = deal ? { before: deal.valueScore, after: deal.valueScore } : null;
    if (opened) {
      await fulfilOpenedTimers(tx, { documentId: e.documentId, opportunityId: deal?.id ?? null, conversationId, at: e.at });
      if (deal) score = await countOpen(tx, catalog, deal, e.at);
    }
    if (deal && deal.status === 'open' && (e.signals.length > 0 || (score && score.after !== score.before))) {
      nudges.push(...(await coach(deps, tx, catalog, { e, conv, deal, actionId, score })));
    }
    const { fresh, deliveries } = await writeNudges(tx, nudges);
    return { deliveries, rules: fresh.map((b) => b.nudge.rule_id) };
  });
  // One action per opening: counted when it is made, not at each beacon that updates it.
  if (e.type === 'opened') deps.metrics.actionsDetected.inc({ kind: 'document_viewed' });
  for (const rule of built?.rules ?? []) deps.metrics.nudgesCreated.inc({ rule });
  if (built && built.deliveries.length > 0) {
    await deps
      .dispatch(built.deliveries)
      .catch((err: unknown) => deps.log.warn({ err: toAppError(err).message }, 'sends not dispatched; the sweep will pick them up'));
  }
}

/** The view as the deal's `document_viewed` action: the document, its pages and seconds so far. */
async function recordViewAction(tx: Sql, e: ReadingEvent, conversationId: string, dealId: string | null): Promise<string | null> {
  const view = await viewReading(tx, e.viewId);
  if (!view) return null;
  const read = view.pages.filter((p) => p.seconds > 0);
  const seconds = read.reduce((n, p) => n + p.seconds, 0);
  return upsertViewAction(tx, {
    id: newId(),
    document_view_id: e.viewId,
    conversation_id: conversationId,
    opportunity_id: dealId,
    at: view.openedAt.toISOString(),
    attrs: {
      documentId: e.documentId,
      title: e.documentTitle,
      documentKind: e.documentKind,
      linkId: e.linkId,
      forwarded: e.forwarded,
      seconds: Math.round(seconds),
      pages: read.map((p) => ({
        page: p.page,
        label: formatPageLabel(p.page, view.pageTitles[p.page - 1]),
        seconds: Math.round(p.seconds * 10) / 10,
        visits: p.visits,
      })),
      lastSeenAt: view.lastSeenAt.toISOString(),
    },
  });
}

/** An open counts in engagement like a customer message: the score moves, and may cross a rule's line. */
async function countOpen(tx: Sql, catalog: Catalog, deal: ReadingDeal, at: Date): Promise<{ before: number; after: number }> {
  const before = deal.valueScore;
  deal.documentOpens += 1;
  const formula = catalog.playbook.valueScore;
  const scored = formula
    ? valueScore(formula, {
        amount: deal.amount,
        customerMessages: deal.customerMessages,
        documentOpens: deal.documentOpens,
        buyingSignals: deal.buyingSignals,
        replyHours: deal.replyCount === 0 ? null : deal.replyHoursSum / deal.replyCount,
        postSale: postSaleOf(deal.valueTerms ?? {}),
      })
    : null;
  await countDocumentOpen(tx, { dealId: deal.id, valueScore: scored?.score ?? before, valueTerms: scored?.terms ?? {}, at });
  deal.valueScore = scored?.score ?? before;
  return { before, after: deal.valueScore };
}

interface CoachInput {
  e: ReadingEvent;
  conv: ReadingConversation;
  deal: ReadingDeal;
  actionId: string;
  score: { before: number; after: number } | null;
}

/**
 * The nudges a reading earns: per reading rule, the first of this event's signals it answers (the
 * price page read again and for long in one beacon is one nudge), unless the rule cooled down for
 * this deal; and a value-score rule whose line the open crossed (the same key as the analysis
 * uses, so the deal gets it once whichever path crosses first).
 */
async function coach(deps: ReadingDeps, tx: Sql, catalog: Catalog, c: CoachInput): Promise<BuiltNudge[]> {
  const { e, conv, deal } = c;
  const rep = deal.ownerId ?? conv.ownerId;
  if (!rep) {
    deps.log.info({ documentId: e.documentId, conversationId: conv.id }, 'no rep owns this conversation yet: reading nudge skipped');
    return [];
  }
  const recent = await dealNudgesSince(tx, deal.id, new Date(e.at.getTime() - WEEK_MS));
  const pushed = new Set(recent.flatMap((n) => n.atomIds));
  const customer = customerOf(deal.name) ?? '客户';
  const out: BuiltNudge[] = [];
  const emit = (rule: Rule, triggerId: string, line: string) => {
    const atoms = chooseAtoms(catalog, { rule, action: null, topics: [], stage: deal.stage, valueScore: deal.valueScore, text: line, exclude: pushed });
    for (const a of atoms) pushed.add(a.id);
    // A deactivated owner is coached no more: buildNudge gives null.
    const built = buildNudge(catalog, deps.sendPlatforms, {
      rule,
      triggerId,
      personId: rep,
      opportunityId: deal.id,
      dealName: deal.name,
      conversationId: conv.id,
      platform: conv.platform as Platform,
      actionId: c.actionId,
      evidence: { text: line, label: '客户阅读' },
      atoms,
      vars: { contact: deal.contactName, rep: catalog.person(rep)?.name ?? null },
      at: e.at,
    });
    if (built) out.push(built);
  };
  for (const rule of catalog.playbook.rules) {
    if (!rule.enabled || (rule.stages && !rule.stages.includes(deal.stage))) continue;
    if ('reading' in rule.on) {
      const on = rule.on.reading;
      const signal = e.signals.find((s) => TRIGGER_OF[s.kind] === on);
      if (!signal || coolingDown(rule, recent, e.at)) continue;
      emit(rule, signal.idempotencyKey, describeSignal(signal, { customer, document: e.documentTitle }));
    } else if ('valueScoreAtLeast' in rule.on && c.score) {
      const line = rule.on.valueScoreAtLeast;
      if (c.score.before < line && c.score.after >= line) emit(rule, deal.id, `${customer}打开了《${e.documentTitle}》，价值分升到 ${c.score.after}`);
    }
  }
  return out;
}

function coolingDown(rule: Rule, recent: ReadonlyArray<{ ruleId: string; createdAt: Date }>, at: Date): boolean {
  if (!rule.cooldown) return false;
  const since = at.getTime() - rule.cooldown;
  return recent.some((n) => n.ruleId === rule.id && n.createdAt.getTime() >= since);
}
