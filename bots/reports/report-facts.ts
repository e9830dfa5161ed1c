/**
 * The reports' kept facts of closed deals (db/schema/report-facts.ts): each closed deal's first
 * occasion of every behaviour (what `/breakpoints` and attribution count) and its time in each
 * stage of the winning path (what the forecast learns its chances from), so a report over 100,000
 * deals reads a few rows per deal instead of re-judging every deal's messages, timers and stage
 * moves each time.
 *
 * A closed deal changes rarely, an open one all the time; so only closed deals are kept, by the
 * `report-facts` job (every 10 minutes, a batch at a time), and each kept row says what the deal
 * looked like when it was computed (status, close, `updated_at`, which every analysed message,
 * stage move and correction bumps). A report uses a deal's facts only while they still match and
 * judges every other deal live from its history, with the same SQL (breakpoints.ts
 * `occasionsSql`): the figures never depend on when the job last ran, only the time a report
 * takes does. The message path is not touched.
 */
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import type { Db } from '../../db/client.ts';
import { defineJob, type JobHandler } from '../../jobs/define.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import type { Funnel } from '../catalog/schema.ts';
import { winningPath } from '../deals/stages.ts';
import { ADVANCE_DAYS, OUTCOME_DAYS, occasionsSql, rowsOf } from './breakpoints.ts';
import { ownerCountsBuild, rebuildOwnerCounts } from './owner-counts.ts';

/** How often the job runs, and how many deals it computes per transaction. */
export const FACTS_EVERY_MS = 10 * 60_000;
export const FACTS_BATCH = 5_000;
/** The per-owner counts are rebuilt at least this often even when no deal changed. */
export const COUNTS_EVERY_MS = 60 * 60_000;

const list = (xs: readonly string[]) =>
  sql.join(
    xs.map((x) => sql`${x}`),
    sql`, `,
  );

/** SQL condition: the kept facts `f` of deal `o` still describe it under this path and zone. */
export function factsMatch(path: readonly string[], timeZone: string | null) {
  return sql`f.status = o.status and f.closed_at = o.closed_at and f.updated_at = o.updated_at and f.path = ${JSON.stringify(path)}${
    timeZone === null ? sql`` : sql` and f.time_zone = ${timeZone}`
  }`;
}

export interface FactsRefresh {
  /** Closed deals computed in this run. */
  deals: number;
  /** Owners whose per-owner counts were rebuilt (owner-counts.ts); null: the last build still stands. */
  owners: number | null;
  ms: number;
}

/**
 * Computes the facts of every closed deal that has none or whose facts no longer match, `batch`
 * deals per transaction, until none is left (or `maxDeals` were done).
 */
export async function refreshReportFacts(db: Db, p: { funnel: Funnel; timeZone: string; now: Date; batch?: number; maxDeals?: number }): Promise<FactsRefresh> {
  const started = performance.now();
  const stages = winningPath(p.funnel);
  const path = stages.filter((s) => !p.funnel.closed.includes(s));
  const batch = p.batch ?? FACTS_BATCH;
  let done = 0;
  for (;;) {
    if (p.maxDeals !== undefined && done >= p.maxDeals) break;
    const n = await db.transaction(async (tx) => {
      // What each deal looked like before its facts are computed: if it changes meanwhile, the
      // kept row no longer matches it and the reports read it live.
      const stale = rowsOf<{ id: string; status: string; closed_at: string | Date; updated_at: string | Date }>(
        await tx.execute(sql`
          select o.id, o.status, o.closed_at, o.updated_at from opportunities o
          where o.status in ('won', 'lost') and o.closed_at is not null
            and not exists (select 1 from deal_facts f where f.opportunity_id = o.id and ${factsMatch(stages, p.timeZone)})
          order by o.id limit ${batch}`),
      );
      if (stale.length === 0) return 0;
      const ids = sql`(${list(stale.map((r) => r.id))})`;
      await tx.execute(sql`delete from deal_occasions where opportunity_id in ${ids}`);
      await tx.execute(sql`delete from deal_stage_spans where opportunity_id in ${ids}`);
      await tx.execute(sql`
        with batch as (select o.id, o.stage from opportunities o where o.id in ${ids}),
        ${occasionsSql({ deals: 'batch', stages, timeZone: p.timeZone, ruleIds: null })}
        insert into deal_occasions (opportunity_id, behaviour, at, present, decided_at, advanced_at)
        select opp, behaviour, at, present, decided_at, advanced_at from occasions`);
      await tx.execute(sql`
        with closed as (select o.id, o.closed_at, o.created_at from opportunities o where o.id in ${ids}),
        ${spansSql(path)}
        insert into deal_stage_spans (opportunity_id, stage, stay, to_close)
        select id, stage, stay, to_close from spans`);
      const facts = stale.map((r) => ({
        opportunity_id: r.id,
        status: r.status,
        closed_at: new Date(r.closed_at).toISOString(),
        updated_at: new Date(r.updated_at).toISOString(),
      }));
      await tx.execute(sql`
        insert into deal_facts (opportunity_id, status, closed_at, updated_at, path, time_zone, computed_at)
        select x.opportunity_id, x.status::deal_status, x.closed_at, x.updated_at, ${JSON.stringify(stages)}, ${p.timeZone}, ${p.now.toISOString()}::timestamptz
        from jsonb_to_recordset(${JSON.stringify(facts)}::text::jsonb) as x(opportunity_id text, status text, closed_at timestamptz, updated_at timestamptz)
        on conflict (opportunity_id) do update set status = excluded.status, closed_at = excluded.closed_at, updated_at = excluded.updated_at,
          path = excluded.path, time_zone = excluded.time_zone, computed_at = excluded.computed_at`);
      return stale.length;
    });
    done += n;
    if (n < batch) break;
    // Fresh statistics as the kept tables grow from nothing: planned as still empty, finding the
    // next stale deals turns into a scan of deal_facts per deal.
    if (done % (batch * 4) === 0) await analyzeFacts(db);
  }
  if (done > 0) await analyzeFacts(db);
  // The per-owner counts follow the kept facts: rebuilt when a deal was computed, when the last
  // build was for another path, zone or horizon, and hourly (occasions keep settling as time
  // passes: the fewer left to read one by one, the faster the reports).
  const build = await ownerCountsBuild(db);
  const rebuild =
    done > 0 ||
    build === null ||
    build.path !== JSON.stringify(stages) ||
    build.timeZone !== p.timeZone ||
    build.advanceDays !== ADVANCE_DAYS ||
    build.outcomeDays !== OUTCOME_DAYS ||
    p.now.getTime() - build.builtAt.getTime() >= COUNTS_EVERY_MS ||
    p.now.getTime() < build.builtAt.getTime();
  const owners = rebuild
    ? (await rebuildOwnerCounts(db, { stages, timeZone: p.timeZone, now: p.now, advanceDays: ADVANCE_DAYS, outcomeDays: OUTCOME_DAYS })).owners
    : null;
  return { deals: done, owners, ms: performance.now() - started };
}

