/**
 * `npm run bench [-- --quick] [--runs 1] [--modes embedded,pg1,pg2] [--backlog-modes pg1] [--long-chats N --chat-length 10]
 *                   [--backlog 20000 --history 40000] [--backlog-only] [--bursts-only] [--paced-only] [--env NAME=VALUE]
 *                   [--load-nice N] [--cpu-prof DIR]`
 *
 * The whole loop as users run it, measured from outside: `npm start` (and `npm run worker`) as
 * child processes, driven over loopback through the HTTP ingest (`POST /v1/messages`, the local
 * adapter, whose sends are the nudges, kept as sent deliveries), on the embedded default (one
 * process, PGlite) and on PostgreSQL + Redis with 1 and 2 worker processes. Every figure is
 * printed beside its floor, measured in the same run (scripts/bench/floors.ts). Per mode:
 *  - bursts: chats (a rep's greeting, then the customer's price objection: one nudge each) as
 *    fast as the ingest takes them, in batches of `--batch` a request from `--batch-lanes`
 *    connections, then one message a request from `--single-lanes`, then chats of
 *    `--chat-length` messages (acknowledgements between greeting and objection: a new deal and a
 *    nudge every two messages is the worst case, a real chat has many lines that move nothing)
 *    batched as the first; msg/s until every message is analysed, CPU per message of each process (/proc), peak RSS, messages per transaction,
 *    /healthz latency, Feishu webhook ack latency (signed deliveries: scripts/bench/webhooks.ts)
 *    and event-loop lag during the burst;
 *  - paced: the chats' greetings, then their objections at `--rate` a second, one a request,
 *    and again at half the batched rate if that is lower; ingest → nudge p50/p99 (nudge sent
 *    minus the moment the objection was posted, both from the database) and its parts;
 *  - backlog (`--backlog-modes`): `--backlog` messages stored with no analysis running, then
 *    drained; again with `--history` messages already stored in the same conversations.
 * Nothing lost: at the end the database must hold every message, analysed, and one nudge sent per
 * chat. Prints each run, then the medians as a markdown table. A run takes about 8 minutes on a
 * busy 2-core machine; `--quick` about 5; the issue's sizes (`--backlog 100000 --history 200000
 * --backlog-only --modes pg1`) about as long again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { CatalogHolder } from '../bots/catalog/watch.ts';
import { createLogger } from '../core/logger.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { createTestDatabase } from '../test/services/pg.ts';
import { deleteKeys, REDIS_URL, spawnDealwise, stopProcess, type WorkerProcess } from '../test/services/stack.ts';
import { checkTexts } from './bench/chats.ts';
import { addBulkFloor, analyzerFloor, helloFloor, pgliteInsertFloor, postgresFloors, startHello } from './bench/floors.ts';
import { median, pct, setLoadNice } from './bench/load.ts';
import { onInterrupt } from './bench/interrupt.ts';
import { intOption, parseOptions, usageError } from './options.ts';
import { FEISHU_BENCH_ENV } from './bench/webhooks.ts';
import {
  type CpuPerMessage,
  claimQuartiles,
  cpuFigures,
  groupsOf,
  latencies,
  paced,
  type Running,
  type Sample,
  sample,
  storeBacklog,
  sustained,
  verify,
  waitFor,
} from './bench/phases.ts';

const USAGE = `npm run bench [-- --quick] [--runs 1] [--modes embedded,pg1,pg2] [--backlog-modes pg1] [--long-chats N --chat-length 10]
                   [--backlog 20000 --history 40000] [--backlog-only] [--bursts-only] [--paced-only] [--env NAME=VALUE]
                   [--load-nice N] [--cpu-prof DIR]   (every option: the top of scripts/bench.ts)`;

const options = {
  quick: { type: 'boolean', default: false },
  runs: { type: 'string', default: '1' },
  modes: { type: 'string', default: 'embedded,pg1,pg2' },
  'backlog-modes': { type: 'string', default: 'pg1' },
  chats: { type: 'string' },
  batch: { type: 'string', default: '100' },
  'batch-lanes': { type: 'string', default: '4' },
  'single-chats': { type: 'string' },
  'single-lanes': { type: 'string', default: '32' },
  /** The third burst: chats of `--chat-length` messages (acknowledgements between greeting and objection), batched as the first. */
  'long-chats': { type: 'string' },
  'chat-length': { type: 'string', default: '10' },
  rate: { type: 'string', default: '1000' },
  /** The paced objections `--paced-batch` to a request (at rate / N requests a second), as a gateway or an archive poller hands them over. */
  'paced-batch': { type: 'string', default: '1' },
  'paced-seconds': { type: 'string' },
  backlog: { type: 'string' },
  history: { type: 'string' },
  'floor-rows': { type: 'string' },
  'cpu-prof': { type: 'string' },
  'backlog-only': { type: 'boolean', default: false },
  /** The two bursts only, no paced phases: for comparing how the web process answers under a burst. */
  'bursts-only': { type: 'boolean', default: false },
  /** The paced phase at `--rate` only, no bursts: for following a nudge's latency. */
  'paced-only': { type: 'boolean', default: false },
  /** The load client thread's nice value: the senders give way to the server they load (the probes do not). */
  'load-nice': { type: 'string', default: '0' },
  /** `--env ANALYSIS_PARTITIONS=4`: set for every dealwise process the bench starts. */
  env: { type: 'string', multiple: true, default: [] },
} satisfies NonNullable<ParseArgsConfig['options']>;
const values = parseOptions(USAGE, options);
const quick = values.quick;
/** A count option: when not given, `full`, or `short` with --quick. */
const count = (name: keyof typeof options, full: number, short: number, min = 1): number =>
  intOption(USAGE, name, values[name] as string | undefined, quick ? short : full, min);
