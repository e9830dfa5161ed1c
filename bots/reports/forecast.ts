/**
 * The forecast (`/forecast 本季度`): each open deal's chance of winning from its stage, learned
 * from its team's closed deals (forecast-model.ts blends them with playbook priors), its expected
 * close from its time in stage, and the weighted pipeline of the deals expected to close in the
 * window, beside what was already won in it.
 *
 * Three queries whatever the number of deals: the teams' stage histories (closed deals and their
 * stage entries, aggregated in the database), the open deals, the wins in the window. `asOf`
 * reads the same as of an earlier moment (the deals open then, at the stage they were in then),
 * which is how last week's forecast and the calibration are computed without snapshots.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Funnel } from '../catalog/schema.ts';
import { rowsOf, scopeCondition } from './breakpoints.ts';
import type { DealScope } from './deal.ts';
import { UNNAMED_DEAL_LABEL } from './deal-name.ts';
import { factsMatch, spansSql } from './report-facts.ts';
import {
  DEFAULT_PRIORS,
  expectedClose,
  type ForecastDeal,
  PRIOR_WEIGHT,
  priorOf,
  QUANTILE_LEVELS,
  type StageChance,
  type StageHistory,
  stageChance,
  weightedPipeline,
} from './forecast-model.ts';

const date = (v: string | Date | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));
const list = (xs: readonly string[]): SQL =>
  sql.join(
    xs.map((x) => sql`${x}`),
    sql`, `,
  );

/** Per team, per stage: what the team's deals closed by `asOf` say. */
export async function stageHistories(
  db: Db,
  p: { teamIds: readonly string[]; asOf: Date; stages: readonly string[] /** The winning path the kept facts were computed for. */; path: readonly string[] },
): Promise<Map<string, Map<string, StageHistory>>> {
  const [out] = await stageHistoriesAt(db, { ...p, asOfs: [p.asOf] });
  return out!;
}

/**
 * `stageHistories` as of each of several moments, in one pass: the closed deals, their kept
 * spans and the live deals' spans are read and joined once and each span counted under every
 * cut-off its deal had closed by (the digest's forecast now and a week ago).
 */
