/**
 * The benchmark's phases against running dealwise processes: a sustained burst through the HTTP
 * ingest, a paced stream, and a backlog stored while no analysis runs. Progress is read from
 * outside, on each process's /metrics (`dealwise_messages_analyzed_total`,
 * `dealwise_deliveries_sent_total`); what was stored, analysed, nudged and sent is counted in the
 * database at the end.
 */
import { storeMessages } from '../../bots/ingest/store.ts';
import type { Catalog } from '../../bots/catalog/catalog.ts';
import type { Database, Sql } from '../../db/client.ts';
import type { WorkerProcess } from '../../test/services/stack.ts';
import { chat, conversationsOf, inboundChat, longChat } from './chats.ts';
import { type LoadResult, load, median, pct, probe } from './load.ts';
import { backendPids, CpuMeter, memoryMb, redisPid, scrape, sumOf } from './procs.ts';
import { webhookProbe } from './webhooks.ts';

export interface Running {
  /** The web process (on the embedded default, the only one). */
  web: WorkerProcess;
  workers: WorkerProcess[];
  /** PostgreSQL as the bench reads it; null on the embedded default (the server holds PGlite). */
  sql: Sql | null;
}

const ports = (r: Running) => [r.web.port, ...r.workers.map((w) => w.port)];

/** What the processes' /metrics say, summed over them; `lagMs` is the web process's event-loop p99 since its last scrape. */
export interface Sample {
  at: number;
  analysed: number;
  sent: number;
  /** Batch histograms: ingest count and sum, analysis count and sum. */
  batches: number[];
  lagMs: number;
  /** The web process's garbage collections so far: count, total seconds, and how many took over 10 ms. */
  gc: { count: number; seconds: number; over10ms: number };
}

function webGc(m: Map<string, number>): Sample['gc'] {
  const name = 'dealwise_nodejs_gc_duration_seconds';
  const count = m.get(`${name}_count`) ?? 0;
  return { count, seconds: m.get(`${name}_sum`) ?? 0, over10ms: count - (m.get(`${name}_bucket{le="0.01"}`) ?? 0) };
}

/** One scrape of every process. */
export async function sample(r: Running): Promise<Sample> {
  const scrapes = await Promise.all(ports(r).map(scrape));
  const batch = ['dealwise_ingest_batch_messages', 'dealwise_analysis_batch_messages'].flatMap((n) => [
    sumOf(scrapes, `${n}_count`),
    sumOf(scrapes, `${n}_sum`),
  ]);
  return {
    at: performance.now(),
    analysed: sumOf(scrapes, 'dealwise_messages_analyzed_total'),
    sent: sumOf(scrapes, 'dealwise_deliveries_sent_total'),
    batches: batch,
    lagMs: (scrapes[0]!.get('dealwise_event_loop_lag_p99_seconds') ?? Number.NaN) * 1000,
    gc: webGc(scrapes[0]!),
  };
}

/** Messages an ingest and an analysis transaction held on average between two samples. */
function perTransaction(from: Sample, to: Sample): { ingest: number; analysis: number } {
  const b = to.batches.map((x, i) => x - from.batches[i]!);
  return { ingest: b[1]! / b[0]!, analysis: b[3]! / b[2]! };
}

