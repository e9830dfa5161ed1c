/**
 * Times the managers' reports on whatever the database holds (a generated history, say: `npm run
 * seed:history -- --deals 2000` first) and prints what a manager would read: the breakpoints over
 * every team, the risk list, attribution (`/breakpoints 归因`), the knowledge loop and decay list
 * (`/atoms`), `/team 上周`, `/forecast 本季度`, the weekly digest of a manager, and how long each
 * took (median, min and max of `--runs`, default 5), with the load average.
 *
 * First it brings the kept facts of closed deals up to date as the `report-facts` job does (and
 * says how long that took, how many deals it computed and how old the facts are); `--no-refresh`
 * skips that, to time the reports on whatever the job left (deals without facts are read live).
 *
 *   npm run bench:reports [-- --runs 5] [--no-refresh]
 */
import { loadavg } from 'node:os';
import { CatalogHolder } from '../bots/catalog/watch.ts';
import { createWeeklyDigest } from '../bots/reports/digest-job.ts';
import { factsStatus, refreshReportFacts } from '../bots/reports/report-facts.ts';
import { ManualClock } from '../core/clock.ts';
import { createLogger } from '../core/logger.ts';
import { loadCatalog } from '../bots/catalog/catalog.ts';
import { winningPath } from '../bots/deals/stages.ts';
import { attribution } from '../bots/reports/attribution.ts';
import { answerAtoms } from '../bots/reports/atoms-answer.ts';
import { breakpoints } from '../bots/reports/breakpoints.ts';
import { forecast } from '../bots/reports/forecast.ts';
import { forecastWindow, renderForecast } from '../bots/reports/forecast-answer.ts';
import { renderAttribution } from '../bots/reports/render-attribution.ts';
import { parsePeriod } from '../bots/reports/period.ts';
import { renderBreakpoints, riskListBlock, topBreakpointLine } from '../bots/reports/render-insights.ts';
import { dealRisks } from '../bots/reports/risks.ts';
import { teamSummary } from '../bots/reports/team.ts';
import { loadConfig } from '../core/config.ts';
import { openDatabase } from '../db/client.ts';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const raw = at >= 0 ? process.argv[at + 1] : undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

/** Runs `f` `runs` times; the median time (and the spread) of the runs, and the last value. */
async function best<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; min: number; max: number; value: T }> {
  const times: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const ms = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { ms, min: times[0]!, max: times.at(-1)!, value: value as T };
}