export async function stageHistoriesAt(
  db: Db,
  p: {
    teamIds: readonly string[];
    asOfs: readonly Date[];
    stages: readonly string[] /** The winning path the kept facts were computed for. */;
    path: readonly string[];
  },
): Promise<Map<string, Map<string, StageHistory>>[]> {
  const outs = p.asOfs.map(() => new Map<string, Map<string, StageHistory>>());
  if (p.teamIds.length === 0 || p.stages.length === 0 || p.asOfs.length === 0) return outs;
  const levels = sql.raw(`array[${QUANTILE_LEVELS.join(',')}]::float8[]`);
  const latest = new Date(Math.max(...p.asOfs.map((d) => d.getTime()))).toISOString();
  // Per cut-off, its own filtered aggregates over the same rows (not the rows once per cut-off:
  // the grouping would sort them all again).
  const perCut = sql.join(
    p.asOfs.map((d, i) => {
      const by = sql`closed_at <= ${d.toISOString()}::timestamptz`;
      const n = sql.raw(String(i));
      return sql`(count(*) filter (where ${by}))::int as closed_${n}, (count(*) filter (where ${by} and status = 'won'))::int as won_${n},
        percentile_cont(${levels}) within group (order by to_close) filter (where ${by} and status = 'won') as q_${n},
        percentile_cont(${levels}) within group (order by stay) filter (where ${by} and status = 'won') as wd_${n},
        percentile_cont(${levels}) within group (order by stay) filter (where ${by} and status = 'lost') as ld_${n}`;
    }),
    sql`, `,
  );
  // The kept spans of the fresh deals: for one team's deals, each deal's through their key (a
  // lateral per deal; hashed, every team's spans are read, 376,000 at 100,000 deals, for that
  // team's share); for several teams, hashed whole (the lateral's probe per deal then costs more).
  const keptSpans =
    p.teamIds.length === 1
      ? sql`select c.team_id, c.status, c.closed_at, d.stage, d.to_close, d.stay
        from closed c cross join lateral (
          select d.stage, d.to_close, d.stay from deal_stage_spans d where d.opportunity_id = c.id and d.stage in (${list(p.stages)}) offset 0
        ) d
        where c.fresh`
      : sql`select c.team_id, c.status, c.closed_at, d.stage, d.to_close, d.stay from deal_stage_spans d join closed c on c.id = d.opportunity_id and c.fresh
        where d.stage in (${list(p.stages)})`;
  type Quantiles = number[] | string | null;
  const rows = rowsOf<Record<string, unknown> & { team_id: string; stage: string }>(
    await db.execute(sql`
      with closed as (
        select o.id, o.status, o.closed_at, o.created_at, p.team_id, (f.opportunity_id is not null) as fresh
        from opportunities o join people p on p.id = o.owner_id
          left join deal_facts f on f.opportunity_id = o.id and ${factsMatch(p.path, null)}
        where o.status in ('won', 'lost') and o.closed_at <= ${latest}::timestamptz and p.team_id in (${list(p.teamIds)})
      ),
      live as (select * from closed where not fresh),
      ${spansSql(p.stages, 'live', sql`, c.team_id, c.status, c.closed_at`)},
      dwell as (
        -- The live deals' columns come through spans: joined to live again, a database without
        -- statistics (PGlite) plans a nested loop over both.
        select team_id, status, closed_at, stage, to_close, stay from spans
        union all
        ${keptSpans}
      )
      -- Grouped bytewise (the same groups): under the database's default collation the sort of
      -- every span by its team and stage compares through the locale.
      select team_id collate "C" as team_id, stage collate "C" as stage, ${perCut}
      from dwell
      group by 1, 2`),
  );
  // PGlite returns a float8[] as an array, postgres.js as an array too, some drivers as text.
  const nums = (q: Quantiles): number[] => (q === null ? [] : typeof q === 'string' ? q.replace(/[{}]/g, '').split(',').map(Number) : q.map(Number));
  for (const r of rows) {
    p.asOfs.forEach((_, i) => {
      const closed = Number(r[`closed_${i}`]);
      // A stage none of the team's deals closed by this cut-off had reached: no row, as before.
      if (closed === 0) return;
      const out = outs[i]!;
      const team = out.get(r.team_id) ?? new Map<string, StageHistory>();
      team.set(r.stage, {
        closed,
        won: Number(r[`won_${i}`]),
        wonDays: nums(r[`q_${i}`] as Quantiles),
        wonDwell: nums(r[`wd_${i}`] as Quantiles),
        lostDwell: nums(r[`ld_${i}`] as Quantiles),
      });
      out.set(r.team_id, team);
    });
  }
  return outs;
}

interface OpenRow {
  id: string;
  name: string | null;
  owner_id: string | null;
  owner_name: string | null;
  team_id: string | null;
  stage: string;
  stage_at: string | Date;
  amount: number | null;
  status: string;
}

/**
 * The deals open at `asOf` in scope, at the stage they were in then. Without `asOf`, the open
 * deals as they are (the opportunities row only: indexed on status).
 */
export async function openDealsAt(db: Db, p: { scope: DealScope; asOf?: Date }): Promise<(OpenRow & { outcome: string })[]> {
  if (!p.asOf) {
    const rows = rowsOf<OpenRow>(
      await db.execute(sql`
        select o.id, o.name, o.owner_id, p.name as owner_name, p.team_id, o.stage, o.stage_at, o.amount, o.status
        from opportunities o left join people p on p.id = o.owner_id
        where o.status = 'open' and ${scopeCondition(p.scope)}`),
    );
    return rows.map((r) => ({ ...r, outcome: 'open' }));
  }
  const asOf = p.asOf.toISOString();
  const rows = rowsOf<OpenRow>(
    await db.execute(sql`
      select o.id, o.name, o.owner_id, p.name as owner_name, p.team_id, o.amount, o.status,
        -- The first move's from_stage only for a deal that had not moved by then (a subquery in
        -- coalesce runs only when reached): most deals had.
        coalesce(l.to_stage, (select sc.from_stage from stage_changes sc where sc.opportunity_id = o.id order by sc.at, sc.id limit 1), o.stage) as stage,
        coalesce(l.at, o.created_at) as stage_at
      from opportunities o left join people p on p.id = o.owner_id
        left join lateral (select sc.to_stage, sc.at from stage_changes sc where sc.opportunity_id = o.id and sc.at <= ${asOf}::timestamptz
          order by sc.at desc, sc.id desc limit 1) l on true
      where o.created_at <= ${asOf}::timestamptz and (o.closed_at is null or o.closed_at > ${asOf}::timestamptz) and ${scopeCondition(p.scope)}`),
  );
  return rows.map((r) => ({ ...r, outcome: r.status }));
}

