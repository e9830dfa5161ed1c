/**
 * The team summary (`/team 本周`): per active rep of each team, what they did in the period, and
 * the team's totals.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Funnel } from '../catalog/schema.ts';
import { people, teams } from '../../db/schema/index.ts';
import { collectRepMetrics, emptyMetrics, sumMetrics } from './metrics.ts';
import type { RepMetrics, ReportWindow } from './metrics.ts';

/** One rep's line in a team summary. */
export interface RepLine {
  personId: string;
  name: string;
  metrics: RepMetrics;
}

/** One team's summary: its active reps, by name, and their sum. */
export interface TeamSummary {
  teamId: string;
  teamName: string;
  reps: RepLine[];
  totals: RepMetrics;
}

/**
 * Summaries of the given teams over `[from, to)`, in the order the ids were given; ids of teams
 * that do not exist are skipped. Only active people with the rep role are listed: managers and
 * people who left the directory are not. Eight queries, whatever the size of the teams. The
 * funnel says which stage moves go forward.
 */
export async function teamSummary(db: Db, params: { teamIds: readonly string[]; funnel: Funnel } & ReportWindow): Promise<TeamSummary[]> {
  const { teamIds, from, to, now, funnel } = params;
  if (teamIds.length === 0) return [];
  const ids = [...teamIds];
  const [teamRows, repRows] = await Promise.all([
    db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, ids)),
    db
      .select({ id: people.id, name: people.name, teamId: people.teamId })
      .from(people)
      .where(and(inArray(people.teamId, ids), eq(people.role, 'rep'), eq(people.active, true)))
      .orderBy(asc(people.name), asc(people.id)),
  ]);
  const metrics = await collectRepMetrics(
    db,
    repRows.map((r) => r.id),
    { from, to, now },
    funnel,
  );
  const names = new Map(teamRows.map((t) => [t.id, t.name]));
  const out: TeamSummary[] = [];
  for (const teamId of new Set(ids)) {
    const teamName = names.get(teamId);
    if (teamName === undefined) continue;
    const reps = repRows.filter((r) => r.teamId === teamId).map((r) => ({ personId: r.id, name: r.name, metrics: metrics.get(r.id) ?? emptyMetrics() }));
    out.push({ teamId, teamName, reps, totals: sumMetrics(reps.map((r) => r.metrics)) });
  }
  return out;
}
