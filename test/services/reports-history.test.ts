/**
 * The managers' analytics read the same on PostgreSQL as on PGlite: one generated history written
 * to both, the same breakpoints and the same ranked risks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../bots/catalog/catalog.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { breakpoints } from '../../bots/reports/breakpoints.ts';
import { forecast } from '../../bots/reports/forecast.ts';
import { seedHistory } from '../../bots/reports/history.ts';
import { refreshReportFacts } from '../../bots/reports/report-facts.ts';
import { dealRisks } from '../../bots/reports/risks.ts';
import { type Database, openDatabase } from '../../db/client.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';
import { createTestDatabase } from './pg.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
const wh = { timeZone: 'Asia/Shanghai', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };

let copy: TestDb;
let pglite: Database;
let pg: Database;
let drop: () => Promise<void>;

async function seeded(database: Database) {
  const catalog = await loadCatalog(database.db);
  const counts = await seedHistory(database.db, { deals: 600, seed: 5, now: NOW, wh, rules: catalog.playbook.rules });
  return { catalog, counts };
}

beforeAll(async () => {
  copy = await openTestDb();
  pglite = copy.database;
  const made = await createTestDatabase();
  drop = made.drop;
  pg = await openDatabase({ databaseUrl: made.url, dataDir: copy.dataDir, migrate: false });
}, 60_000);

afterAll(async () => {
  await pg?.close();
  await drop?.();
  await copy?.cleanup();
});

describe('analytics on PostgreSQL', () => {
  it('writes the same history and reads the same breakpoints and risks as PGlite', async () => {
    const a = await seeded(pglite);
    const b = await seeded(pg);
    const { generateMs: _a1, writeMs: _a2, ...countsA } = a.counts;
    const { generateMs: _b1, writeMs: _b2, ...countsB } = b.counts;
    expect(countsB).toEqual(countsA);
    // Written again, the same seed adds nothing.
    await seeded(pg);
    const params = {
      scope: { all: true as const },
      now: NOW,
      timeZone: wh.timeZone,
      stages: winningPath(a.catalog.playbook.funnel),
      rules: a.catalog.playbook.rules,
    };
    const [bpA, bpB] = await Promise.all([breakpoints(pglite.db, params), breakpoints(pg.db, params)]);
    expect(bpB).toEqual(bpA);
    expect(bpA.behaviours.some((x) => x.advance.enough)).toBe(true);
    const riskParams = { scope: { all: true as const }, now: NOW, funnel: a.catalog.playbook.funnel, rules: a.catalog.playbook.rules, wh };
    const [rA, rB] = await Promise.all([dealRisks(pglite.db, riskParams), dealRisks(pg.db, riskParams)]);
    expect(rB.map((d) => [d.id, d.flags.map((f) => f.evidence), d.nextAction])).toEqual(rA.map((d) => [d.id, d.flags.map((f) => f.evidence), d.nextAction]));
    expect(rA.filter((d) => d.flags.length > 0).length).toBeGreaterThan(0);
    const [open] = (await pg.sql.query<{ n: number }>("select count(*)::int as n from opportunities where status = 'open'")) as { n: number }[];
    expect(open!.n).toBe(countsA.open);

    // The forecast, now and as of a month ago (the stage histories' quantile arrays come back
    // from each driver): the same chances, expected closes and totals.
    const quarter = { from: new Date('2026-09-30T16:00:00Z'), to: new Date('2026-12-31T16:00:00Z') };
    for (const asOf of [undefined, new Date(NOW.getTime() - 30 * 86_400_000)]) {
      const fp = {
        scope: { all: true as const },
        teamIds: ['east', 'north'],
        ...quarter,
        now: NOW,
        ...(asOf ? { asOf } : {}),
        funnel: a.catalog.playbook.funnel,
        stages: winningPath(a.catalog.playbook.funnel),
      };
      const [fA, fB] = await Promise.all([forecast(pglite.db, fp), forecast(pg.db, fp)]);
      expect(fA.deals.length).toBeGreaterThan(10);
      expect(fB.deals.map((d) => [d.id, d.p.toFixed(9), d.expectedClose.getTime()])).toEqual(
        fA.deals.map((d) => [d.id, d.p.toFixed(9), d.expectedClose.getTime()]),
      );
      expect(fB.totals.weighted).toBeCloseTo(fA.totals.weighted, 3);
      expect(fB.totals.won).toBeCloseTo(fA.totals.won, 3);
    }

    // With the closed deals' facts kept on PostgreSQL (in batches, analysed as they grow), the
    // same breakpoints and forecast as PGlite reading every deal live.
    const kept = await refreshReportFacts(pg.db, { funnel: a.catalog.playbook.funnel, timeZone: wh.timeZone, now: NOW, batch: 100 });
    expect(kept.deals).toBe(countsA.won + countsA.lost);
    expect(await breakpoints(pg.db, params)).toEqual(bpA);
    const fp = { scope: { all: true as const }, teamIds: ['east', 'north'], ...quarter, now: NOW, funnel: a.catalog.playbook.funnel, stages: params.stages };
    const [fA, fB] = await Promise.all([forecast(pglite.db, fp), forecast(pg.db, fp)]);
    expect(fB.deals.map((d) => [d.id, d.p.toFixed(9), d.expectedClose.getTime()])).toEqual(
      fA.deals.map((d) => [d.id, d.p.toFixed(9), d.expectedClose.getTime()]),
    );
  }, 180_000);
});
