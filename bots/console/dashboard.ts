/**
 * The console's dashboard for one team (or all the viewer's teams) over a period: the funnel with
 * conversion (bots/reports/funnel.ts, as `/funnel` answers it), how many deals stand in each stage
 * now, and the latest nudges with their feedback. Managers and admins only.
 */
import { and, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { nudges, opportunities, people, teams } from '../../db/schema/index.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { winningPath } from '../deals/stages.ts';
import { resolveVisibleTeamIds, type Viewer } from '../reports/access.ts';
import { dealNameColumn } from '../reports/deal-name.ts';
import { funnel, type FunnelResult } from '../reports/funnel.ts';
import { type AnalyticsParams, type AnalyticsPanels, analyticsPanels } from './panels/analytics.ts';
import type { Period } from '../reports/period.ts';
import { type DashboardForecast, dashboardForecast } from './forecast-panel.ts';

/** Nudges listed on the dashboard. */
export const RECENT_NUDGES = 10;

export interface Dashboard {
  /** The teams the viewer may pick from. */
  teams: Array<{ id: string; name: string }>;
  /** The team shown, or null for all of the viewer's teams. */
  teamId: string | null;
  period: { label: string; from: Date; to: Date };
  funnel: Omit<FunnelResult, 'rows'> & { rows: Array<FunnelResult['rows'][number] & { label: string }> };
  /** Deals by the stage they are in now (every stage of the funnel, zeros included). */
  /** With the median days the deals now in an open stage have stood in it (time in stage). */
  stages: Array<{ stage: string; label: string; deals: number; medianDaysInStage: number | null }>;
  nudges: Array<{
    id: string;
    createdAt: Date;
    title: string;
    ruleId: string;
    personId: string;
    personName: string | null;
    dealId: string | null;
    dealName: string | null;
    feedback: string | null;
  }>;
  /** This quarter's forecast of the teams shown (forecast-panel.ts). */
  forecast: DashboardForecast;
  /** Heatmap, risks, breakpoints, attribution, decay, compliance (bots/console/panels/); null when not asked for. */
  analytics: AnalyticsPanels | null;
}

/** The dashboard, or null when the viewer sees no team (a rep). */
export async function dashboard(
  db: Db,
  catalog: Catalog,
  viewer: Viewer,
  p: { teamId?: string; period: Period; now?: Date; timeZone?: string; analytics?: Omit<AnalyticsParams, 'teamIds' | 'from' | 'to'> },
): Promise<Dashboard | null> {
  if (viewer.role === 'rep' || !viewer.active) return null;
  const visible = await resolveVisibleTeamIds(db, viewer);
  if (visible.length === 0) return null;
  // A team filter the viewer cannot have is refused, not dropped: answering with all their teams
  // under `?team=north` looked like north's figures.
  if (p.teamId !== undefined && !visible.includes(p.teamId)) {
    const [exists] = await db.select({ id: teams.id }).from(teams).where(eq(teams.id, p.teamId));
    if (exists) throw new AppError('FORBIDDEN', `team: ${p.teamId} is not a team you manage`);
    throw new AppError('BAD_REQUEST', `team: no team ${p.teamId}`);
  }
  const teamId = p.teamId ?? null;
  const teamIds = teamId ? [teamId] : visible;
  const { from, to } = p.period;
  const stages = catalog.playbook.funnel.stages;
  const now = p.now ?? to;
  const [teamRows, f, stageRows, nudgeRows, forecast, analytics] = await Promise.all([
    db.select({ id: teams.id, name: teams.name }).from(teams).where(inArray(teams.id, visible)),
    funnel(db, { teamIds, from, to, stages: winningPath(catalog.playbook.funnel) }),
    db
      .select({
        stage: opportunities.stage,
        deals: count(),
        // Time in stage: the median of the days the stage's deals have stood in it so far.
        medianDays: sql<
          string | null
        >`percentile_cont(0.5) within group (order by extract(epoch from (${now}::timestamptz - ${opportunities.stageAt})) / 86400)`,
      })
      .from(opportunities)
      .innerJoin(people, eq(people.id, opportunities.ownerId))
      .where(inArray(people.teamId, teamIds))
      .groupBy(opportunities.stage),
    db
      .select({
        id: nudges.id,
        createdAt: nudges.createdAt,
        title: nudges.title,
        ruleId: nudges.ruleId,
        personId: nudges.personId,
        personName: people.name,
        dealId: nudges.opportunityId,
        dealName: dealNameColumn,
        feedback: nudges.feedback,
      })
      .from(nudges)
      .innerJoin(people, eq(people.id, nudges.personId))
      .leftJoin(opportunities, eq(opportunities.id, nudges.opportunityId))
      .where(and(inArray(people.teamId, teamIds), gte(nudges.createdAt, from), lt(nudges.createdAt, to)))
      .orderBy(desc(nudges.createdAt))
      .limit(RECENT_NUDGES),
    dashboardForecast(db, catalog, { teamIds, now, timeZone: p.timeZone ?? 'Asia/Shanghai' }),
    p.analytics ? analyticsPanels(db, catalog, { ...p.analytics, teamIds, from, to }) : Promise.resolve(null),
  ]);
  const byStage = new Map(stageRows.map((r) => [r.stage, r]));
  const closed = new Set(['won', 'lost']);
  const order = new Map(visible.map((id, i) => [id, i]));
  return {
    teams: teamRows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)),
    teamId,
    period: { label: p.period.label, from, to },
    funnel: { ...f, rows: f.rows.map((r) => ({ ...r, label: catalog.stageLabel(r.stage) })) },
    stages: stages.map((s) => {
      const row = byStage.get(s);
      const days = row?.medianDays == null || closed.has(s) ? null : Math.round(Number(row.medianDays) * 10) / 10;
      return { stage: s, label: catalog.stageLabel(s), deals: row?.deals ?? 0, medianDaysInStage: days };
    }),
    // A deal never named shows as such; a nudge without a deal has none.
    nudges: nudgeRows.map((n) => (n.dealId ? n : { ...n, dealName: null })),
    forecast,
    analytics,
  };
}
