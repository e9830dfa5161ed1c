/**
 * Times the managers' reports on whatever the database holds (a generated history, say: `npm run
 * seed:history -- --deals 2000` first) and prints what a manager would read: the breakpoints over
 * every team, the risk list, attribution (`/breakpoints 归因`), the knowledge loop and decay list
 * (`/atoms`), and how long each took (the best of `--runs`, default 3).
 *
 *   npm run bench:reports [-- --runs 3]
 */
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

async function best<T>(runs: number, f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let ms = Number.POSITIVE_INFINITY;
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await f();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, value: value as T };
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const runs = option('--runs', 3);
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const { db } = database;
    const catalog = await loadCatalog(db);
    const teamIds = [...catalog.teams.keys()];
    const now = new Date();
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
    console.log(
      `\n${database.kind}, best of ${runs}: breakpoints ${bp.ms.toFixed(0)} ms · risks ${risks.ms.toFixed(0)} ms · /team 上周 ${team.ms.toFixed(0)} ms · /forecast 本季度 ${fc.ms.toFixed(0)} ms · attribution ${attr.ms.toFixed(0)} ms · /atoms ${atoms ? `${atoms.ms.toFixed(0)} ms` : 'n/a (no admin)'}`,
    );
  } finally {
    await database.close();
  }
}

await main();