export interface ForecastParams {
  scope: DealScope;
  /** Whose closed deals teach the chances: the teams of the scope (a rep's own team). */
  teamIds: readonly string[];
  /** The window: wins from `from`, open deals expected to close before `to`. */
  from: Date;
  to: Date;
  now: Date;
  /** Read as of this moment instead of now (last week's forecast, the calibration). */
  asOf?: Date;
  funnel: Funnel;
  /** The winning path (lead … negotiation, won): stages that have a chance. */
  stages: readonly string[];
  priorWeight?: number;
  /** The teams' stage histories as of `asOf ?? now`, when the caller reads them itself (`stageHistoriesAt`). */
  histories?: Map<string, Map<string, StageHistory>> | Promise<Map<string, Map<string, StageHistory>>>;
}

/** What a group (a team, a rep) carries. */
export interface ForecastTotals {
  /** Won in the window so far. */
  won: number;
  /** Σ amount × p of the open deals expected to close in the window. */
  weighted: number;
  /** Open deals expected in the window, and those without an amount among them. */
  deals: number;
  unpriced: number;
}

export interface Forecast {
  asOf: Date;
  from: Date;
  to: Date;
  totals: ForecastTotals;
  byTeam: Map<string, ForecastTotals>;
  byRep: Map<string, ForecastTotals & { name: string | null; teamId: string | null }>;
  /** Every open deal in scope with its chance and expected close, heaviest first. */
  deals: ForecastDeal[];
  /** Each team's chances per stage for a deal just entering it (what `/forecast` shows as the model). */
  chances: Map<string, Map<string, StageChance>>;
  /** Σ amount × p over every open deal, whatever its expected close. */
  pipeline: number;
}

/** The forecast of `scope` for the window. */
export async function forecast(db: Db, p: ForecastParams): Promise<Forecast> {
  const asOf = p.asOf ?? p.now;
  const path = p.stages.filter((s) => !p.funnel.closed.includes(s));
  const [histories, open, wins] = await Promise.all([
    p.histories ?? stageHistories(db, { teamIds: p.teamIds, asOf, stages: path, path: p.stages }),
    openDealsAt(db, { scope: p.scope, ...(p.asOf ? { asOf: p.asOf } : {}) }),
    db
      .execute(sql`
        select o.owner_id, p.name as owner_name, p.team_id, coalesce(sum(o.amount), 0)::float8 as amount
        from opportunities o left join people p on p.id = o.owner_id
        where o.status = 'won' and o.closed_at >= ${p.from.toISOString()}::timestamptz and o.closed_at < ${asOf.toISOString()}::timestamptz
          and ${scopeCondition(p.scope)}
        group by o.owner_id, p.name, p.team_id`)
      .then((r) => rowsOf<{ owner_id: string | null; owner_name: string | null; team_id: string | null; amount: number }>(r)),
  ]);
  const priors = p.funnel.winPriors ?? DEFAULT_PRIORS;
  const chances = new Map<string, Map<string, StageChance>>();
  const chanceOf = (teamId: string | null, stage: string): StageChance => {
    const key = teamId ?? '';
    const team = entry(chances, key, () => new Map<string, StageChance>());
    return entry(team, stage, () => stageChance(histories.get(key)?.get(stage), priorOf(stage, path, priors), p.priorWeight ?? PRIOR_WEIGHT));
  };
  for (const t of p.teamIds) for (const s of path) chanceOf(t, s);
  const fallback = (stage: string) => path.slice(Math.max(0, path.indexOf(stage))).reduce((d, s) => d + (p.funnel.stallDays[s] ?? 14), 0);
  const deals: ForecastDeal[] = open
    .filter((d) => path.includes(d.stage))
    .map((d) => {
      const h = histories.get(d.team_id ?? '')?.get(d.stage);
      const stageAt = date(d.stage_at)!;
      const elapsed = Math.max(0, (asOf.getTime() - stageAt.getTime()) / 86_400_000);
      const c = stageChance(h, priorOf(d.stage, path, priors), p.priorWeight ?? PRIOR_WEIGHT, elapsed);
      const wonDays = h?.wonDays ?? [];
      return {
        id: d.id,
        name: d.name ?? UNNAMED_DEAL_LABEL,
        ownerId: d.owner_id,
        ownerName: d.owner_name,
        teamId: d.team_id,
        stage: d.stage,
        amount: d.amount === null ? null : Number(d.amount),
        p: c.p,
        expectedClose: expectedClose(stageAt, asOf, wonDays, fallback(d.stage)),
        weighted: (d.amount === null ? 0 : Number(d.amount)) * c.p,
      };
    })
    .sort((a, b) => b.weighted - a.weighted || a.id.localeCompare(b.id));
  return { ...summarize(deals, wins, p.to), deals, asOf, from: p.from, to: p.to, chances, pipeline: weightedPipeline(deals) };
}

