/**
 * The per-rep figures of the team and rep summaries, gathered for many reps at once: one grouped
 * query per metric, whatever the number of reps.
 */
import { and, asc, eq, exists, gt, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Funnel } from '../catalog/schema.ts';
import { movesForward } from '../deals/stages.ts';
import { actionHolds } from './close-signals.ts';
import { dealNameColumn } from './deal-name.ts';
import { actions, atomEvents, conversations, messages, nudges, opportunities, playbookRules, stageChanges, timers } from '../../db/schema/index.ts';

/** A report window: `[from, to)`, with `now` deciding what is overdue. */
export interface ReportWindow {
  from: Date;
  to: Date;
  now: Date;
}

/** One stage move of a deal. */
export interface StageMove {
  opportunityId: string;
  opportunityName: string;
  fromStage: string;
  toStage: string;
  at: Date;
}

/** Overdue expectations of one playbook rule. */
export interface OverdueRule {
  ruleId: string;
  /** The rule's name from the playbook, or its id when the rule is not loaded. */
  ruleName: string;
  count: number;
}

/** What one rep (or a whole team, summed) did in a window. */
export interface RepMetrics {
  /** Customer conversations owned by the rep with at least one message in the window. */
  conversations: number;
  actions: {
    /**
     * Every action found in the rep's customer conversations in the window, both sides, and the
     * customers' readings of shared documents; a win or loss only where the deal closed on it.
     */
    total: number;
    /** Said by our side (the rep, or a colleague or manager in the rep's chat). */
    ours: number;
    /** Said by customer contacts. */
    customer: number;
    /** By action kind, both sides. */
    byKind: Record<string, number>;
  };
  /** Forward stage changes in the window of deals the rep owns (to a later stage or a close), oldest first. */
  stageMoves: StageMove[];
  /**
   * The other stage changes in the window, oldest first: a correction back to an earlier stage, a
   * closed deal reopened or its close changed. Not progress, so never counted as such.
   */
  stageMovesBack: StageMove[];
  overdue: {
    /** Expectations due in the window (and before now) that were missed: still open or met late. */
    count: number;
    /** Still pending or fired: nobody has followed up yet. */
    open: number;
    /** Fulfilled, but after the due time. */
    late: number;
    byRule: OverdueRule[];
  };
  nudges: {
    /** Nudges pushed to the rep in the window. */
    received: number;
    useful: number;
    used: number;
    notUseful: number;
  };
  /** Distinct knowledge atoms with a `used` event of the rep in the window. */
  atomIds: string[];
}

/** Metrics with nothing in them. */
export function emptyMetrics(): RepMetrics {
  return {
    conversations: 0,
    actions: { total: 0, ours: 0, customer: 0, byKind: {} },
    stageMoves: [],
    stageMovesBack: [],
    overdue: { count: 0, open: 0, late: 0, byRule: [] },
    nudges: { received: 0, useful: 0, used: 0, notUseful: 0 },
    atomIds: [],
  };
}

/** True when the metrics hold nothing worth showing. */
export function isEmptyMetrics(m: RepMetrics): boolean {
  return (
    m.conversations === 0 &&
    m.actions.total === 0 &&
    m.stageMoves.length === 0 &&
    m.stageMovesBack.length === 0 &&
    m.overdue.count === 0 &&
    m.nudges.received === 0 &&
    m.atomIds.length === 0
  );
}

/** The sum of several reps' metrics (a team total); atoms are counted once across the reps. */
export function sumMetrics(list: readonly RepMetrics[]): RepMetrics {
  const out = emptyMetrics();
  const atoms = new Set<string>();
  const rules = new Map<string, OverdueRule>();
  for (const m of list) {
    out.conversations += m.conversations;
    out.actions.total += m.actions.total;
    out.actions.ours += m.actions.ours;
    out.actions.customer += m.actions.customer;
    for (const [kind, n] of Object.entries(m.actions.byKind)) out.actions.byKind[kind] = (out.actions.byKind[kind] ?? 0) + n;
    out.stageMoves.push(...m.stageMoves);
    out.stageMovesBack.push(...m.stageMovesBack);
    out.overdue.count += m.overdue.count;
    out.overdue.open += m.overdue.open;
    out.overdue.late += m.overdue.late;
    for (const r of m.overdue.byRule) {
      const seen = rules.get(r.ruleId);
      if (seen) seen.count += r.count;
      else rules.set(r.ruleId, { ...r });
    }
    out.nudges.received += m.nudges.received;
    out.nudges.useful += m.nudges.useful;
    out.nudges.used += m.nudges.used;
    out.nudges.notUseful += m.nudges.notUseful;
    for (const a of m.atomIds) atoms.add(a);
  }
  out.stageMoves.sort((a, b) => a.at.getTime() - b.at.getTime());
  out.stageMovesBack.sort((a, b) => a.at.getTime() - b.at.getTime());
  out.overdue.byRule = sortRules([...rules.values()]);
  out.atomIds = [...atoms].sort();
  return out;
}