const fmt = (r: { ms: number; min: number; max: number }) => `${r.ms.toFixed(0)} ms (${r.min.toFixed(0)}–${r.max.toFixed(0)})`;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const runs = option('--runs', 5);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const { db } = database;
    const catalog = await loadCatalog(db);
    const teamIds = [...catalog.teams.keys()];
    const now = new Date();
    const facts = { funnel: catalog.playbook.funnel, timeZone: config.TIMEZONE };
    if (!process.argv.includes('--no-refresh')) {
      const r = await refreshReportFacts(db, { ...facts, now });
      console.log(`report facts: computed ${r.deals} closed deals in ${(r.ms / 1000).toFixed(1)} s`);
    }
    const kept = await factsStatus(db, facts);
    console.log(
      `report facts: ${kept.kept} of ${kept.closed} closed deals kept${kept.oldest ? `, oldest computed ${((now.getTime() - kept.oldest.getTime()) / 60_000).toFixed(0)} min ago` : ''}\n`,
    );
    const wh = { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS };
    const bp = await best(runs, () =>
      breakpoints(db, {
        scope: { teamIds },
        now,
        timeZone: config.TIMEZONE,
        stages: winningPath(catalog.playbook.funnel),
        rules: catalog.playbook.rules,
        minDeals: config.BREAKPOINT_MIN_DEALS,
      }),
    );
    const risks = await best(runs, () => dealRisks(db, { scope: { teamIds }, now, funnel: catalog.playbook.funnel, rules: catalog.playbook.rules, wh }));
    const attr = await best(runs, () =>
      attribution(db, {
        scope: { teamIds },
        now,
        timeZone: config.TIMEZONE,
        stages: winningPath(catalog.playbook.funnel),
        rules: catalog.playbook.rules,
        minDeals: config.BREAKPOINT_MIN_DEALS,
        teamOf: (id) => catalog.person(id)?.teamId ?? null,
      }),
    );
    const admin = [...catalog.people].find((p) => p.active && p.role === 'admin');
    const atoms = admin ? await best(runs, () => answerAtoms({ tx: db, catalog, person: admin, now, timeZone: config.TIMEZONE }, undefined)) : null;
    const week = parsePeriod('上周', now, config.TIMEZONE);
    const team = await best(runs, () => teamSummary(db, { teamIds, from: week.from, to: week.to, now }));
    const quarter = forecastWindow('本季度', now, config.TIMEZONE);
    const fc = await best(runs, () =>
      forecast(db, {
        scope: { teamIds },
        teamIds,
        from: quarter.from,
        to: quarter.to,
        now,
        funnel: catalog.playbook.funnel,
        stages: winningPath(catalog.playbook.funnel),
      }),
    );
    const manager = [...catalog.people].find((p) => p.active && p.role === 'manager');
    const holder = await CatalogHolder.open(db, createLogger({ level: 'silent' }));
    const digestDeps = {
      database,
      catalog: holder,
      clock: new ManualClock(now),
      config,
      sendPlatforms: ['local' as const],
      dispatch: async () => {},
    };
    const digest = manager
      ? await best(runs, async () => {
          const row = await createWeeklyDigest(digestDeps, manager.id);
          // The bench leaves no delivery behind: the next run builds the digest again.
          if (row) await database.sql.query('delete from deliveries where id = $1', [row.id]);
          return row;
        })
      : null;
    const shown = renderBreakpoints(bp.value, { title: '全部团队 · 全部历史行为断点' });
    console.log(shown.type === 'markdown' ? `# ${shown.title}\n${shown.text}\n` : '');
    console.log(`top: ${topBreakpointLine(bp.value) ?? '样本不足'}\n`);
    console.log(riskListBlock(risks.value, { stageLabel: (s) => catalog.stageLabel(s) }));
    const lifts = renderAttribution(attr.value, { title: '全部团队 · 全部历史行为归因', teamName: (id) => catalog.teams.get(id)?.name ?? id, showReps: true });
    console.log(lifts.type === 'markdown' ? `\n# ${lifts.title}\n${lifts.text}` : '');
    if (atoms) console.log(atoms.value.type === 'markdown' ? `\n# ${atoms.value.title}\n${atoms.value.text}` : '');
    const flagged = risks.value.filter((d) => d.flags.length > 0);
    const kinds = new Map<string, number>();
    for (const d of flagged) for (const f of d.flags) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
    console.log(`\nopen deals ${risks.value.length}, flagged ${flagged.length}: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    console.log(
      `\n# 全部团队 · 本季度预测\n${renderForecast(fc.value, { mine: false, stage: (s) => catalog.stageLabel(s), teamName: (id) => catalog.teams.get(id)?.name ?? id })}`,
    );
    const [deals] = await database.sql.query<{ deals: number; messages: number }>(
      'select (select count(*) from opportunities)::int as deals, (select count(*) from messages)::int as messages',
    );
    console.log(
      `\n${database.kind}, ${deals?.deals} deals, ${deals?.messages} messages; median (min–max) of ${runs}, load ${loadavg()
        .map((x) => x.toFixed(1))
        .join(
          ' ',
        )}:\n  /breakpoints ${fmt(bp)} · /team 上周 ${fmt(team)} · /forecast 本季度 ${fmt(fc)} · weekly digest ${digest ? `${fmt(digest)}${digest.value ? '' : ' (not built: no private channel)'}` : 'n/a (no manager)'}\n  risks ${fmt(risks)} · attribution ${fmt(attr)} · /atoms ${atoms ? fmt(atoms) : 'n/a (no admin)'}`,
    );
  } finally {
    await database.close();
  }
}

await main();
