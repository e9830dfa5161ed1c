/**
 * The console's deals, within what the viewer may see (bots/reports/access.ts): the list (search
 * by name, filter by stage and owner) and one deal with its conversation as a timeline, each
 * message carrying the actions detected in it, the stage moves it is evidence of and the nudges it
 * set off; moves, nudges and corrections without a message stand on their own at their time.
 */
import { and, asc, count, desc, eq, gte, ilike, inArray, lt, lte, or, type SQL } from 'drizzle-orm';
import type { Attachment } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { dealById } from '../../db/queries/deals.ts';
import { actions, messages, nudges, opportunities, people } from '../../db/schema/index.ts';
import { canSeeDeal, dealScope, type Viewer } from '../reports/access.ts';
import { dealNameColumn, UNNAMED_DEAL_LABEL } from '../reports/deal-name.ts';
import { escapeLike } from '../reports/text.ts';
import { type DealListQuery, dayRange, words } from './filters.ts';

export type DealListFilter = DealListQuery;

export interface DealListItem {
  id: string;
  name: string;
  stage: string;
  status: string;
  amount: number | null;
  valueScore: number;
  ownerId: string | null;
  ownerName: string | null;
  /** The customer contact who spoke last. */
  contactName: string | null;
  updatedAt: Date;
}

/** The viewer's deals that pass the filter, newest change first; `timeZone` reads the from/to days. */
export async function listConsoleDeals(
  db: Db,
  viewer: Viewer,
  f: DealListFilter,
  timeZone = 'Asia/Shanghai',
): Promise<{ items: DealListItem[]; total: number }> {
  const scope = dealScope(viewer);
  const conds: SQL[] = [];
  if ('ownerId' in scope) conds.push(eq(opportunities.ownerId, scope.ownerId));
  else if ('teamIds' in scope) {
    if (scope.teamIds.length === 0) return { items: [], total: 0 };
    conds.push(inArray(people.teamId, [...scope.teamIds]));
  }
  // Every word in the deal's name or its customer contact's.
  for (const w of words(f.q)) {
    const like = `%${escapeLike(w)}%`;
    conds.push(or(ilike(dealNameColumn, like), ilike(opportunities.contactName, like)) as SQL);
  }
  if (f.stage) conds.push(eq(opportunities.stage, f.stage));
  if (f.owner) conds.push(eq(opportunities.ownerId, f.owner));
  if (f.team) conds.push(eq(people.teamId, f.team));
  if (f.status) conds.push(eq(opportunities.status, f.status));
  if (f.scoreMin !== undefined) conds.push(gte(opportunities.valueScore, f.scoreMin));
  if (f.scoreMax !== undefined) conds.push(lte(opportunities.valueScore, f.scoreMax));
  const { start, end } = dayRange(f, timeZone);
  if (start) conds.push(gte(opportunities.updatedAt, start));
  if (end) conds.push(lt(opportunities.updatedAt, end));
  const where = and(...conds);
  const [items, [total]] = await Promise.all([
    db
      .select({
        id: opportunities.id,
        name: dealNameColumn,
        stage: opportunities.stage,
        status: opportunities.status,
        amount: opportunities.amount,
        valueScore: opportunities.valueScore,
        ownerId: opportunities.ownerId,
        ownerName: people.name,
        contactName: opportunities.contactName,
        updatedAt: opportunities.updatedAt,
      })
      .from(opportunities)
      .leftJoin(people, eq(people.id, opportunities.ownerId))
      .where(where)
      .orderBy(desc(opportunities.updatedAt), asc(opportunities.id))
      .limit(f.limit)
      .offset(f.offset),
    db.select({ n: count() }).from(opportunities).leftJoin(people, eq(people.id, opportunities.ownerId)).where(where),
  ]);
  return { items, total: total?.n ?? 0 };
}

export interface TimelineAction {
  id: string;
  kind: string;
  attrs: Record<string, unknown>;
  confidence: number;
}
export interface TimelineMove {
  fromStage: string;
  toStage: string;
  source: string;
  byPersonId: string | null;
  at: Date;
}
export interface TimelineNudge {
  id: string;
  personId: string;
  ruleId: string;
  title: string;
  body: string;
  atomIds: string[];
  createdAt: Date;
  feedback: string | null;
  feedbackAt: Date | null;
}
export interface TimelineCorrection {
  field: string;
  before: unknown;
  after: unknown;
  byPersonId: string;
  via: string;
  at: Date;
}

export type ConsoleTimelineItem =
  | {
      type: 'message';
      at: Date;
      id: string;
      role: string;
      speaker: string;
      text: string;
      attachments: Attachment[];
      actions: TimelineAction[];
      moves: TimelineMove[];
      nudges: TimelineNudge[];
    }
  | ({ type: 'move' } & TimelineMove)
  | ({ type: 'nudge'; at: Date } & TimelineNudge)
  | ({ type: 'correction' } & TimelineCorrection)
  | ({ type: 'reading' } & TimelineReading);

/** A customer's reading of a tracked document (a `document_viewed` action; its evidence is the view). */
export interface TimelineReading {
  actionId: string;
  at: Date;
  documentId: string | null;
  title: string;
  seconds: number;
  forwarded: boolean;
  /** Pages with time in view, most time first. */
  pages: { page: number; label: string; seconds: number }[];
}

