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
import { readFileSync } from 'node:fs';
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
import { median } from './bench/load.ts';
import { parseOptions, positiveInt } from './options.ts';

const USAGE = 'npm run bench:reports [-- --runs 5] [--no-refresh]';
const values = parseOptions(USAGE, { runs: { type: 'string' }, 'no-refresh': { type: 'boolean', default: false } });

/**
 * CPU time (ms) used so far by this process and by the database's server processes for this
 * database (on the same machine: /proc, 100 ticks a second). On a machine shared with other
 * work, wall time mostly measures the queue for a core; CPU time is what the report costs.
 */
let cpuOf: () => Promise<number> = async () => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;

async function serverCpu(query: (text: string) => Promise<{ pid: number }[]>): Promise<number> {
  let ticks = 0;
  for (const { pid } of await query('select pid from pg_stat_activity where datname = current_database()')) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Not on this machine (a remote server) or gone: counted as nothing.
    }
  }
  return ticks * 10;
}

interface Timing {
  ms: number;
  min: number;
  max: number;
  cpu: number;
}

/** Runs `f` `runs` times; the median wall time (and its spread) and median CPU time of the runs, and the last value. */
async function best<T>(runs: number, f: () => Promise<T>): Promise<Timing & { value: T }> {
  const times: number[] = [];
  const cpus: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const c = await cpuOf();
    const t = performance.now();
    value = await f();
    times.push(performance.now() - t);
    cpus.push((await cpuOf()) - c);
  }
  return { ms: median(times), min: Math.min(...times), max: Math.max(...times), cpu: median(cpus), value: value as T };
}

const fmt = (r: Timing) => `${r.ms.toFixed(0)} ms (${r.min.toFixed(0)}–${r.max.toFixed(0)}; CPU ${r.cpu.toFixed(0)} ms)`;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const runs = positiveInt(USAGE, 'runs', values.runs, 5);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const { db } = database;
    if (database.kind === 'postgres') {
      const own = cpuOf;
      const q = (text: string) => database.sql.query<{ pid: number }>(text);
      // Open the pool's connections first, so each run counts the same server processes.
      await Promise.all(Array.from({ length: 4 }, () => database.sql.query('select pg_sleep(0.05)')));
      cpuOf = async () => (await own()) + (await serverCpu(q));
    }
    const catalog = await loadCatalog(db);
    const teamIds = [...catalog.teams.keys()];
    const now = new Date();
    const facts = { funnel: catalog.playbook.funnel, timeZone: config.TIMEZONE };
    if (!values['no-refresh']) {
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
    const team = await best(runs, () => teamSummary(db, { teamIds, from: week.from, to: week.to, now, funnel: catalog.playbook.funnel }));
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
    // A floor measured in the same run: a fixed amount of server work (a million-row aggregate),
    // so the reports' times can be read as multiples of it whatever the machine's load.
    const floor = await best(runs, () => database.sql.query('select count(*) from generate_series(1, 1000000) g where g % 7 = 3'));
    const x = (r: Timing) => `${fmt(r)}, ${(r.cpu / Math.max(1, floor.cpu)).toFixed(1)}× floor`;
    const [deals] = await database.sql.query<{ deals: number; messages: number }>(
      'select (select count(*) from opportunities)::int as deals, (select count(*) from messages)::int as messages',
    );
    console.log(
      [
        `\n${database.kind}, ${deals?.deals} deals, ${deals?.messages} messages; median (min–max) of ${runs} runs, load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}; floor (a million-row aggregate) ${fmt(floor)}:`,
        `  /breakpoints ${x(bp)} · /team 上周 ${x(team)} · /forecast 本季度 ${x(fc)}`,
        `  weekly digest ${digest ? `${x(digest)}${digest.value ? '' : ' (not built: no private channel)'}` : 'n/a (no manager)'}`,
        `  risks ${x(risks)} · attribution ${x(attr)} · /atoms ${atoms ? x(atoms) : 'n/a (no admin)'}`,
      ].join('\n'),
    );
  } finally {
    await database.close();
  }
}

await main();