/**
 * The metrics of each rep in `repIds` over the window. Every rep in the list gets an entry, with
 * zeros when they did nothing. Six queries in all. The funnel says which stage moves go forward.
 */
export async function collectRepMetrics(db: Db, repIds: readonly string[], w: ReportWindow, funnel: Funnel): Promise<Map<string, RepMetrics>> {
  const out = new Map<string, RepMetrics>(repIds.map((id) => [id, emptyMetrics()]));
  if (repIds.length === 0) return out;
  const ids = [...repIds];
  const get = (id: string | null): RepMetrics | undefined => (id === null ? undefined : out.get(id));

  const [convRows, actionRows, moveRows, overdueRows, nudgeRows, atomRows] = await Promise.all([
    activeConversations(db, ids, w),
    actionCounts(db, ids, w),
    stageMovesOf(db, ids, w),
    overdueCounts(db, ids, w),
    nudgeCounts(db, ids, w),
    atomsUsed(db, ids, w),
  ]);

  for (const r of convRows) {
    const m = get(r.ownerId);
    if (m) m.conversations = r.n;
  }
  for (const r of actionRows) {
    const m = get(r.ownerId);
    if (!m) continue;
    m.actions.total += r.n;
    if (r.role === 'customer') m.actions.customer += r.n;
    else m.actions.ours += r.n;
    m.actions.byKind[r.kind] = (m.actions.byKind[r.kind] ?? 0) + r.n;
  }
  for (const r of moveRows) {
    const m = get(r.ownerId);
    if (!m) continue;
    const move = { opportunityId: r.opportunityId, opportunityName: r.opportunityName, fromStage: r.fromStage, toStage: r.toStage, at: r.at };
    (movesForward(funnel, r.fromStage, r.toStage) ? m.stageMoves : m.stageMovesBack).push(move);
  }
  for (const r of overdueRows) {
    const m = get(r.repId);
    if (!m) continue;
    m.overdue.count += r.n;
    if (r.open) m.overdue.open += r.n;
    else m.overdue.late += r.n;
    const seen = m.overdue.byRule.find((x) => x.ruleId === r.ruleId);
    if (seen) seen.count += r.n;
    else m.overdue.byRule.push({ ruleId: r.ruleId, ruleName: r.ruleName ?? r.ruleId, count: r.n });
  }
  for (const m of out.values()) m.overdue.byRule = sortRules(m.overdue.byRule);
  for (const r of nudgeRows) {
    const m = get(r.personId);
    if (!m) continue;
    m.nudges.received += r.n;
    if (r.feedback === 'useful') m.nudges.useful += r.n;
    else if (r.feedback === 'used') m.nudges.used += r.n;
    else if (r.feedback === 'not_useful') m.nudges.notUseful += r.n;
  }
  for (const r of atomRows) get(r.personId)?.atomIds.push(r.atomId);
  return out;
}

function sortRules(rules: OverdueRule[]): OverdueRule[] {
  return rules.sort((a, b) => b.count - a.count || a.ruleId.localeCompare(b.ruleId));
}

const count = sql<number>`count(*)::int`;

/** Customer conversations (not the bot's 1:1 chats) with a message in the window, per owner. */
function activeConversations(db: Db, ids: string[], w: ReportWindow) {
  const spoken = db
    .select({ one: sql`1` })
    .from(messages)
    .where(and(eq(messages.conversationId, conversations.id), gte(messages.sentAt, w.from), lt(messages.sentAt, w.to)));
  return db
    .select({ ownerId: conversations.ownerId, n: count })
    .from(conversations)
    .where(and(inArray(conversations.ownerId, ids), eq(conversations.direct, false), exists(spoken)))
    .groupBy(conversations.ownerId);
}

