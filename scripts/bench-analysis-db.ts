/**
 * `npx tsx scripts/bench-analysis-db.ts [--chats 2000] [--rounds 4] [--batch 100] [--sql "…"]`:
 * where the analysis's database time goes, on the real PostgreSQL, in one process: each round
 * stores the bench's chats (a greeting and a price objection, one nudge each) through
 * `storeMessages`, then analyses every partition with `analyzeOnce` until it is empty, then claims
 * and marks the deliveries as the send job does (100 a job). Prints per message and per phase
 * (store, analysis; send per delivery) this process's CPU and the PostgreSQL backends' CPU,
 * medians over rounds. `--sql` runs a statement first (to try an index away: `drop index …`).
 */
import { analyzeOnce } from '../bots/analysis/analyze-job.ts';
import { claimDeliveries, markDeliveries } from '../db/queries/deliveries.ts';
import { storeMessages } from '../bots/ingest/store.ts';
import { createLogger } from '../core/logger.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { createTestDatabase } from '../test/services/pg.ts';
import { benchAnalysisDeps } from './bench/analysis-deps.ts';
import { inboundChat } from './bench/chats.ts';
import { median } from './bench/load.ts';
import { CpuMeter } from './bench/procs.ts';
import { parseOptions, positiveInt } from './options.ts';

const USAGE = 'npx tsx scripts/bench-analysis-db.ts [--chats 2000] [--rounds 4] [--batch 100] [--sql "…"] [--trace] [--keep]';
const values = parseOptions(USAGE, {
  chats: { type: 'string' },
  rounds: { type: 'string' },
  batch: { type: 'string' },
  sql: { type: 'string', multiple: true, default: [] },
  trace: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
});
const CHATS = positiveInt(USAGE, 'chats', values.chats, 2_000);
const ROUNDS = positiveInt(USAGE, 'rounds', values.rounds, 4);
const BATCH = positiveInt(USAGE, 'batch', values.batch, 100);
const PARTITIONS = 8;

const backends = async (d: Database): Promise<number[]> =>
  (await d.sql.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()')).map((r) => r.pid);

async function measure(database: Database, fn: () => Promise<void>): Promise<{ node: number; pg: number; wall: number }> {
  const meter = new CpuMeter(await backends(database));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  return { node: (cpu.user + cpu.system) / 1000, pg: meter.since(await backends(database)) * 1000, wall: performance.now() - t0 };
}

/** Wall time by statement (its first words), each statement its own round trip. */
const traced = new Map<string, { n: number; ms: number }>();
const tracing = (d: Database): Database => ({
  ...d,
  transaction: (fn) =>
    d.transaction((tx) =>
      fn({
        query: async (text, params) => {
          const t0 = performance.now();
          try {
            return await tx.query(text, params);
          } finally {
            const key = text.replace(/\s+/g, ' ').slice(0, 60);
            const e = traced.get(key) ?? { n: 0, ms: 0 };
            e.n++;
            e.ms += performance.now() - t0;
            traced.set(key, e);
          }
        },
      }),
    ),
});

async function main(): Promise<void> {
  const log = createLogger({ level: 'silent' });
  const created = await createTestDatabase(null);
  let opened = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: true });
  if (values.sql.length > 0) {
    // Run on a connection of its own, then every connection opened after sees what they set (alter database … set).
    for (const s of values.sql) await opened.sql.query(s);
    await opened.close();
    opened = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false });
  }
  const database = values.trace ? tracing(opened) : opened;
  try {
    const bench = await benchAnalysisDeps(database, log, { partitions: PARTITIONS, batchSize: BATCH });
    const catalog = bench.catalog;
    const deps = bench.deps(database);
    const rows: Array<Record<string, number>> = [];
    for (let r = -1; r < ROUNDS; r++) {
      const msgs = Array.from({ length: CHATS }, (_, i) => inboundChat(`ad${r + 1}`, i, new Date(Date.now() - 60_000 + i))).flat();
      const n = msgs.length;
      const store = await measure(database, async () => {
        for (let i = 0; i < n; i += 500) await storeMessages(database, catalog.current, new Date(), msgs.slice(i, i + 500));
      });
      let batches = 0;
      const analysis = await measure(database, async () => {
        for (let p = 0; p < PARTITIONS; p++) while ((await analyzeOnce(deps, p)) > 0) batches++;
      });
      // The send job's statements for the batch's deliveries, 100 a job: the claim, then the mark.
      const ids = (await database.sql.query<{ id: string }>(`select id from deliveries where status = 'pending' and claimed_at is null order by id`)).map(
        (d) => d.id,
      );
      const send = await measure(database, async () => {
        for (let i = 0; i < ids.length; i += 100) {
          const now = new Date();
          const claimed = await claimDeliveries(database.sql, ids.slice(i, i + 100), now, new Date(now.getTime() - 60_000));
          await markDeliveries(
            database.sql,
            claimed.map((d) => ({
              id: d.id,
              claimed_at: now.toISOString(),
              status: 'sent',
              sent_at: now.toISOString(),
              platform_message_id: null,
              last_error: null,
              not_before: null,
              refund: false,
              parts_sent: 1,
            })),
          );
        }
      });
      if (r < 0) continue;
      const row = {
        storeNode: store.node / n,
        storePg: store.pg / n,
        analysisNode: analysis.node / n,
        analysisPg: analysis.pg / n,
        analysisWall: analysis.wall / n,
        batchMs: analysis.wall / batches,
        sendNode: send.node / Math.max(1, ids.length),
        sendPg: send.pg / Math.max(1, ids.length),
      };
      rows.push(row);
      console.log(
        `round ${r + 1}: ${n} messages, ${batches} batches; ${Object.entries(row)
          .map(([k, v]) => `${k} ${v.toFixed(3)}`)
          .join(', ')}`,
      );
    }
    for (const [k, v] of [...traced].sort((a, b) => b[1].ms - a[1].ms))
      console.log(`${(v.ms / traced.size).toFixed(0).padStart(0)} ${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(5)}x  ${k}`);
    const keys = Object.keys(rows[0] ?? {});
    console.log(`median (ms a message; batchMs a batch): ${keys.map((k) => `${k} ${median(rows.map((x) => x[k]!)).toFixed(3)}`).join(', ')}`);
  } finally {
    await opened.close();
    if (values.keep) console.log(`kept ${created.url}`);
    else await created.drop();
  }
}

await main();