const RUNS = count('runs', 1, 1);
const MODES = values.modes.split(',') as Mode[];
const BACKLOG_MODES = values['backlog-modes'].split(',').filter(Boolean);
/** The two shapes of a burst: batches as an import or a bridge posts them, and one message a request as webhooks arrive. */
interface Shape {
  key: 'batched' | 'single' | 'long';
  chats: number;
  perRequest: number;
  lanes: number;
  /** Messages a chat (2 unless said). */
  length?: number;
}
const BATCHED: Shape = { key: 'batched', chats: count('chats', 3_000, 1_000), perRequest: count('batch', 100, 100), lanes: count('batch-lanes', 4, 4) };
const SINGLE: Shape = { key: 'single', chats: count('single-chats', 600, 300), perRequest: 1, lanes: count('single-lanes', 32, 32) };
const CHAT_LENGTH = count('chat-length', 10, 10, 2);
/** As many messages as the batched burst unless `--long-chats` says otherwise. */
const LONG_CHATS = Math.max(1, Math.round((BATCHED.chats * 2) / CHAT_LENGTH));
const LONG: Shape = {
  ...BATCHED,
  key: 'long',
  chats: count('long-chats', LONG_CHATS, LONG_CHATS),
  length: CHAT_LENGTH,
};
const RATE = count('rate', 1_000, 1_000);
const PACED_SECONDS = count('paced-seconds', 3, 2);
const PACED_BATCH = count('paced-batch', 1, 1);
const BACKLOG = count('backlog', 20_000, 4_000);
// No history is a valid run: the second backlog is then the first again.
const HISTORY = count('history', 40_000, 8_000, 0);
const FLOOR_ROWS = count('floor-rows', 20_000, 5_000);
const BACKLOG_ONLY = values['backlog-only'];
const LOAD_NICE = Number(values['load-nice']);
if (!Number.isInteger(LOAD_NICE) || LOAD_NICE < 0 || LOAD_NICE > 19) usageError(USAGE, `--load-nice ${values['load-nice']}: expected an integer from 0 to 19`);
setLoadNice(LOAD_NICE);
const EXTRA_ENV = Object.fromEntries(values.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const TIME_ZONE = 'Asia/Shanghai';

type Mode = 'embedded' | 'pg1' | 'pg2';
const LABEL: Record<Mode, string> = {
  embedded: 'embedded (PGlite, one process)',
  pg1: 'PostgreSQL + Redis, web + 1 worker',
  pg2: 'PostgreSQL + Redis, web + 2 workers',
};

/** One run's figures, flat so runs can be put side by side and their medians taken. */
type Figures = Record<string, number>;
const problems: string[] = [];

const log = createLogger({ level: 'silent' });
/** Processes start slowly on a busy machine; `--cpu-prof DIR` has each write a profile when it exits. */
const spawnOpts = { readyMs: 300_000, nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [] };
const stop = async (ps: readonly WorkerProcess[]) => {
  for (const p of ps) await stopProcess(p);
};

interface Phases {
  paced: Array<{ tag: string; rate: number; behindMs: number; key: 'paced' | 'held'; cpuMs: CpuPerMessage; batch: { ingest: number; analysis: number } }>;
  /** Each phase's tag, chats and messages stored beyond two a chat, for the nothing-lost checks. */
  tags: Array<[string, number, number]>;
}

/** Runs one burst and keeps its figures under `key.` (`batched.rate`, `single.rate` …). */
async function burst(r: Running, mode: Mode, run: number, f: Figures, shape: Shape): Promise<[string, number, number]> {
  const tag = `${shape.key[0]}${mode}${run}`;
  const s = await sustained(r, tag, shape, { timeoutMs: 300_000, ...(control ? { controlPort: control.port } : {}) });
  if (Object.keys(s.load.failures).length > 0) problems.push(`${mode} run ${run} ${shape.key}: ${JSON.stringify(s.load.failures)}`);
  if (Object.keys(s.webhook.failures).length > 0) problems.push(`${mode} run ${run} ${shape.key} webhooks: ${JSON.stringify(s.webhook.failures)}`);
  const figures: Figures = {
    rate: s.rate,
    steadyRate: s.steadyRate,
    ingestRate: s.ingestRate,
    nudgedSeconds: s.nudgedSeconds,
    requestP50: s.load.p50,
    requestP99: s.load.p99,
    ...cpuFigures(s.cpuMs),
    peakWeb: s.peakMb.web,
    peakWorker: s.peakMb.workers,
    healthzP50: s.healthz.p50,
    healthzP99: s.healthz.p99,
    webhookP50: s.webhook.p50,
    webhookP99: s.webhook.p99,
    controlP50: s.control?.p50 ?? Number.NaN,
    controlP99: s.control?.p99 ?? Number.NaN,
    lagWorst: s.lagMs.worst,
    lagMedian: s.lagMs.median,
    ingestBatch: s.batch.ingest,
    analysisBatch: s.batch.analysis,
    webGcMs: s.webGc.ms,
    webGcOver10: s.webGc.over10ms,
  };
  for (const [k, v] of Object.entries(figures)) f[`${shape.key}.${k}`] = v;
  console.log(
    `  ${shape.key} burst (${shape.perRequest} a request, ${shape.lanes} connections${shape.length ? `, ${shape.length} messages a chat` : ''}): ${s.messages} messages, ${s.rate.toFixed(0)} msg/s analysed (${s.steadyRate.toFixed(0)} between a quarter and three quarters analysed; answered at ${s.ingestRate.toFixed(0)} msg/s, request p50 ${s.load.p50.toFixed(1)} ms p99 ${s.load.p99.toFixed(1)} ms), last nudge sent at ${s.nudgedSeconds.toFixed(1)} s`,
  );
  console.log(
    `    CPU ms/msg: web ${s.cpuMs.web.toFixed(3)}, workers ${s.cpuMs.workers.toFixed(3)}, PostgreSQL ${s.cpuMs.postgres.toFixed(3)}, Redis ${s.cpuMs.redis.toFixed(3)} (shared); peak RSS web ${s.peakMb.web.toFixed(0)} MB, worker ${s.peakMb.workers.toFixed(0)} MB`,
  );
  console.log(
    `    /healthz p50 ${s.healthz.p50.toFixed(1)} ms, p99 ${s.healthz.p99.toFixed(1)} ms (${s.healthz.n} probes); Feishu webhook ack p50 ${s.webhook.p50.toFixed(1)} ms, p99 ${s.webhook.p99.toFixed(1)} ms (${s.webhook.n} signed deliveries, each stored before its answer; an idle process meanwhile ${s.control?.p50.toFixed(1)} / ${s.control?.p99.toFixed(1)} ms); event-loop lag p99 per 0.5 s: median ${s.lagMs.median.toFixed(1)} ms, worst ${s.lagMs.worst.toFixed(1)} ms; messages per transaction: ingest ${s.batch.ingest.toFixed(1)}, analysis ${s.batch.analysis.toFixed(1)}; web GC ${s.webGc.count} pauses, ${s.webGc.ms.toFixed(0)} ms, ${s.webGc.over10ms} over 10 ms`,
  );
  return [tag, shape.chats, shape.chats * ((shape.length ?? 2) - 2)];
}

async function phases(r: Running, mode: Mode, run: number, f: Figures): Promise<Phases> {
  // Warm up: the first requests pay for compiling and connecting.
  await sustained(r, `w${mode}${run}`, { ...BATCHED, chats: 200 }, { timeoutMs: 120_000 });
  const out: Phases = { paced: [], tags: [] };
  if (!values['paced-only']) for (const shape of [BATCHED, SINGLE, LONG]) out.tags.push(await burst(r, mode, run, f, shape));
  // At the target rate, and at half what the batched burst sustained when that is lower: a rate the machine holds.
  const held = values['paced-only'] ? RATE : Math.max(10, Math.floor(f['batched.rate']! / 2));
  const rates = values['bursts-only'] ? [] : [RATE, ...(held < RATE ? [held] : [])];
  for (const [k, rate] of rates.entries()) {
    const tag = `p${k}${mode}${run}`;
    const p = await paced(r, tag, {
      rate,
      seconds: PACED_SECONDS,
      lanes: BATCHED.lanes,
      perRequest: BATCHED.perRequest,
      pacedBatch: PACED_BATCH,
      timeoutMs: 300_000,
    });
    if (Object.keys(p.load.failures).length > 0) problems.push(`${mode} run ${run} paced: ${JSON.stringify(p.load.failures)}`);
    out.paced.push({ tag, rate, behindMs: p.load.behindMs, key: k === 0 ? 'paced' : 'held', cpuMs: p.cpuMs, batch: p.batch });
    out.tags.push([tag, p.chats, 0]);
  }
  return out;
}

/** Paced latencies and the nothing-lost checks, once the database can be read. */
async function settle(sql: Database['sql'], mode: Mode, run: number, f: Figures, out: Phases): Promise<void> {
  for (const p of out.paced) {
    const lat = await latencies(sql, p.tag);
    const t = lat.total;
    const c = p.cpuMs;
    const cpu = cpuFigures(c);
    Object.assign(f, { [`${p.key}Rate`]: p.rate, [`${p.key}P50`]: pct(t, 50), [`${p.key}P99`]: pct(t, 99) });
    for (const [k, v] of Object.entries(cpu)) f[`${p.key}.${k}`] = v;
    const part = (xs: number[]) => `${pct(xs, 50).toFixed(0)}/${pct(xs, 99).toFixed(0)}`;
    console.log(
      `  paced at ${p.rate} msg/s for ${PACED_SECONDS} s: ingest → nudge p50 ${pct(t, 50).toFixed(0)} ms, p99 ${pct(t, 99).toFixed(0)} ms (${t.length} nudges; sender at worst ${p.behindMs.toFixed(0)} ms behind); p50/p99 of its parts: posted → stored ${part(lat.stored)}, stored → claimed ${part(lat.queued)}, claimed → sent ${part(lat.analysed)} ms; CPU ms a message ${cpu.cpuTotal.toFixed(2)} (web ${c.web.toFixed(2)}, workers ${c.workers.toFixed(2)}, PostgreSQL ${c.postgres.toFixed(2)}, Redis ${c.redis.toFixed(2)}); messages per transaction: ingest ${p.batch.ingest.toFixed(1)}, analysis ${p.batch.analysis.toFixed(1)}`,
    );
  }
  for (const [tag, chats, extra] of out.tags) problems.push(...(await verify(sql, tag, chats, extra)).map((p) => `${mode} run ${run}: ${p}`));
}

/** A backlog drained: the bench stores it (no analysis running), `start` brings the analysing processes up. */
async function drain(
  mode: Mode,
  run: number,
  f: Figures,
  label: 'b1' | 'b2',
  io: {
    /** Stores the backlog; returns the counters of processes that keep running (their sends so far). */
    store(tag: string, chats: number, history: number): Promise<Sample>;
    start(): Promise<Running>;
    read(): Promise<Database['sql']>;
  },
): Promise<void> {
  const chats = BACKLOG / 2;
  const history = label === 'b2' ? Math.round(HISTORY / BACKLOG) : 0;
  const tag = `${label}${mode}${run}`;
  // The processes started for the drain count from zero.
  const base = await io.store(tag, chats, history);
  const since = new Date();
  const r = await io.start();
  await waitFor(r, base, { analysed: BACKLOG, sent: chats }, 900_000);
  const done = Date.now();
  const sql = await io.read();
  const [first] = await sql.query<{ t: Date }>('select min(analyzed_at) as t from messages where conversation_id like $1 and analyzed_at >= $2', [
    `local:bench-${tag}-%`,
    since,
  ]);
  const seconds = (done - new Date(first!.t).getTime()) / 1000;
  const q = await claimQuartiles(sql, tag, since);
  Object.assign(f, { [`${label}Seconds`]: seconds, [`${label}Rate`]: BACKLOG / seconds, [`${label}Q1`]: q[0], [`${label}Q2`]: q[1], [`${label}Q3`]: q[2] });
  problems.push(...(await verify(sql, tag, chats, history * chats * 2)).map((p) => `${mode} run ${run}: ${p}`));
  console.log(
    `  backlog of ${BACKLOG} messages${history ? ` with ${history * chats * 2} of history` : ''}: drained in ${seconds.toFixed(1)} s (${(BACKLOG / seconds).toFixed(0)} msg/s); claimed 25/50/75/100 % at ${q.map((x) => x.toFixed(1)).join(' / ')} s`,
  );
}

async function services(mode: 'pg1' | 'pg2', run: number, f: Figures): Promise<void> {
  const db = await createTestDatabase(null);
  const dataDir = await mkdtemp(join(tmpdir(), 'dealwise-bench-'));
  const prefix = `dwbench${process.pid}r${run}${mode}`;
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    LOCAL_ADAPTER: 'true',
    HOST: '127.0.0.1',
    ...FEISHU_BENCH_ENV,
    ...EXTRA_ENV,
  };
  const n = mode === 'pg1' ? 1 : 2;
  const procs: WorkerProcess[] = [];
  let database: Database | null = null;
  const cleanup = async () => {
    await stop(procs);
    await database?.close();
    await db.drop();
    await deleteKeys(prefix);
    await rm(dataDir, { recursive: true, force: true });
  };
  const registered = onInterrupt(cleanup);
  try {
    const web = await spawnDealwise('bots/main.ts', env, spawnOpts);
    procs.push(web);
    const workers: WorkerProcess[] = [];
    for (let i = 0; i < n; i++) workers.push(await spawnDealwise('bots/worker.ts', env, spawnOpts));
    procs.push(...workers);
    database = await openDatabase({ databaseUrl: db.url, dataDir, poolSize: 2, migrate: false });
    const sql = database.sql;
    if (mode === 'pg1') {
      const floors = await postgresFloors(db.url, FLOOR_ROWS);
      Object.assign(f, {
        floorInsert: floors.insert.perSecond,
        floorInsertCpu: floors.insert.cpuMs,
        floorCopy: floors.copy.perSecond,
        floorCopyCpu: floors.copy.cpuMs,
      });
      console.log(
        `  floors: multi-row INSERT ${floors.insert.perSecond.toFixed(0)} rows/s (${floors.insert.cpuMs.toFixed(3)} CPU ms/row), COPY ${floors.copy.perSecond.toFixed(0)} rows/s (${floors.copy.cpuMs.toFixed(3)} CPU ms/row)`,
      );
    }
    if (!BACKLOG_ONLY) await settle(sql, mode, run, f, await phases({ web, workers, sql }, mode, run, f));
    if (!BACKLOG_MODES.includes(mode)) return;
    const catalog = await CatalogHolder.open(database.db, log);
    for (const label of ['b1', 'b2'] as const) {
      await drain(mode, run, f, label, {
        store: async (tag, chats, history) => {
          await stop(workers.splice(0));
          await storeBacklog(database!, catalog.current, tag, chats, 30 * 60_000, history);
          return sample({ web, workers: [], sql });
        },
        start: async () => {
          for (let i = 0; i < n; i++) workers.push(await spawnDealwise('bots/worker.ts', env, spawnOpts));
          procs.push(...workers);
          return { web, workers, sql };
        },
        read: async () => sql,
      });
    }
  } finally {
    registered();
    await cleanup();
  }
}