/**
 * Scrapes every process every `everyMs` (twice a second: each scrape costs the processes a
 * little) until stopped, keeping every sample; `until` resolves with the first sample that
 * satisfies a condition.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  #running = true;
  readonly #loop: Promise<void>;
  #waiters: Array<{ test: (s: Sample) => boolean; resolve: (s: Sample) => void; timer: NodeJS.Timeout }> = [];

  constructor(r: Running, everyMs = 500) {
    this.#loop = (async () => {
      while (this.#running) {
        const s = await sample(r);
        this.samples.push(s);
        const met = this.#waiters.filter((w) => w.test(s));
        this.#waiters = this.#waiters.filter((w) => !met.includes(w));
        for (const w of met) w.resolve(s);
        await new Promise((res) => setTimeout(res, everyMs));
      }
    })();
  }

  /** The first sample from now on for which `test` holds; fails naming the last counts after `timeoutMs`. */
  until(test: (s: Sample) => boolean, timeoutMs: number, what: string): Promise<Sample> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const last = this.samples.at(-1);
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${last?.analysed} analysed, ${last?.sent} sent)`));
      }, timeoutMs);
      this.#waiters.push({
        test,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        timer,
      });
    });
  }

  /** Stops scraping; conditions still awaited are dropped (their promises never settle). */
  async stop(): Promise<void> {
    this.#running = false;
    for (const w of this.#waiters.splice(0)) clearTimeout(w.timer);
    await this.#loop;
  }
}

/** Waits until the processes have analysed `want.analysed` and sent `want.sent` more than `base`. */
export async function waitFor(r: Running, base: Sample, want: { analysed: number; sent: number }, timeoutMs: number): Promise<Sample> {
  const sampler = new Sampler(r, 250);
  try {
    return await sampler.until(
      (s) => s.analysed - base.analysed >= want.analysed && s.sent - base.sent >= want.sent,
      timeoutMs,
      `${want.analysed} analysed and ${want.sent} nudges sent`,
    );
  } finally {
    await sampler.stop();
  }
}

/**
 * Request bodies for `chats` chats of `length` messages, in groups one lane posts in order: a
 * request of greetings, then one of the same chats' next messages, and so on to their objections
 * (`perRequest` messages each; 1: one message a request).
 */
export function groupsOf(tag: string, chats: number, perRequest: number, length = 2): string[][] {
  const per = Math.max(1, Math.floor(perRequest));
  const groups: string[][] = [];
  for (let i = 0; i < chats; i += per) {
    const each = Array.from({ length: Math.min(per, chats - i) }, (_, k) => longChat(tag, i + k, length));
    groups.push(per === 1 ? each[0]!.map((m) => JSON.stringify(m)) : each[0]!.map((_, k) => JSON.stringify(each.map((c) => c[k]))));
  }
  return groups;
}

export interface Sustained {
  messages: number;
  load: LoadResult;
  /** Messages a second, from the first request until all were analysed. */
  rate: number;
  /**
   * Messages a second while the burst ran at full speed: between the samples at which a quarter
   * and three quarters of its messages had been analysed (no first small batches, no last
   * partitions draining). NaN when those samples are less than STEADY_MIN_MS apart: over a
   * shorter window the twice-a-second samples measure a spurt, not a rate (a 6,000-message burst
   * gave 4,767 msg/s over its middle 0.6 s and 1,559 in all; a 40,000-message one 1,507 and 1,392).
   */
  steadyRate: number;
  /** Until the last request was answered (stored). */
  ingestRate: number;
  /** Seconds until the last nudge was sent. */
  nudgedSeconds: number;
  /** CPU ms per message, by process. */
  cpuMs: CpuPerMessage;
  /** Peak resident memory, MB. */
  peakMb: { web: number; workers: number };
  healthz: { p50: number; p99: number; n: number };
  /** Signed Feishu message deliveries posted during the burst: their acks (answered once stored). */
  webhook: { p50: number; p99: number; n: number; failures: Record<string, number> };
  /** The same probe of an idle process (fastify hello-world) at the same moments: what the machine alone costs. */
  control: { p50: number; p99: number } | null;
  /** The web process's event-loop delay p99 per half second (its /metrics gauge), ms: worst and median window. */
  lagMs: { worst: number; median: number };
  /** Mean messages per ingest transaction and per analysis transaction. */
  batch: { ingest: number; analysis: number };
  /** The web process's garbage collections during the burst: how many, their total ms, how many took over 10 ms. */
  webGc: { count: number; ms: number; over10ms: number };
}

/** The shortest window a burst's full-speed rate is read over (`Sustained.steadyRate`). */
const STEADY_MIN_MS = 5_000;

/** As many chats (of `length` messages, 2 unless said) as the ingest takes, from `lanes` connections at once, until all are analysed and nudged. */
export async function sustained(
  r: Running,
  tag: string,
  shape: { chats: number; lanes: number; perRequest: number; length?: number },
  opts: { timeoutMs: number; controlPort?: number },
): Promise<Sustained> {
  const { chats, lanes, perRequest, length = 2 } = shape;
  const { timeoutMs } = opts;
  const groups = groupsOf(tag, chats, perRequest, length);
  const messages = chats * length;
  const base = await sample(r);
  const cpuOf = await cpuMeter(r);
  const healthz = probe(`http://127.0.0.1:${r.web.port}/healthz`, 50);
  // Each stored delivery is one more message to analyse before the burst is over.
  const hook = webhookProbe(r.web.port, tag, 50);
  const control = opts.controlPort ? probe(`http://127.0.0.1:${opts.controlPort}/healthz`, 50) : null;
  const sampler = new Sampler(r);
  const t0 = performance.now();
  let result: LoadResult;
  let analysed: Sample;
  let sent: Sample;
  try {
    const sentWait = sampler.until((s) => s.sent - base.sent >= chats, timeoutMs, `${chats} nudges sent`);
    // Whichever fails first is thrown; the other must not become an unhandled rejection.
    sentWait.catch(() => {});
    result = await load({ mode: 'lanes', port: r.web.port, path: '/v1/messages', groups, lanes });
    // The webhook deliveries stored until the load ended count; the probes go on until those
    // are analysed. (Counting every delivery stored so far made the end a moving target: a slow
    // partition trailing one delivery behind the probe held the burst open for minutes.)
    const target = messages + hook.stored();
    analysed = await sampler.until((s) => s.analysed - base.analysed >= target, timeoutMs, `${target} analysed`);
    sent = await sentWait;
  } finally {
    await sampler.stop();
  }
  const probes = await healthz.stop();
  const hooks = await hook.stop();
  const controls = await control?.stop();
  // The deliveries stored after the burst was over are analysed before the next phase counts.
  await waitFor(r, base, { analysed: messages + hook.stored(), sent: chats }, timeoutMs);
  const cpuMs = await cpuOf(messages);
  // The burst: samples until the last message was analysed (the first one's window started before it).
  const lags = sampler.samples.filter((s) => s.at <= analysed.at).map((s) => s.lagMs);
  const at = (share: number) => sampler.samples.find((s) => s.analysed - base.analysed >= share * messages);
  const [q1, q3] = [at(0.25), at(0.75)];
  return {
    messages,
    load: result,
    rate: messages / ((analysed.at - t0) / 1000),
    steadyRate: q1 && q3 && q3.at - q1.at >= STEADY_MIN_MS ? (q3.analysed - q1.analysed) / ((q3.at - q1.at) / 1000) : Number.NaN,
    ingestRate: messages / (result.elapsedMs / 1000),
    nudgedSeconds: (sent.at - t0) / 1000,
    cpuMs,
    peakMb: { web: memoryMb(r.web.child.pid!).peak, workers: Math.max(0, ...r.workers.map((w) => memoryMb(w.child.pid!).peak)) },
    healthz: { p50: pct(probes, 50), p99: pct(probes, 99), n: probes.length },
    webhook: { p50: pct(hooks.times, 50), p99: pct(hooks.times, 99), n: hooks.times.length, failures: hooks.failures },
    control: controls ? { p50: pct(controls, 50), p99: pct(controls, 99) } : null,
    lagMs: { worst: Math.max(...lags.filter((x) => !Number.isNaN(x))), median: median(lags) },
    batch: perTransaction(base, sent),
    webGc: {
      count: analysed.gc.count - base.gc.count,
      ms: (analysed.gc.seconds - base.gc.seconds) * 1000,
      over10ms: analysed.gc.over10ms - base.gc.over10ms,
    },
  };
}

