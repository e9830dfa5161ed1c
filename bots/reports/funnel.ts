/**
 * The funnel (`/funnel 本月`): how many deals reached each stage in a period, from the stage
 * changes, and how many of those went on to the next stage.
 */
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { opportunities, people, stageChanges } from '../../db/schema/index.ts';
import { FUNNEL_STAGES } from './labels.ts';

/** One stage of the funnel. */
export interface FunnelRow {
  stage: string;
  /** Deals that entered this stage in the period, or passed through it in a jump. */
  reached: number;
  /** The following stage, null for the last one. */
  next: string | null;
  /** Of the deals that reached this stage, those that also reached the next one in the period. */
  advanced: number;
  /** advanced / reached, 0..1; null when nothing reached the stage or it is the last. */
  conversion: number | null;
}

export interface FunnelResult {
  rows: FunnelRow[];
  /** Deals that moved to `lost` in the period. */
  lost: number;
  /** Distinct deals counted anywhere in the funnel. */
  deals: number;
}

/**
 * The funnel of deals owned by the people of `teamIds` over `[from, to)`.
 *
 * A move `from → to` counts the deal for every stage after `from` up to `to`: a jump from
 * 已接触 to 方案报价 means it passed 需求确认 and 演示 too. A deal created in the period counts
 * for the stage it started in (线索, normally), since no stage change ever enters it. A move to
 * `lost` counts in `lost` only. Conversion follows the same deals, so it never exceeds 100%: a deal
 * that was already in a stage when the period began and moved on is counted in the next stage,
 * not as a conversion of this one.
 */
export async function funnel(db: Db, params: { teamIds: readonly string[]; from: Date; to: Date; stages?: readonly string[] }): Promise<FunnelResult> {
  const stages = params.stages ?? FUNNEL_STAGES;
  const { from, to } = params;
  const teamIds = [...params.teamIds];
  const index = new Map(stages.map((s, i) => [s, i]));
  const reached = new Map<string, Set<number>>();
  const lost = new Set<string>();
  const reach = (deal: string, i: number) => {
    let set = reached.get(deal);
    if (!set) {
      set = new Set();
      reached.set(deal, set);
    }
    set.add(i);
  };

  if (teamIds.length > 0) {
    // A deal's first stage is where its first ever move started, or where it still is. Moves
    // written at the same instant (one message that settles two steps) are a chain up the funnel:
    // the lowest stage they start from is the first; the random row id only breaks what is left.
    const order = sql`array[${sql.join(
      stages.map((s) => sql`${s}`),
      sql`, `,
    )}]::text[]`;
    const firstStage = sql<string>`coalesce((select ${stageChanges.fromStage} from ${stageChanges}
      where ${stageChanges.opportunityId} = ${opportunities.id}
      order by ${stageChanges.at}, array_position(${order}, ${stageChanges.fromStage}) nulls last, ${stageChanges.id} limit 1),
      ${opportunities.stage})`;
    const [created, moves] = await Promise.all([
      db
        .select({ id: opportunities.id, firstStage })
        .from(opportunities)
        .innerJoin(people, eq(people.id, opportunities.ownerId))
        .where(and(inArray(people.teamId, teamIds), gte(opportunities.createdAt, from), lt(opportunities.createdAt, to))),
      db
        .select({ opportunityId: stageChanges.opportunityId, fromStage: stageChanges.fromStage, toStage: stageChanges.toStage })
        .from(stageChanges)
        .innerJoin(opportunities, eq(opportunities.id, stageChanges.opportunityId))
        .innerJoin(people, eq(people.id, opportunities.ownerId))
        .where(and(inArray(people.teamId, teamIds), gte(stageChanges.at, from), lt(stageChanges.at, to)))
        .orderBy(asc(stageChanges.at)),
    ]);
    for (const d of created) {
      const i = index.get(d.firstStage);
      if (i !== undefined) reach(d.id, i);
    }
    for (const m of moves) {
      if (m.toStage === 'lost') {
        lost.add(m.opportunityId);
        continue;
      }
      const t = index.get(m.toStage);
      if (t === undefined) continue;
      // From a stage outside the funnel (a reopened lost deal, a renamed stage) only the target counts.
      const f = index.get(m.fromStage) ?? t - 1;
      for (let i = f + 1; i <= t; i++) reach(m.opportunityId, i);
    }
  }

  const rows: FunnelRow[] = stages.map((stage, i) => {
    const next = stages[i + 1] ?? null;
    let n = 0;
    let advanced = 0;
    for (const set of reached.values()) {
      if (!set.has(i)) continue;
      n++;
      if (set.has(i + 1)) advanced++;
    }
    return { stage, reached: n, next, advanced, conversion: next === null || n === 0 ? null : advanced / n };
  });
  return { rows, lost: lost.size, deals: new Set([...reached.keys(), ...lost]).size };
}