/**
 * Actions in the owners' customer conversations, by owner, kind and the speaker's role. The
 * message's role says who spoke: the action's person id is null for customers but also for
 * anyone the directory did not know at ingest. A customer's reading of a tracked document
 * (`document_viewed`) has a view, not a message, as its evidence: it is the customer's. A win or
 * a loss the deal did not close on is left out (close-signals.ts).
 */
function actionCounts(db: Db, ids: string[], w: ReportWindow) {
  const role = sql<string>`coalesce(${messages.role}::text, 'customer')`;
  return db
    .select({ ownerId: conversations.ownerId, kind: actions.kind, role, n: count })
    .from(actions)
    .innerJoin(conversations, eq(conversations.id, actions.conversationId))
    .leftJoin(messages, eq(messages.id, actions.messageId))
    .where(and(inArray(conversations.ownerId, ids), eq(conversations.direct, false), gte(actions.at, w.from), lt(actions.at, w.to), actionHolds()))
    .groupBy(conversations.ownerId, actions.kind, role);
}

/** Stage changes in the window, attributed to the deal's owner. */
function stageMovesOf(db: Db, ids: string[], w: ReportWindow) {
  return db
    .select({
      ownerId: opportunities.ownerId,
      opportunityId: stageChanges.opportunityId,
      opportunityName: dealNameColumn,
      fromStage: stageChanges.fromStage,
      toStage: stageChanges.toStage,
      at: stageChanges.at,
    })
    .from(stageChanges)
    .innerJoin(opportunities, eq(opportunities.id, stageChanges.opportunityId))
    .where(and(inArray(opportunities.ownerId, ids), gte(stageChanges.at, w.from), lt(stageChanges.at, w.to)))
    .orderBy(asc(stageChanges.at), asc(stageChanges.id));
}

/**
 * Missed expectations due in the window, per rep and rule. A timer belongs to its rep, or, when
 * the coach left that empty, to the conversation's owner. Only timers due before `now` can be
 * late, so a window reaching into the future counts nothing that is merely pending.
 */
function overdueCounts(db: Db, ids: string[], w: ReportWindow) {
  const dueBefore = w.to.getTime() < w.now.getTime() ? w.to : w.now;
  const rep = sql<string | null>`coalesce(${timers.repId}, ${conversations.ownerId})`;
  // Literal, not bound: a bound list would differ from the GROUP BY copy in its parameter numbers.
  const open = sql<boolean>`${timers.status} in ('pending', 'fired')`;
  return db
    .select({ repId: rep, ruleId: timers.ruleId, ruleName: playbookRules.name, open, n: count })
    .from(timers)
    .leftJoin(conversations, eq(conversations.id, timers.conversationId))
    .leftJoin(playbookRules, eq(playbookRules.id, timers.ruleId))
    .where(
      and(
        inArray(rep, ids),
        gte(timers.dueAt, w.from),
        lt(timers.dueAt, dueBefore),
        or(open, and(eq(timers.status, 'fulfilled'), gt(timers.resolvedAt, timers.dueAt))),
      ),
    )
    .groupBy(rep, timers.ruleId, playbookRules.name, open);
}

/** Nudges created in the window, per person and feedback. */
function nudgeCounts(db: Db, ids: string[], w: ReportWindow) {
  return db
    .select({ personId: nudges.personId, feedback: nudges.feedback, n: count })
    .from(nudges)
    .where(and(inArray(nudges.personId, ids), gte(nudges.createdAt, w.from), lt(nudges.createdAt, w.to)))
    .groupBy(nudges.personId, nudges.feedback);
}

/** Distinct (person, atom) pairs with a `used` event in the window. */
function atomsUsed(db: Db, ids: string[], w: ReportWindow) {
  return db
    .selectDistinct({ personId: atomEvents.personId, atomId: atomEvents.atomId })
    .from(atomEvents)
    .where(and(inArray(atomEvents.personId, ids), eq(atomEvents.kind, 'used'), gte(atomEvents.at, w.from), lt(atomEvents.at, w.to)))
    .orderBy(atomEvents.personId, atomEvents.atomId);
}
