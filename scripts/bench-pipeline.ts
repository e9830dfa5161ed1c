/**
 * `npx tsx scripts/bench-pipeline.ts [--chats 1000] [--rounds 4]`: what pipelining a batch's
 * statements saves, on the real PostgreSQL, in one process and one run so that a busy machine
 * slows both sides alike. Each round stores the bench's chats (a greeting and a price objection,
 * one nudge each) through `storeMessages` and analyses every partition with `analyzeOnce`, once
 * with the statements pipelined (as shipped) and once one round trip each, alternating. Prints
 * per message: this process's CPU, the PostgreSQL backends' CPU, wall time; medians over rounds.
 */
import { analyzeOnce } from '../bots/analysis/analyze-job.ts';
import { storeMessages } from '../bots/ingest/store.ts';
import { createLogger } from '../core/logger.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { createTestDatabase } from '../test/services/pg.ts';
import { benchAnalysisDeps } from './bench/analysis-deps.ts';
import { inboundChat } from './bench/chats.ts';
import { median } from './bench/load.ts';
import { CpuMeter } from './bench/procs.ts';
import { parseOptions, positiveInt } from './options.ts';

const USAGE = 'npx tsx scripts/bench-pipeline.ts [--chats 1000] [--rounds 4]';
const values = parseOptions(USAGE, { chats: { type: 'string' }, rounds: { type: 'string' } });
const CHATS = positiveInt(USAGE, 'chats', values.chats, 1_000);
const ROUNDS = positiveInt(USAGE, 'rounds', values.rounds, 4);
const PARTITIONS = 8;

/** The same database, its transactions' statements one round trip each. */
/** Every backend of this database, the pool's own included. */
const backends = async (d: Database): Promise<number[]> =>
  (await d.sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()')).map((r) => r.pid);

const sequential = (d: Database): Database => ({
  ...d,
  transaction: (fn) => d.transaction((tx) => fn({ query: (text, params) => tx.query(text, params) })),
});

async function main(): Promise<void> {
  const log = createLogger({ level: 'silent' });
  const created = await createTestDatabase(null);
  const database = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: true });
  try {
    // Sends are not measured here: dispatching them is a no-op.
    const { catalog, deps } = await benchAnalysisDeps(database, log, { partitions: PARTITIONS, batchSize: 500 });
    const results: Record<'pipelined' | 'sequential', Array<{ node: number; pg: number; wall: number }>> = { pipelined: [], sequential: [] };
    // Round 0 warms up (statements prepared, code optimised) and is not counted.
    for (let r = -1; r < ROUNDS * 2; r++) {
      const mode = r % 2 === 0 ? 'pipelined' : 'sequential';
      const db = mode === 'pipelined' ? database : sequential(database);
      const msgs = Array.from({ length: CHATS }, (_, i) => inboundChat(`pl${r + 1}`, i, new Date(Date.now() - 60_000 + i))).flat();
      const pids = await backends(database);
      const meter = new CpuMeter(pids);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < msgs.length; i += 500) await storeMessages(db, catalog.current, new Date(), msgs.slice(i, i + 500));
      // Batches of 100 messages (as a busy partition gets them), every partition until it is empty.
      const d = { ...deps(db), batchSize: 100 };
      for (let p = 0; p < PARTITIONS; p++) while ((await analyzeOnce(d, p)) > 0);
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      const pg = meter.since(await backends(database));
      const n = msgs.length;
      if (r < 0) continue;
      results[mode].push({ node: (cpu.user + cpu.system) / 1000 / n, pg: (pg * 1000) / n, wall: wall / n });
      console.log(
        `round ${r + 1} ${mode}: ${n} messages, CPU ms a message: this process ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)}, PostgreSQL ${((pg * 1000) / n).toFixed(3)}; wall ${(wall / n).toFixed(3)} ms`,
      );
    }
    for (const [mode, rs] of Object.entries(results)) {
      console.log(
        `${mode}: median CPU ms a message: this process ${median(rs.map((x) => x.node)).toFixed(3)}, PostgreSQL ${median(rs.map((x) => x.pg)).toFixed(3)}; wall ${median(rs.map((x) => x.wall)).toFixed(3)} ms`,
      );
    }
  } finally {
    await database.close();
    await created.drop();
  }
}

await main();