async function embedded(run: number, f: Figures): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dealwise-bench-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOCAL_ADAPTER: 'true', HOST: '127.0.0.1', ...FEISHU_BENCH_ENV, ...EXTRA_ENV };
  let web: WorkerProcess | null = await spawnDealwise('bots/main.ts', env, spawnOpts);
  let database = null as Database | null;
  // PGlite is one process's: the bench reads the data folder only while the server is stopped.
  const open = async () => {
    if (web) await stopProcess(web);
    web = null;
    database ??= await openDatabase({ dataDir, migrate: false });
    return database;
  };
  const cleanup = async () => {
    if (web) await stopProcess(web);
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  const registered = onInterrupt(cleanup);
  try {
    const out = BACKLOG_ONLY ? null : await phases({ web, workers: [], sql: null }, 'embedded', run, f);
    const sql = (await open()).sql;
    if (out) await settle(sql, 'embedded', run, f, out);
    const floor = await pgliteInsertFloor(sql, FLOOR_ROWS);
    Object.assign(f, { floorInsert: floor.perSecond, floorInsertCpu: floor.cpuMs });
    console.log(`  floor: multi-row INSERT on PGlite ${floor.perSecond.toFixed(0)} rows/s (${floor.cpuMs.toFixed(3)} CPU ms/row)`);
    if (!BACKLOG_MODES.includes('embedded')) return;
    for (const label of ['b1', 'b2'] as const) {
      await drain('embedded', run, f, label, {
        store: async (tag, chats, history) => {
          const d = await open();
          const catalog = await CatalogHolder.open(d.db, log);
          await storeBacklog(d, catalog.current, tag, chats, 30 * 60_000, history);
          return { at: 0, analysed: 0, sent: 0, batches: [0, 0, 0, 0], lagMs: 0, gc: { count: 0, seconds: 0, over10ms: 0 } };
        },
        start: async () => {
          await database?.close();
          database = null;
          web = await spawnDealwise('bots/main.ts', env, spawnOpts);
          return { web, workers: [], sql: null };
        },
        read: async () => (await open()).sql,
      });
    }
  } finally {
    registered();
    await cleanup();
  }
}

