/**
 * The deal view (`/deal 华东医疗`): find a deal by name within what the asker may see, then its
 * timeline of key actions and stage moves, each with the message that is its evidence.
 */
import { and, asc, desc, eq, ilike, inArray, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { Attachment } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { actions, messages, opportunities, people, stageChanges } from '../../db/schema/index.ts';
import { actionHolds } from './close-signals.ts';
import { dealNameColumn } from './deal-name.ts';
import { escapeLike, excerpt } from './text.ts';

/** Whose deals a search may return: everyone's, the owners in some teams, or one owner's. */
export type DealScope = { all: true } | { teamIds: readonly string[] } | { ownerId: string };

/** A deal found by name. */
export interface OpportunityMatch {
  id: string;
  name: string;
  stage: string;
  amount: number | null;
  ownerId: string | null;
  ownerName: string | null;
  updatedAt: Date;
}

/** Longest evidence excerpt, in characters: one line on a phone. */
export const EVIDENCE_CHARS = 60;
const MAX_MATCHES = 10;

/**
 * Deals whose name contains `query` (case-insensitive) within `scope`: an exact name first, then
 * the most recently updated; at most ten. A blank query lists the scope's latest deals.
 */
export async function findOpportunities(db: Db, query: string, scope: DealScope): Promise<OpportunityMatch[]> {
  const q = query.trim();
  const conds: SQL[] = [];
  if (q !== '') conds.push(ilike(opportunities.name, `%${escapeLike(q)}%`));
  if ('ownerId' in scope) conds.push(eq(opportunities.ownerId, scope.ownerId));
  else if ('teamIds' in scope) conds.push(inArray(people.teamId, [...scope.teamIds]));
  const exact = q === '' ? sql`false` : sql`lower(${opportunities.name}) = lower(${q})`;
  return db
    .select({
      id: opportunities.id,
      name: dealNameColumn,
      stage: opportunities.stage,
      amount: opportunities.amount,
      ownerId: opportunities.ownerId,
      ownerName: people.name,
      updatedAt: opportunities.updatedAt,
    })
    .from(opportunities)
    .leftJoin(people, eq(people.id, opportunities.ownerId))
    .where(and(...conds))
    .orderBy(desc(exact), desc(opportunities.updatedAt), asc(opportunities.id))
    .limit(MAX_MATCHES);
}

/** The message behind an entry. */
export interface Evidence {
  messageId: string;
  /** The message text on one line, cut to about 60 characters. */
  text: string;
  /** The directory name of the speaker, 客户 for a customer contact. */
  speaker: string;
  role: string;
  sentAt: Date;
}

/**
 * A key action or a stage move, in time order. A customer's reading of a tracked document is an
 * action (`document_viewed`) whose evidence is not a message: its attrs say what was read
 * (document title, seconds, pages) and its evidence is null.
 */
export type TimelineEntry =
  | { type: 'action'; id: string; at: Date; kind: string; attrs: Record<string, unknown>; evidence: Evidence | null }
  | { type: 'stage'; id: string; at: Date; fromStage: string; toStage: string; evidence: Evidence | null };

export interface DealTimeline {
  deal: {
    id: string;
    name: string;
    stage: string;
    amount: number | null;
    ownerId: string | null;
    ownerName: string | null;
    /** The owner's team, for access checks. */
    ownerTeamId: string | null;
  };
  entries: TimelineEntry[];
}

/**
 * A deal and its timeline, oldest first, or null when there is no such deal. An action and the
 * stage move it caused share a time; the action comes first, as cause before effect.
 */
export async function dealTimeline(db: Db, opportunityId: string): Promise<DealTimeline | null> {
  const [deal] = await db
    .select({
      id: opportunities.id,
      name: dealNameColumn,
      stage: opportunities.stage,
      amount: opportunities.amount,
      ownerId: opportunities.ownerId,
      ownerName: people.name,
      ownerTeamId: people.teamId,
    })
    .from(opportunities)
    .leftJoin(people, eq(people.id, opportunities.ownerId))
    .where(eq(opportunities.id, opportunityId))
    .limit(1);
  if (deal === undefined) return null;

  const evidenceColumns = {
    messageId: messages.id,
    text: messages.text,
    attachments: messages.attachments,
    role: messages.role,
    senderName: messages.senderName,
    personName: people.name,
    sentAt: messages.sentAt,
  };
  const [actionRows, readingRows, moveRows] = await Promise.all([
    db
      .select({ id: actions.id, at: actions.at, kind: actions.kind, attrs: actions.attrs, ...evidenceColumns })
      .from(actions)
      .innerJoin(messages, eq(messages.id, actions.messageId))
      .leftJoin(people, eq(people.id, messages.personId))
      .where(and(eq(actions.opportunityId, opportunityId), actionHolds())),
    // Readings have the view as evidence, not a message: their attrs say what was read.
    db
      .select({ id: actions.id, at: actions.at, attrs: actions.attrs })
      .from(actions)
      .where(and(eq(actions.opportunityId, opportunityId), eq(actions.kind, 'document_viewed'))),
    db
      .select({
        id: stageChanges.id,
        at: stageChanges.at,
        fromStage: stageChanges.fromStage,
        toStage: stageChanges.toStage,
        actionId: stageChanges.actionId,
        ...evidenceColumns,
      })
      .from(stageChanges)
      .leftJoin(messages, eq(messages.id, stageChanges.messageId))
      .leftJoin(people, eq(people.id, messages.personId))
      .where(eq(stageChanges.opportunityId, opportunityId)),
  ]);

  const entries: TimelineEntry[] = [
    ...actionRows.map(
      (r): TimelineEntry => ({
        type: 'action',
        id: r.id,
        at: r.at,
        kind: r.kind,
        attrs: r.attrs,
        evidence: evidenceOf(r),
      }),
    ),
    ...readingRows.map((r): TimelineEntry => ({ type: 'action', id: r.id, at: r.at, kind: 'document_viewed', attrs: r.attrs, evidence: null })),
    ...moveRows.map(
      (r): TimelineEntry => ({
        type: 'stage',
        id: r.id,
        at: r.at,
        fromStage: r.fromStage,
        toStage: r.toStage,
        evidence: stageEvidence(r),
      }),
    ),
  ];
  entries.sort((a, b) => a.at.getTime() - b.at.getTime() || typeRank(a) - typeRank(b) || a.id.localeCompare(b.id));
  return { deal, entries };
}

function typeRank(e: TimelineEntry): number {
  return e.type === 'action' ? 0 : 1;
}

interface EvidenceRow {
  messageId: string;
  text: string;
  attachments: Attachment[];
  role: string;
  senderName: string | null;
  personName: string | null;
  sentAt: Date;
}

function evidenceOf(r: EvidenceRow): Evidence {
  // A customer is 客户 whatever their platform display name: managers read the deal, not the contact.
  const speaker = r.role === 'customer' ? '客户' : (r.personName ?? r.senderName ?? '同事');
  // A quote or contract is often a bare file: its name is the evidence then.
  const body = r.text.trim() !== '' ? r.text : r.attachments.map((a) => `【文件】${a.name}`).join(' ');
  return { messageId: r.messageId, text: excerpt(body, EVIDENCE_CHARS), speaker, role: r.role, sentAt: r.sentAt };
}

/** A stage change's message is joined loosely: a change whose message is gone keeps its place. */
function stageEvidence(r: { [K in keyof EvidenceRow]: EvidenceRow[K] | null }): Evidence | null {
  const { messageId, text, attachments, role, sentAt } = r;
  if (messageId === null || text === null || attachments === null || role === null || sentAt === null) return null;
  return evidenceOf({ messageId, text, attachments, role, sentAt, senderName: r.senderName, personName: r.personName });
}