export interface CpuPerMessage {
  web: number;
  workers: number;
  postgres: number;
  redis: number;
}

/** A phase's CPU as the bench's figures (`cpuTotal` the sum of the processes). */
export function cpuFigures(c: CpuPerMessage): Record<'cpuTotal' | 'cpuWeb' | 'cpuWorkers' | 'cpuPostgres' | 'cpuRedis', number> {
  return { cpuTotal: c.web + c.workers + c.postgres + c.redis, cpuWeb: c.web, cpuWorkers: c.workers, cpuPostgres: c.postgres, cpuRedis: c.redis };
}

/**
 * Starts measuring the CPU of the stack's processes (web, workers, the database's backends,
 * Redis); the function it returns gives CPU ms a message since then, by process kind.
 */
async function cpuMeter(r: Running): Promise<(messages: number) => Promise<CpuPerMessage>> {
  const redis = redisPid();
  const pids = async () => ({
    web: [r.web.child.pid!],
    workers: r.workers.map((w) => w.child.pid!),
    postgres: r.sql ? await backendPids(r.sql) : [],
    redis: redis ? [redis] : [],
  });
  const before = await pids();
  const meter = new CpuMeter(Object.values(before).flat());
  return async (messages) => {
    const after = await pids();
    const cpu = (k: keyof typeof after) => (meter.since([...before[k], ...after[k]]) * 1000) / messages;
    return { web: cpu('web'), workers: cpu('workers'), postgres: cpu('postgres'), redis: cpu('redis') };
  };
}

