/**
 * A generated sales history (bots/reports/history.ts) in a copy of the run's migrated template,
 * with the catalog the reports read: what every report test starts from.
 */
import { CatalogHolder } from '../../bots/catalog/watch.ts';
import { type HistoryOptions, seedHistory } from '../../bots/reports/history.ts';
import { createLogger } from '../../core/logger.ts';
import type { Database } from '../../db/client.ts';
import { openTestDb } from './app.ts';

/** The generated histories end here, in the sample org's time zone and working hours. */
export const HISTORY_NOW = new Date('2026-11-27T10:00:00+08:00');
export const HISTORY_TZ = 'Asia/Shanghai';
export const HISTORY_WH = { timeZone: HISTORY_TZ, start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };

export interface HistoryDb {
  database: Database;
  catalog: CatalogHolder;
  /** The data folder (a test's config points DATA_DIR at it). */
  dataDir: string;
  /** Owners the deals were drawn over (`plantedRates` needs it: reps differ in skill). */
  reps: number;
  close(): Promise<void>;
}

/** Seeds `deals` deals ending at HISTORY_NOW with the default playbook's rules, unless told otherwise. */
export async function openHistoryDb(opts: Omit<HistoryOptions, 'now' | 'wh' | 'rules'> & Partial<Pick<HistoryOptions, 'now' | 'wh'>>): Promise<HistoryDb> {
  const { database, dataDir: dir, cleanup } = await openTestDb();
  const catalog = await CatalogHolder.open(database.db, createLogger({ level: 'silent' }));
  const { reps } = await seedHistory(database.db, { now: HISTORY_NOW, wh: HISTORY_WH, rules: catalog.current.playbook.rules, ...opts });
  return {
    database,
    catalog,
    dataDir: dir,
    reps,
    close: cleanup,
  };
}