/** Samples the kept tables for the planner (a few thousand rows each: cheap at any size). */
async function analyzeFacts(db: Db): Promise<void> {
  await db.execute(sql`analyze deal_facts, deal_occasions, deal_stage_spans`);
}

/**
 * The stage spans of the closed deals in the CTE `closed` (id, closed_at, created_at): each
 * winning-path stage a deal entered (its first entry), the days it stayed (until the next
 * path stage it entered, else the close) and the days from entering it to the close, with the
 * `carry` columns of `c` (the closed deal). Shared by the roll-up and the forecast's live reading.
 */
export function spansSql(path: readonly string[], closed = 'closed', carry: SQL = sql``) {
  const c = sql.raw(closed);
  return sql`entries as (
      select sc.opportunity_id as id, sc.to_stage as stage, sc.at from stage_changes sc join ${c} c on c.id = sc.opportunity_id
      union all
      select c.id, f.from_stage, c.created_at from ${c} c
        cross join lateral (select sc.from_stage from stage_changes sc where sc.opportunity_id = c.id order by sc.at, sc.id limit 1) f
    ),
    per as (select id, stage, min(at) as at from entries where stage in (${list(path)}) group by id, stage),
    spans as (
      select per.id, per.stage${carry}, extract(epoch from c.closed_at - per.at) / 86400 as to_close,
        extract(epoch from coalesce(lead(per.at) over (partition by per.id order by per.at), c.closed_at) - per.at) / 86400 as stay
      from per join ${c} c on c.id = per.id
    )`;
}

/** How many closed deals have current facts, and when the oldest of them was computed (the age a report may show). */
export async function factsStatus(db: Db, p: { funnel: Funnel; timeZone: string }): Promise<{ kept: number; closed: number; oldest: Date | null }> {
  const [r] = rowsOf<{ kept: number; closed: number; oldest: string | Date | null }>(
    await db.execute(sql`
      select (count(f.opportunity_id))::int as kept, count(*)::int as closed, min(f.computed_at) as oldest
      from opportunities o left join deal_facts f on f.opportunity_id = o.id and ${factsMatch(winningPath(p.funnel), p.timeZone)}
      where o.status in ('won', 'lost') and o.closed_at is not null`),
  );
  return { kept: r?.kept ?? 0, closed: r?.closed ?? 0, oldest: r?.oldest ? new Date(r.oldest) : null };
}

export const reportFactsJob = defineJob({
  name: 'report-facts',
  queue: 'reports',
  schema: z.object({}).strict(),
  attempts: 3,
  backoffMs: 60_000,
});

export function reportFactsHandler(deps: { database: { db: Db }; catalog: CatalogHolder; config: Config; clock: Clock }): JobHandler<Record<string, never>> {
  return async () => {
    await refreshReportFacts(deps.database.db, { funnel: deps.catalog.current.playbook.funnel, timeZone: deps.config.TIMEZONE, now: deps.clock.now() });
  };
}