/**
 * The chats' greetings first (stored and analysed, as a chat's earlier messages would be), then
 * their objections, one a request at `rate` a second for `seconds`: every paced message is one
 * nudge. (Greetings interleaved with the objections could arrive after their own objection on an
 * overloaded machine, and a chat whose rep has not spoken yet has nobody to nudge.) Waits for
 * every nudge.
 */
export async function paced(
  r: Running,
  tag: string,
  opts: { rate: number; seconds: number; lanes: number; perRequest: number; pacedBatch: number; timeoutMs: number },
): Promise<{ chats: number; load: LoadResult; cpuMs: CpuPerMessage; batch: { ingest: number; analysis: number } }> {
  const chats = Math.max(2, Math.round(opts.rate * opts.seconds));
  const greetings: string[][] = [];
  for (let i = 0; i < chats; i += opts.perRequest) {
    greetings.push([JSON.stringify(Array.from({ length: Math.min(opts.perRequest, chats - i) }, (_, k) => chat(tag, i + k)[0]))]);
  }
  let base = await sample(r);
  await load({ mode: 'lanes', port: r.web.port, path: '/v1/messages', groups: greetings, lanes: opts.lanes });
  await waitFor(r, base, { analysed: chats, sent: 0 }, opts.timeoutMs);
  base = await sample(r);
  // One objection a request, or `pacedBatch` of them at a proportionally lower request rate; each
  // message's sentAt is the moment its request is posted.
  const bodies: string[] = [];
  for (let i = 0; i < chats; i += opts.pacedBatch) {
    const group = Array.from({ length: Math.min(opts.pacedBatch, chats - i) }, (_, k) => chat(tag, i + k)[1]);
    bodies.push(JSON.stringify(opts.pacedBatch === 1 ? group[0] : group));
  }
  const cpuOf = await cpuMeter(r);
  const result = await load({ mode: 'paced', port: r.web.port, path: '/v1/messages', bodies, rate: opts.rate / opts.pacedBatch });
  const done = await waitFor(r, base, { analysed: chats, sent: chats }, opts.timeoutMs);
  return { chats, load: result, cpuMs: await cpuOf(chats), batch: perTransaction(base, done) };
}

/**
 * Ingest → nudge of each of a phase's nudges, ms, each list sorted: `total` is the delivery's send
 * time minus the moment the objection was posted (its sentAt); its parts are post → stored
 * (`stored`, the message's received_at), stored → claimed by an analysis batch (`queued`,
 * analyzed_at) and claimed → sent (`analysed`: the batch, its commit, the send job).
 */
