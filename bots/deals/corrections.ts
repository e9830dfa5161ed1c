/**
 * Corrections of a deal by people: stage (forward, back, closed or reopened), amount, name, owner,
 * CRM id. Only the owner rep, a manager of the owner's team or an admin may correct a deal (and hand
 * it over only within their teams); each
 * correction is kept with who, how and when, shown in /deal and exported as a training label. The
 * same function serves the chat command, the console and `PATCH /v1/deals/:id`.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { findAmounts, MULT } from '../../analyzers/rules/amount.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/client.ts';
import { conversations, dealConfirmations, dealCorrections, opportunities, stageChanges, timers } from '../../db/schema/index.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';

export type DealField = 'stage' | 'amount' | 'name' | 'owner' | 'crm_id';

export type CorrectionResult =
  | { ok: true; field: DealField; before: unknown; after: unknown; dealName: string | null }
  | { ok: false; code: 'FORBIDDEN' | 'BAD_REQUEST' | 'NOT_FOUND'; reason: string };

/** Whether `by` may correct a deal owned by `ownerId`. */
export function canCorrect(catalog: Catalog, by: Person, ownerId: string | null): boolean {
  if (!by.active) return false;
  if (by.role === 'admin' || by.id === ownerId) return true;
  if (by.role !== 'manager' || !ownerId) return false;
  const owner = catalog.person(ownerId);
  return owner?.teamId != null && by.manages.includes(owner.teamId);
}

/**
 * Whom `by` may hand a deal to: an admin anyone; a manager the reps of the teams they manage; a
 * rep a colleague of their own team. A deal so never silently leaves its manager's sight: moving
 * one to another team is an admin's call.
 */
function mayHandTo(by: Person, to: Person): boolean {
  if (by.role === 'admin') return true;
  if (to.teamId === null) return false;
  return by.role === 'manager' ? by.manages.includes(to.teamId) : to.teamId === by.teamId;
}

/** An amount read from a correction, or why it cannot be. */
export type AmountWords = { ok: true; amount: number } | { ok: false; reason: string };

/** Beyond any deal: the largest amount a correction (here) or a deal event (POST /v1/deal-events) takes. */
export const MAX_AMOUNT = 1e12;
// Thousands grouped by three only: 12,0000 could be either of two amounts.
const PLAIN = /^(?:¥|rmb|cny)?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(百万|千万|万|千|亿|w|k)?\s*(?:元|块|人民币|rmb|cny)?$/;
const CHINESE = /^[零一二两三四五六七八九十百千万]+(?:元|块)?$/;
const NEGATIVE = /^(?:¥|rmb|cny)?\s*(?:[-−]|负)/;
const RANGE = /\d\s*(?:[-~—–]|到|至)\s*(?:¥|rmb|cny)?\s*\d/;

/**
 * An amount as people correct it, in yuan: 20万, 12.5万, 12.8w, 1.2百万, ¥128,000, 128000, 二十万,
 * full-width digits too. The whole value must be that one amount: unlike a quote read from a
 * chat message (analyzers/rules/amount.ts picks one out of a sentence), a correction read in part
 * would store what nobody wrote, so a sign, a range or another notation (0x10, 1e6) is refused
 * with the reason. The chat, the console and `PATCH /v1/deals/:id` all read amounts here.
 */
export function amountFromWords(words: string): AmountWords {
  // NFKC turns what a Chinese input method types (１２．５万, ￥, －) into the ASCII forms.
  const w = words.normalize('NFKC').trim().toLowerCase();
  if (NEGATIVE.test(w)) return { ok: false, reason: '金额不能是负数。' };
  if (RANGE.test(w) || findAmounts(w).length > 1) return { ok: false, reason: '金额请写一个数，不要写范围：写预计成交的金额，例如 25万。' };
  const amount = plainAmount(w) ?? wholeChineseAmount(w);
  if (amount === undefined) return { ok: false, reason: `金额「${words}」看不懂，例如：20万、12.5万、128000、¥128,000。` };
  if (amount > MAX_AMOUNT) return { ok: false, reason: `金额「${words}」太大了。` };
  return { ok: true, amount: Math.round(amount * 100) / 100 };
}

function plainAmount(w: string): number | undefined {
  const m = PLAIN.exec(w);
  return m ? Number(m[1]!.replace(/,/g, '')) * (m[2] ? MULT[m[2]]! : 1) : undefined;
}

/** 二十万, 三万五: the quote reader's Chinese numerals, when they are the whole of the words. */
function wholeChineseAmount(w: string): number | undefined {
  if (!CHINESE.test(w)) return undefined;
  const found = findAmounts(w);
  return found.length === 1 && found[0]!.index === 0 && found[0]!.end === w.length ? found[0]!.value : undefined;
}