type Wins = readonly { owner_id: string | null; owner_name: string | null; team_id: string | null; amount: number }[];

/** Totals of a forecast's deals (after a what-if, say) for the window ending `to`. */
export function summarize(deals: readonly ForecastDeal[], wins: Wins | Forecast, to: Date): Pick<Forecast, 'totals' | 'byTeam' | 'byRep'> {
  const zero = (): ForecastTotals => ({ won: 0, weighted: 0, deals: 0, unpriced: 0 });
  const totals = zero();
  const byTeam = new Map<string, ForecastTotals>();
  const byRep = new Map<string, ForecastTotals & { name: string | null; teamId: string | null }>();
  const team = (id: string | null) => entry(byTeam, id ?? '', zero);
  const rep = (id: string | null, name: string | null, teamId: string | null) => entry(byRep, id ?? '', () => ({ ...zero(), name, teamId }));
  if ('totals' in wins) {
    // A forecast recomputed: its wins carry over as they were.
    for (const [k, v] of wins.byTeam) team(k).won = v.won;
    for (const [k, v] of wins.byRep) rep(k, v.name, v.teamId).won = v.won;
    totals.won = wins.totals.won;
  } else
    for (const w of wins) {
      const a = Number(w.amount);
      totals.won += a;
      team(w.team_id).won += a;
      rep(w.owner_id, w.owner_name, w.team_id).won += a;
    }
  for (const d of deals) {
    if (d.p === 0 || d.expectedClose >= to) continue;
    // A what-if's deal taken as won is counted where a won deal is, not as an open one at 100%.
    if (d.assumed === 'won') {
      for (const t of [totals, team(d.teamId), rep(d.ownerId, d.ownerName, d.teamId)]) t.won += d.amount ?? 0;
      continue;
    }
    for (const t of [totals, team(d.teamId), rep(d.ownerId, d.ownerName, d.teamId)]) {
      t.weighted += d.weighted;
      t.deals++;
      if (d.amount === null) t.unpriced++;
    }
  }
  return { totals, byTeam, byRep };
}

/** The deals that carry the window's forecast, heaviest first. */
export function carriers(f: Pick<Forecast, 'deals' | 'to'>): ForecastDeal[] {
  return f.deals.filter((d) => d.p > 0 && d.expectedClose < f.to && d.weighted > 0);
}

/** The map's value at `key`, made and stored first when missing. */
function entry<K, V>(m: Map<K, V>, key: K, make: () => V): V {
  const v = m.get(key);
  if (v !== undefined) return v;
  const made = make();
  m.set(key, made);
  return made;
}