// ---- the runs ----------------------------------------------------------------------------------

checkTexts(TIME_ZONE);
console.log(
  `bench: ${RUNS} run(s) of ${MODES.join(', ')}; bursts of ${BATCHED.chats * 2} messages ${BATCHED.perRequest} a request from ${BATCHED.lanes} connections, ${SINGLE.chats * 2} one a request from ${SINGLE.lanes} and ${LONG.chats * CHAT_LENGTH} in chats of ${CHAT_LENGTH} as the first; paced ${RATE} msg/s for ${PACED_SECONDS} s; backlog ${BACKLOG} (+${HISTORY} history) on ${BACKLOG_MODES.join(', ') || 'none'}${values.env.length > 0 ? `; ${values.env.join(' ')}` : ''}; load client ${LOAD_NICE ? `at nice ${LOAD_NICE} (the probes are not)` : 'at normal priority'} (Node ${process.version})`,
);
const results: Array<{ floors: Figures } & Partial<Record<Mode, Figures>>> = [];
let control: Awaited<ReturnType<typeof startHello>> | null = null;
for (let run = 1; run <= RUNS; run++) {
  const t0 = performance.now();
  const floors: Figures = {};
  const result: (typeof results)[number] = { floors };
  results.push(result);
  console.log(
    `\nrun ${run}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const an = analyzerFloor(quick ? 2_000 : 10_000, TIME_ZONE);
  Object.assign(floors, { analyzer: an.perSecond, analyzerCpu: an.cpuMs });
  for (const shape of [BATCHED, SINGLE]) {
    const hello = await helloFloor(groupsOf(`hello${run}`, shape.chats, shape.perRequest), shape.lanes);
    const perMessage = hello.load.stored / (hello.load.elapsedMs / 1000);
    Object.assign(floors, {
      [`${shape.key}.hello`]: perMessage,
      [`${shape.key}.helloCpu`]: (hello.floor.cpuMs * hello.floor.perSecond) / perMessage,
      [`${shape.key}.helloP50`]: hello.load.p50,
      [`${shape.key}.helloP99`]: hello.load.p99,
      helloPeak: hello.peakMb,
    });
    console.log(
      `  floor: fastify hello-world, ${shape.perRequest} a request from ${shape.lanes} connections: ${perMessage.toFixed(0)} msg/s (${hello.floor.cpuMs.toFixed(3)} CPU ms a request, p50 ${hello.load.p50.toFixed(1)} ms, p99 ${hello.load.p99.toFixed(1)} ms, peak RSS ${hello.peakMb.toFixed(0)} MB)`,
    );
  }
  const bulk = await addBulkFloor(REDIS_URL, `dwbench${process.pid}floor`, FLOOR_ROWS);
  Object.assign(floors, { addBulk: bulk.perSecond, addBulkCpu: bulk.cpuMs });
  console.log(
    `  floors: BullMQ addBulk ${bulk.perSecond.toFixed(0)} jobs/s (${bulk.cpuMs.toFixed(3)} CPU ms/job); analyzeMessage alone ${an.perSecond.toFixed(0)} msg/s on one core (${(an.cpuMs * 1000).toFixed(0)} µs)`,
  );
  // An idle process probed beside the web process during every burst (see sustained()).
  control = await startHello();
  for (const mode of MODES) {
    console.log(`${LABEL[mode]}:`);
    const f: Figures = {};
    result[mode] = f;
    try {
      if (mode === 'embedded') await embedded(run, f);
      else await services(mode, run, f);
    } catch (err) {
      problems.push(`${mode} run ${run} failed: ${(err as Error).message}`);
      console.log(`  failed: ${(err as Error).message}`);
    }
  }
  await control.stop();
  control = null;
  console.log(
    `run ${run} took ${((performance.now() - t0) / 60_000).toFixed(1)} min; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

// ---- medians -----------------------------------------------------------------------------------

const ALL: Mode[] = ['embedded', 'pg1', 'pg2'];
const med = (pick: (r: (typeof results)[number]) => number | undefined) => median(results.map(pick).filter((x): x is number => x !== undefined));
const fmt = (x: number, digits = 0) => (Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
/** The median of one figure of a mode, or of several joined by " / ". */
const cell = (mode: Mode, keys: string | string[], digits = 0) =>
  [keys]
    .flat()
    .map((k) =>
      fmt(
        med((r) => r[mode]?.[k]),
        digits,
      ),
    )
    .join(' / ');
const fl = (keys: string | string[], digits = 0) =>
  [keys]
    .flat()
    .map((k) =>
      fmt(
        med((r) => r.floors[k]),
        digits,
      ),
    )
    .join(' / ');
const row = (label: string, keys: string | string[], digits: number, floor: string): string[] => [label, ...ALL.map((m) => cell(m, keys, digits)), floor];
const cpu = (shape: string) => ['cpuTotal', 'cpuWeb', 'cpuWorkers', 'cpuPostgres', 'cpuRedis'].map((k) => `${shape}.${k}`);
/** Of the INSERT floor of the same run and mode (PostgreSQL's for both service modes). */
const shareOfFloor = (mode: Mode, key = 'batched.rate') => {
  const floor = (r: (typeof results)[number]) => (mode === 'embedded' ? r.embedded?.floorInsert : r.pg1?.floorInsert);
  return `${fmt(med((r) => ((r[mode]?.[key] ?? Number.NaN) / (floor(r) ?? Number.NaN)) * 100))} %`;
};

console.log(`\nMedians of ${RUNS} run(s):\n`);
const rows: string[][] = [
  ['figure', 'embedded (PGlite)', 'PostgreSQL + Redis, 1 worker', 'PostgreSQL + Redis, 2 workers', 'floor, same runs'],
  row(
    `batched burst: msg/s analysed (${BATCHED.perRequest} a request)`,
    'batched.rate',
    0,
    `multi-row INSERT ${cell('pg1', 'floorInsert')} rows/s (PGlite ${cell('embedded', 'floorInsert')}); COPY ${cell('pg1', 'floorCopy')} rows/s`,
  ),
  ['… share of the INSERT floor', ...ALL.map((m) => shareOfFloor(m)), 'target: 25 % on PostgreSQL + Redis; embedded 1,000 msg/s'],
  row(
    '… at full speed (from a quarter to three quarters analysed, if that took 5 s or more), msg/s',
    'batched.steadyRate',
    0,
    'the ramp-up and the drain left out: `--chats 20000`',
  ),
  ['… its share of the INSERT floor', ...ALL.map((m) => shareOfFloor(m, 'batched.steadyRate')), ''],
  row('… answered, msg/s', 'batched.ingestRate', 0, `hello-world ${fl('batched.hello')} msg/s`),
  row(
    '… CPU ms a message: all (web / workers / PostgreSQL / Redis)',
    cpu('batched'),
    3,
    `INSERT ${cell('pg1', 'floorInsertCpu', 3)}, COPY ${cell('pg1', 'floorCopyCpu', 3)} a row; addBulk ${fl('addBulkCpu', 3)} a job; hello-world ${fl('batched.helloCpu', 3)} a message; analyzeMessage ${fl('analyzerCpu', 3)}`,
  ),
  row('… messages a transaction: ingest / analysis', ['batched.ingestBatch', 'batched.analysisBatch'], 0, ''),
  row(
    '… /healthz p50 / p99 ms (target p99 ≤ 100)',
    ['batched.healthzP50', 'batched.healthzP99'],
    1,
    `an idle process at the same moments: ${ALL.filter((m) => MODES.includes(m))
      .map((m) => cell(m, ['batched.controlP50', 'batched.controlP99'], 1))
      .join('; ')}`,
  ),
  row('… Feishu webhook ack p50 / p99 ms (signed deliveries, stored before the answer; target p99 ≤ 100)', ['batched.webhookP50', 'batched.webhookP99'], 1, ''),
  row('… event-loop lag p99 per 0.5 s, median / worst ms', ['batched.lagMedian', 'batched.lagWorst'], 1, ''),
  row(
    `chats of ${CHAT_LENGTH} messages (one deal and one nudge each), batched: msg/s analysed`,
    'long.rate',
    0,
    'the same traffic as a real chat: mostly lines that move nothing',
  ),
  ['… share of the INSERT floor', ...ALL.map((m) => shareOfFloor(m, 'long.rate')), 'target: 25 % on PostgreSQL + Redis'],
  row('… at full speed, msg/s', 'long.steadyRate', 0, ''),
  ['… its share of the INSERT floor', ...ALL.map((m) => shareOfFloor(m, 'long.steadyRate')), ''],
  row('… CPU ms a message: all (web / workers / PostgreSQL / Redis)', cpu('long'), 3, ''),
  row('… messages a transaction: ingest / analysis', ['long.ingestBatch', 'long.analysisBatch'], 0, ''),
  row('… /healthz p50 / p99 ms', ['long.healthzP50', 'long.healthzP99'], 1, ''),
  row('single-message burst: msg/s analysed', 'single.rate', 0, `hello-world ${fl('single.hello')} req/s`),
  row('… answered, msg/s', 'single.ingestRate', 0, ''),
  row('… request p50 / p99 ms', ['single.requestP50', 'single.requestP99'], 1, `hello-world ${fl(['single.helloP50', 'single.helloP99'], 1)}`),
  row('… CPU ms a message: all (web / workers / PostgreSQL / Redis)', cpu('single'), 3, `hello-world ${fl('single.helloCpu', 3)} a request`),
  row(
    '… /healthz p50 / p99 ms',
    ['single.healthzP50', 'single.healthzP99'],
    1,
    `idle process: ${ALL.filter((m) => MODES.includes(m))
      .map((m) => cell(m, ['single.controlP50', 'single.controlP99'], 1))
      .join('; ')}`,
  ),
  row('… Feishu webhook ack p50 / p99 ms', ['single.webhookP50', 'single.webhookP99'], 1, ''),
  row('… event-loop lag p99 per 0.5 s, median / worst ms', ['single.lagMedian', 'single.lagWorst'], 1, ''),
  row('peak RSS, MB: web / worker', ['batched.peakWeb', 'batched.peakWorker'], 0, `hello-world ${fl('helloPeak')}`),
  row(`ingest → nudge at ${RATE} msg/s, p50 / p99 ms`, ['pacedP50', 'pacedP99'], 0, 'target p99 ≤ 50 ms on PostgreSQL + Redis'),
  row(`… CPU ms a message at ${RATE} msg/s: all (web / workers / PostgreSQL / Redis)`, cpu('paced'), 2, 'the fixed cost of a small batch'),
  row('ingest → nudge at half the batched rate: msg/s, p50 / p99 ms', ['heldRate', 'heldP50', 'heldP99'], 0, ''),
  row(
    `drain of ${fmt(BACKLOG)}: s, msg/s; 25/50/75 % claimed at s`,
    ['b1Seconds', 'b1Rate', 'b1Q1', 'b1Q2', 'b1Q3'],
    0,
    `analyzeMessage ${fl('analyzer')} msg/s on one core; addBulk ${fl('addBulk')} jobs/s`,
  ),
  row(`… with ${fmt(HISTORY)} stored before`, ['b2Seconds', 'b2Rate', 'b2Q1', 'b2Q2', 'b2Q3'], 0, ''),
];
for (const [i, r] of rows.entries()) {
  console.log(`| ${r.join(' | ')} |`);
  if (i === 0) console.log(`|${r.map(() => ' --- ').join('|')}|`);
}
if (problems.length > 0) {
  console.log(`\nNOT everything arrived:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else console.log('\nNothing lost: every message stored and analysed once, one nudge per chat, each sent.');