export async function latencies(sql: Sql, tag: string): Promise<Record<'total' | 'stored' | 'queued' | 'analysed', number[]>> {
  const rows = await sql.query<Record<'total' | 'stored' | 'queued' | 'analysed', number>>(
    `select extract(epoch from d.sent_at - m.sent_at) * 1000 as total, extract(epoch from m.received_at - m.sent_at) * 1000 as stored,
            extract(epoch from m.analyzed_at - m.received_at) * 1000 as queued, extract(epoch from d.sent_at - m.analyzed_at) * 1000 as analysed
     from nudges n join messages m on m.id = n.message_id join deliveries d on d.nudge_id = n.id
     where n.conversation_id like $1 and d.status = 'sent'`,
    [conversationsOf(tag)],
  );
  const column = (k: 'total' | 'stored' | 'queued' | 'analysed') => rows.map((x) => Number(x[k])).sort((a, b) => a - b);
  return { total: column('total'), stored: column('stored'), queued: column('queued'), analysed: column('analysed') };
}

/** Nothing lost, nothing twice: what the database holds of a phase against what was sent. Returns the discrepancies. */
export async function verify(sql: Sql, tag: string, chats: number, extraStored = 0): Promise<string[]> {
  const like = conversationsOf(tag);
  const [c] = await sql.query<Record<string, string | number>>(
    `select (select count(*) from messages where conversation_id like $1) as stored,
            (select count(*) from messages where conversation_id like $1 and analyzed_at is not null and analysis_error is null) as analysed,
            (select count(*) from nudges where conversation_id like $1) as nudges,
            (select count(distinct message_id) from nudges where conversation_id like $1) as nudged,
            (select count(*) from deliveries d join nudges n on n.id = d.nudge_id where n.conversation_id like $1 and d.status = 'sent') as sent`,
    [like],
  );
  const want = { stored: chats * 2 + extraStored, analysed: chats * 2 + extraStored, nudges: chats, nudged: chats, sent: chats };
  return Object.entries(want).flatMap(([k, v]) => (Number(c![k]) === v ? [] : [`${tag}: ${k} ${c![k]}, expected ${v}`]));
}

/**
 * A backlog stored the way the sink stores it (storeMessages, 500 a transaction) while no
 * analysis runs: `chats` chats posted over the last `spreadMs`. With `history`, each conversation
 * first gets that many earlier chats (days old), marked analysed: history already stored.
 */
export async function storeBacklog(database: Database, catalog: Catalog, tag: string, chats: number, spreadMs: number, history = 0): Promise<void> {
  const now = Date.now();
  const batch: Parameters<typeof storeMessages>[3][number][] = [];
  const flush = async () => {
    if (batch.length > 0) await storeMessages(database, catalog, new Date(), batch.splice(0));
  };
  for (let h = 0; h < history; h++) {
    for (let i = 0; i < chats; i++) {
      batch.push(...inboundChat(tag, i, new Date(now - (h + 1) * 86_400_000 - i), `h${h}`));
      if (batch.length >= 500) await flush();
    }
  }
  await flush();
  if (history > 0)
    await database.transaction(async (tx) => {
      await tx.query('delete from message_queue q using messages m where m.id = q.message_id and m.conversation_id like $1 and m.analyzed_at is null', [
        conversationsOf(tag),
      ]);
      await tx.query('update messages set analyzed_at = received_at where conversation_id like $1 and analyzed_at is null', [conversationsOf(tag)]);
    });
  for (let i = 0; i < chats; i++) {
    batch.push(...inboundChat(tag, i, new Date(now - spreadMs + (i * spreadMs) / chats)));
    if (batch.length >= 500) await flush();
  }
  await flush();
}

/** When a backlog's messages were claimed: seconds from the first claim to 25, 50, 75 and 100 % of them. */
export async function claimQuartiles(sql: Sql, tag: string, since: Date): Promise<number[]> {
  const [row] = await sql.query<{ q: number[] }>(
    `select array[percentile_disc(0.25) within group (order by t), percentile_disc(0.5) within group (order by t),
                  percentile_disc(0.75) within group (order by t), max(t)] as q
     from (select extract(epoch from analyzed_at - min(analyzed_at) over ()) as t
           from messages where conversation_id like $1 and analyzed_at >= $2) x`,
    [conversationsOf(tag), since],
  );
  return row!.q.map(Number);
}
