/**
 * Calibration of the forecast on a generated history split by time: learned on the deals closed
 * before the cut, scored on the deals open at the cut that have closed since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogHolder } from '../../bots/catalog/watch.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { calibrateForecast } from '../../bots/reports/forecast-calibration.ts';
import type { Calibration } from '../../bots/reports/forecast-model.ts';
import { seedHistory } from '../../bots/reports/history.ts';
import { wilson } from '../../bots/reports/stats.ts';
import { createLogger } from '../../core/logger.ts';
import type { Database } from '../../db/client.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
/** Cuts 240, 210 … 90 days before now: each learns only from what had closed by then. */
const CUTS = [240, 210, 180, 150, 120, 90].map((d) => new Date(NOW.getTime() - d * 86_400_000));
const wh = { timeZone: 'Asia/Shanghai', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };

let copy: TestDb;
let database: Database;
let result: Calibration;

beforeAll(async () => {
  copy = await openTestDb();
  database = copy.database;
  const catalog = (await CatalogHolder.open(database.db, createLogger({ level: 'silent' }))).current;
  await seedHistory(database.db, { deals: 2000, seed: 7, now: NOW, wh, rules: catalog.playbook.rules });
  result = await calibrateForecast(database.db, {
    scope: { all: true },
    teamIds: [...catalog.teams.keys()],
    cuts: CUTS,
    funnel: catalog.playbook.funnel,
    stages: winningPath(catalog.playbook.funnel),
  });
  // The figures the README quotes.
  console.log(
    `calibration: n=${result.n} brier=${result.brier.toFixed(4)} base-rate brier=${result.baseRateBrier.toFixed(4)} (base rate ${result.baseRate.toFixed(3)})\n` +
      result.bins
        .filter((b) => b.n > 0)
        .map((b) => `${b.low.toFixed(1)}–${b.high.toFixed(1)}: predicted ${b.predicted!.toFixed(3)} observed ${b.observed!.toFixed(3)} n=${b.n}`)
        .join('\n'),
  );
}, 180_000);

afterAll(async () => {
  await copy?.cleanup();
});

describe('forecast calibration on 2,000 generated deals, split at six cuts a month apart', () => {
  it('scores enough open-at-cut deals to judge', () => {
    expect(result.n).toBeGreaterThan(600);
  });

  it('beats the base-rate predictor on the Brier score', () => {
    expect(result.brier).toBeLessThan(result.baseRateBrier * 0.9);
  });

  it('has every well-filled bin within its 95% interval (widened by 0.05) of the predicted chance', () => {
    const filled = result.bins.filter((b) => b.n >= 20);
    expect(filled.length).toBeGreaterThanOrEqual(3);
    for (const b of filled) {
      const w = wilson(Math.round(b.observed! * b.n), b.n);
      expect(b.predicted!, `bin ${b.low}–${b.high}`).toBeGreaterThanOrEqual(w.low - 0.05);
      expect(b.predicted!, `bin ${b.low}–${b.high}`).toBeLessThanOrEqual(w.high + 0.05);
    }
  });
});
