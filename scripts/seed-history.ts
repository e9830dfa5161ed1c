/**
 * Writes a generated sales history with planted behaviour effects into the database the app
 * uses (DATABASE_URL, else the embedded one in DATA_DIR), after loading the catalog files as a
 * start does. Prints what it wrote, how long it took, and the planted rates.
 *
 *   npm run seed:history -- --deals 2000 [--seed 1] [--days 365] [--messages-per-deal 50]
 *
 * The scale bench's history: `--deals 100000 --messages-per-deal 50` (5,000,000 messages), written
 * 2,000 deals per transaction.
 */
import { syncCatalogFiles } from '../bots/catalog/sync.ts';
import { loadCatalog } from '../bots/catalog/catalog.ts';
import { seedHistory } from '../bots/reports/history.ts';
import { plantedRates } from '../bots/reports/history-model.ts';
import { loadConfig } from '../core/config.ts';
import { openDatabase } from '../db/client.ts';
import { sql } from 'drizzle-orm';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const raw = at >= 0 ? process.argv[at + 1] : undefined;
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deals = option('--deals', 2000);
  const seed = option('--seed', 1);
  const days = option('--days', 365);
  const messagesPerDeal = process.argv.includes('--messages-per-deal') ? option('--messages-per-deal', 0) : undefined;
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await syncCatalogFiles(database.db, { orgFile: config.ORG_FILE, playbookFile: config.PLAYBOOK_FILE, atomsFile: config.ATOMS_FILE });
    const catalog = await loadCatalog(database.db);
    const started = performance.now();
    const counts = await seedHistory(database.db, {
      deals,
      seed,
      days,
      now: new Date(),
      wh: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
      rules: catalog.playbook.rules,
      ...(messagesPerDeal ? { messagesPerDeal } : {}),
    });
    const ms = performance.now() - started;
    // After a bulk load the planner needs statistics before the first report; autovacuum would
    // take them only later (and is off on some servers), so the load takes them itself.
    const analyzing = performance.now();
    await database.db.execute(sql`analyze`);
    const analyzeMs = performance.now() - analyzing;
    console.log(
      `${database.kind}: wrote ${counts.deals} deals (${counts.open} open, ${counts.won} won, ${counts.lost} lost) in ${(ms / 1000).toFixed(1)} s (drawn in ${(counts.generateMs / 1000).toFixed(1)} s, written in ${(counts.writeMs / 1000).toFixed(1)} s)`,
    );
    console.log(`  statistics taken (ANALYZE) in ${(analyzeMs / 1000).toFixed(1)} s`);
    console.log(
      `  ${counts.messages} messages, ${counts.actions} actions, ${counts.stageChanges} stage changes, ${counts.timers} timers, ${counts.atomEvents} atom events`,
    );
    console.log(`planted rates over ${counts.reps} reps (advance to the next stage / win, with vs without):`);
    for (const [key, r] of Object.entries(plantedRates(undefined, counts.reps))) {
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      console.log(`  ${key}: advance ${pct(r.advance.with)} vs ${pct(r.advance.without)}; win ${pct(r.win.with)} vs ${pct(r.win.without)}`);
    }
  } finally {
    await database.close();
  }
}

await main();