export async function correctDeal(
  db: Db,
  catalog: Catalog,
  c: { dealId: string; by: Person; via: string; field: DealField; value: string; at: Date },
): Promise<CorrectionResult> {
  return db.transaction(async (tx) => {
    const [deal] = await tx.select().from(opportunities).where(eq(opportunities.id, c.dealId)).for('update');
    if (!deal) return { ok: false, code: 'NOT_FOUND', reason: '没有这个商机。' };
    if (!canCorrect(catalog, c.by, deal.ownerId)) return { ok: false, code: 'FORBIDDEN', reason: '只有这个商机的负责人或其经理可以更正它。' };
    let before: unknown;
    let after: unknown;
    switch (c.field) {
      case 'stage': {
        const to = catalog.stageByName(c.value);
        if (!to)
          return {
            ok: false,
            code: 'BAD_REQUEST',
            reason: `不认识的阶段「${c.value}」。可选：${catalog.playbook.funnel.stages.map((s) => catalog.stageLabel(s)).join('、')}`,
          };
        before = deal.stage;
        after = to;
        if (to !== deal.stage) await setStage(tx, catalog, deal, to, c.by.id, c.at);
        break;
      }
      case 'amount': {
        const read = amountFromWords(c.value);
        if (!read.ok) return { ok: false, code: 'BAD_REQUEST', reason: read.reason };
        before = deal.amount;
        after = read.amount;
        await tx.update(opportunities).set({ amount: read.amount, updatedAt: c.at }).where(eq(opportunities.id, deal.id));
        break;
      }
      case 'name': {
        const name = c.value.trim().slice(0, 100);
        if (!name) return { ok: false, code: 'BAD_REQUEST', reason: '新名字不能为空。' };
        before = deal.name;
        after = name;
        await tx.update(opportunities).set({ name, namedBy: 'correction', updatedAt: c.at }).where(eq(opportunities.id, deal.id));
        await supersede(tx, deal.id, ['name'], c.at);
        break;
      }
      case 'owner': {
        const owner = findRep(catalog, c.value);
        if (!owner) return { ok: false, code: 'BAD_REQUEST', reason: `没有找到在职销售「${c.value}」。` };
        if (!mayHandTo(c.by, owner)) return { ok: false, code: 'FORBIDDEN', reason: `${owner.name}不在你的团队里：跨团队移交请找管理员。` };
        before = deal.ownerId;
        after = owner.id;
        await tx.update(opportunities).set({ ownerId: owner.id, updatedAt: c.at }).where(eq(opportunities.id, deal.id));
        await tx.update(conversations).set({ ownerId: owner.id }).where(eq(conversations.opportunityId, deal.id));
        await tx
          .update(timers)
          .set({ repId: owner.id })
          .where(and(eq(timers.opportunityId, deal.id), inArray(timers.status, ['pending', 'fired'])));
        break;
      }
      case 'crm_id': {
        before = deal.crmId;
        after = c.value.trim().slice(0, 100) || null;
        await tx
          .update(opportunities)
          .set({ crmId: after as string | null, updatedAt: c.at })
          .where(eq(opportunities.id, deal.id));
        break;
      }
    }
    await tx.insert(dealCorrections).values({ id: newId(), opportunityId: deal.id, field: c.field, before, after, byPersonId: c.by.id, via: c.via, at: c.at });
    return { ok: true, field: c.field, before, after, dealName: c.field === 'name' ? (after as string) : deal.name };
  });
}

/**
 * Moves a deal to a stage on a person's word: recorded as a stage change by them; closing it
 * cancels its timers, reopening it makes it open again. Used by corrections and confirmations.
 */
export async function setStage(
  tx: Db,
  catalog: Catalog,
  deal: { id: string; stage: string },
  to: string,
  byPersonId: string,
  at: Date,
  evidence: { source: 'correction' | 'confirmed'; actionId?: string | null; messageId?: string | null } = { source: 'correction' },
): Promise<void> {
  const won = to === catalog.wonStage;
  const lost = to === catalog.lostStage;
  await tx.insert(stageChanges).values({
    id: newId(),
    opportunityId: deal.id,
    fromStage: deal.stage,
    toStage: to,
    actionId: evidence.actionId ?? null,
    messageId: evidence.messageId ?? null,
    source: evidence.source,
    byPersonId,
    at,
  });
  await tx
    .update(opportunities)
    .set({ stage: to, stageAt: at, status: won ? 'won' : lost ? 'lost' : 'open', closedAt: won || lost ? at : null, updatedAt: at })
    .where(eq(opportunities.id, deal.id));
  if (won || lost) {
    await tx
      .update(timers)
      .set({ status: 'cancelled', resolvedAt: at })
      .where(and(eq(timers.opportunityId, deal.id), inArray(timers.status, ['pending', 'fired'])));
  }
  await supersede(tx, deal.id, ['stage', 'reopen'], at);
}

async function supersede(tx: Db, dealId: string, kinds: Array<'stage' | 'reopen' | 'name'>, at: Date): Promise<void> {
  await tx
    .update(dealConfirmations)
    .set({ status: 'superseded', answeredAt: at })
    .where(and(eq(dealConfirmations.opportunityId, dealId), eq(dealConfirmations.status, 'pending'), inArray(dealConfirmations.kind, kinds)));
}

function findRep(catalog: Catalog, words: string): Person | null {
  const w = words.trim();
  const active = [...catalog.people].filter((p) => p.active && p.role === 'rep');
  return active.find((p) => p.id === w || p.name === w) ?? null;
}