/** The reading an action's attrs record (bots/coaching/reading.ts writes them). */
export function readingOf(a: { id: string; at: Date; attrs: Record<string, unknown> }): TimelineReading {
  const x = a.attrs;
  const pages = Array.isArray(x.pages) ? (x.pages as Array<Record<string, unknown>>) : [];
  return {
    actionId: a.id,
    at: a.at,
    documentId: typeof x.documentId === 'string' ? x.documentId : null,
    title: typeof x.title === 'string' ? x.title : '文档',
    seconds: typeof x.seconds === 'number' ? x.seconds : 0,
    forwarded: x.forwarded === true,
    pages: pages
      .filter((p) => typeof p.page === 'number' && typeof p.seconds === 'number')
      .map((p) => ({ page: p.page as number, label: typeof p.label === 'string' ? p.label : `第${p.page}页`, seconds: p.seconds as number }))
      .sort((a, b) => b.seconds - a.seconds),
  };
}

/** Most messages a deal page shows, the newest kept. */
export const TIMELINE_MESSAGES = 300;

export type ConsoleDeal = NonNullable<Awaited<ReturnType<typeof dealById>>> & {
  name: string;
  /** False while the deal has no name yet (`name` then reads 待命名客户). */
  named: boolean;
  ownerName: string | null;
  ownerTeamId: string | null;
  timeline: ConsoleTimelineItem[];
  /** Messages in the deal's chats, of which the timeline shows the newest TIMELINE_MESSAGES. */
  messageCount: number;
};

/** The deal, `forbidden` when the viewer may not see it, null when there is none. */
export async function consoleDeal(db: Db, viewer: Viewer, id: string): Promise<ConsoleDeal | 'forbidden' | null> {
  const deal = await dealById(db, id);
  if (!deal) return null;
  const [owner] = deal.ownerId ? await db.select({ name: people.name, teamId: people.teamId }).from(people).where(eq(people.id, deal.ownerId)) : [];
  const ownerTeamId = owner?.teamId ?? null;
  if (!canSeeDeal(viewer, { ownerId: deal.ownerId, ownerTeamId })) return 'forbidden';

  const convIds = deal.conversationIds;
  const inDeal = convIds.length > 0 ? and(inArray(messages.conversationId, convIds), eq(messages.direct, false)) : undefined;
  const [msgRows, [msgCount], actionRows, nudgeRows] = await Promise.all([
    inDeal
      ? db
          .select({
            id: messages.id,
            sentAt: messages.sentAt,
            role: messages.role,
            senderName: messages.senderName,
            personName: people.name,
            text: messages.text,
            attachments: messages.attachments,
          })
          .from(messages)
          .leftJoin(people, eq(people.id, messages.personId))
          .where(inDeal)
          .orderBy(desc(messages.sentAt), desc(messages.id))
          .limit(TIMELINE_MESSAGES)
      : [],
    inDeal ? db.select({ n: count() }).from(messages).where(inDeal) : [{ n: 0 }],
    db.select().from(actions).where(eq(actions.opportunityId, id)),
    db.select().from(nudges).where(eq(nudges.opportunityId, id)).orderBy(asc(nudges.createdAt)),
  ]);

  const items = new Map<string, Extract<ConsoleTimelineItem, { type: 'message' }>>();
  for (const m of msgRows.reverse()) {
    items.set(m.id, {
      type: 'message',
      at: m.sentAt,
      id: m.id,
      role: m.role,
      // A customer is 客户 whatever their platform display name, as in /deal.
      speaker: m.role === 'customer' ? (m.senderName ? `客户 · ${m.senderName}` : '客户') : (m.personName ?? m.senderName ?? '同事'),
      text: m.text,
      attachments: m.attachments,
      actions: [],
      moves: [],
      nudges: [],
    });
  }
  const loose: ConsoleTimelineItem[] = [];
  for (const a of actionRows) {
    if (a.messageId) items.get(a.messageId)?.actions.push({ id: a.id, kind: a.kind, attrs: a.attrs, confidence: a.confidence });
    // A reading's evidence is the document view, not a message: it stands at the time it was opened.
    else if (a.kind === 'document_viewed') loose.push({ type: 'reading', ...readingOf(a) });
  }
  for (const h of deal.history) {
    const move = { fromStage: h.from, toStage: h.to, source: h.source, byPersonId: h.byPersonId, at: h.at };
    const host = h.messageId ? items.get(h.messageId) : undefined;
    if (host) host.moves.push(move);
    else loose.push({ type: 'move', ...move });
  }
  for (const n of nudgeRows) {
    const nudge = {
      id: n.id,
      personId: n.personId,
      ruleId: n.ruleId,
      title: n.title,
      body: n.body,
      atomIds: n.atomIds,
      createdAt: n.createdAt,
      feedback: n.feedback,
      feedbackAt: n.feedbackAt,
    };
    // A nudge on a message shows on it; a timer's nudge (no message) at its own time.
    const host = n.messageId && !n.timerId ? items.get(n.messageId) : undefined;
    if (host) host.nudges.push(nudge);
    else loose.push({ type: 'nudge', at: n.createdAt, ...nudge });
  }
  for (const c of deal.corrections) loose.push({ type: 'correction', ...c });
  const timeline = [...items.values(), ...loose].sort((a, b) => a.at.getTime() - b.at.getTime() || rank(a) - rank(b));
  return {
    ...deal,
    name: deal.name ?? UNNAMED_DEAL_LABEL,
    named: deal.name !== null,
    ownerName: owner?.name ?? null,
    ownerTeamId,
    timeline,
    messageCount: msgCount?.n ?? 0,
  };
}

const RANKS = { message: 0, reading: 1, move: 2, nudge: 3, correction: 4 } as const;
const rank = (i: ConsoleTimelineItem): number => RANKS[i.type];
