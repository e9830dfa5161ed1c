/**
 * Jobs on BullMQ and Redis (REDIS_URL): the same job definitions as the in-process runner, with
 * production settings spelled out (bullmq docs, guide/going-to-production): attempts with
 * exponential backoff, bounded removeOnComplete / removeOnFail, `maxRetriesPerRequest: null` on
 * worker connections, an error listener on every worker, invalid payloads unrecoverable, a
 * deadline on close. Payloads carry row ids only; the database decides what a job does.
 */
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.ts';
import {
  type EnqueueOptions,
  type JobDefinition,
  type JobHandler,
  type JobResult,
  type JobRunner,
  PermanentJobError,
  QUEUES,
  type QueueName,
  type QueueStats,
  type Schedule,
} from './define.ts';

export interface BullMqOptions {
  url: string;
  log: Logger;
  /** Key prefix: several deployments (or test runs) can share one Redis. */
  prefix?: string;
  concurrency?: Partial<Record<QueueName, number>>;
  /** Stall detection; lower in tests to see a killed worker's job recovered quickly. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

const DEFAULT_CONCURRENCY: Record<QueueName, number> = { analyze: 2, commands: 2, timers: 1, send: 8, 'send-live': 4, reports: 1, maintenance: 1 };

const jobOptions = (def: JobDefinition<unknown>, opts: EnqueueOptions = {}, payload?: unknown) => ({
  ...(opts.jobId !== undefined ? { jobId: opts.jobId } : {}),
  // BullMQ's deduplication: one job waits per key, and one added while another runs is created when that one ends.
  ...(def.coalesce && payload !== undefined ? { deduplication: { id: `${def.name}:${def.coalesce(payload)}`, keepLastIfActive: true } } : {}),
  ...(opts.delayMs ? { delay: opts.delayMs } : {}),
  attempts: def.attempts,
  backoff: { type: 'exponential' as const, delay: def.backoffMs },
  removeOnComplete: { count: 1_000, age: 3_600 },
  removeOnFail: { count: 10_000, age: 7 * 24 * 3600 },
});

export class BullMqRunner implements JobRunner {
  readonly #opts: BullMqOptions;
  readonly #log: Logger;
  /** Producer connection: fails fast when Redis is down, so ingest never hangs on it. */
  readonly #producer: Redis;
  readonly #queues = new Map<QueueName, Queue>();
  readonly #handlers = new Map<string, { def: JobDefinition<unknown>; handler: JobHandler<unknown> }>();
  readonly #workers: Worker[] = [];
  readonly #workerConnections: Redis[] = [];
  /** Schedules this process keeps: upserted again whenever Redis comes back (an empty Redis forgets them). */
  readonly #schedules = new Map<string, { def: JobDefinition<unknown>; when: Schedule; payload: unknown }>();

  constructor(opts: BullMqOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'jobs' });
    this.#producer = new Redis(opts.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
    this.#producer.on('error', (err) => this.#log.debug({ err: err.message }, 'redis producer connection error'));
    // Job schedulers live in Redis: after Redis restarts empty, this process puts its own back.
    this.#producer.on('ready', () => {
      if (this.#schedules.size === 0) return;
      void this.#upsertAll().catch((err: unknown) => this.#log.warn({ err: (err as Error).message }, 'schedules not restored yet'));
    });
    for (const name of QUEUES) {
      const q = new Queue(name, { connection: this.#producer, prefix: this.prefix });
      q.on('error', (err) => this.#log.warn({ err: err.message, queue: name }, 'queue error'));
      this.#queues.set(name, q);
    }
  }

  get prefix(): string {
    return this.#opts.prefix ?? 'dealwise';
  }

  /** The producer connection, shared with the Redis send pacer. */
  get redis(): Redis {
    return this.#producer;
  }

  #queue(name: QueueName): Queue {
    return this.#queues.get(name)!;
  }

  async enqueue<P>(def: JobDefinition<P>, payload: P, opts: EnqueueOptions = {}): Promise<void> {
    def.schema.parse(payload);
    await this.#queue(def.queue).add(def.name, payload, jobOptions(def as JobDefinition<unknown>, opts, payload));
  }

  async enqueueMany<P>(def: JobDefinition<P>, items: ReadonlyArray<{ payload: P; opts?: EnqueueOptions }>): Promise<void> {
    if (items.length === 0) return;
    for (const it of items) def.schema.parse(it.payload);
    await this.#queue(def.queue).addBulk(
      items.map((it) => ({ name: def.name, data: it.payload, opts: jobOptions(def as JobDefinition<unknown>, it.opts, it.payload) })),
    );
  }

  async schedule<P>(id: string, def: JobDefinition<P>, when: Schedule, payload: P): Promise<void> {
    def.schema.parse(payload);
    this.#schedules.set(id, { def: def as JobDefinition<unknown>, when, payload });
    await this.#upsert(id, def as JobDefinition<unknown>, when, payload);
  }

  async #upsertAll(): Promise<void> {
    for (const [id, s] of this.#schedules) await this.#upsert(id, s.def, s.when, s.payload);
    this.#log.info({ schedules: this.#schedules.size }, 'job schedules restored in Redis');
  }

  async #upsert(id: string, def: JobDefinition<unknown>, when: Schedule, payload: unknown): Promise<void> {
    const repeat = 'everyMs' in when ? { every: when.everyMs } : { pattern: when.cron, tz: when.timeZone };
    const { attempts, backoff, removeOnComplete, removeOnFail } = jobOptions(def);
    await this.#queue(def.queue).upsertJobScheduler(id, repeat, { name: def.name, data: payload, opts: { attempts, backoff, removeOnComplete, removeOnFail } });
  }

  async unscheduleExcept(prefix: string, keep: readonly string[]): Promise<void> {
    for (const id of [...this.#schedules.keys()]) if (id.startsWith(prefix) && !keep.includes(id)) this.#schedules.delete(id);
    for (const q of this.#queues.values()) {
      for (const s of await q.getJobSchedulers()) {
        const id = s.key ?? s.id ?? '';
        if (id.startsWith(prefix) && !keep.includes(id)) await q.removeJobScheduler(id);
      }
    }
  }

  handle<P>(def: JobDefinition<P>, handler: JobHandler<P>): void {
    this.#handlers.set(def.name, { def: def as JobDefinition<unknown>, handler: handler as JobHandler<unknown> });
  }

  async start(): Promise<void> {
    const queues = new Set([...this.#handlers.values()].map((h) => h.def.queue));
    for (const queueName of queues) {
      const connection = new Redis(this.#opts.url, { maxRetriesPerRequest: null });
      connection.on('error', (err) => this.#log.debug({ err: err.message }, 'redis worker connection error'));
      this.#workerConnections.push(connection);
      const worker = new Worker(queueName, (job, token) => this.#process(job, token), {
        connection,
        prefix: this.prefix,
        concurrency: this.#opts.concurrency?.[queueName] ?? DEFAULT_CONCURRENCY[queueName],
        ...(this.#opts.lockDurationMs ? { lockDuration: this.#opts.lockDurationMs } : {}),
        ...(this.#opts.stalledIntervalMs ? { stalledInterval: this.#opts.stalledIntervalMs } : {}),
      });
      // Without an error listener a Redis hiccup would be an unhandled 'error' event.
      worker.on('error', (err) => this.#log.warn({ err: err.message, queue: queueName }, 'worker error'));
      worker.on('failed', (job, err) => {
        if (err instanceof DelayedError) return;
        this.#log.warn({ err: err.message, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed');
      });
      this.#workers.push(worker);
    }
  }

  async #process(job: Job, token: string | undefined): Promise<void> {
    const entry = this.#handlers.get(job.name);
    const parsed = entry?.def.schema.safeParse(job.data);
    if (!entry || !parsed?.success) throw new UnrecoverableError(`invalid job ${job.name}: ${parsed?.error?.message ?? 'no handler'}`);
    let result: JobResult;
    try {
      result = await entry.handler(parsed.data);
    } catch (err) {
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
    if (result && 'retryAt' in result) {
      // Not a failure: the job waits (a rate limit, a timer moved later) without using an attempt.
      await job.moveToDelayed(Math.max(Date.now(), result.retryAt.getTime()), token);
      throw new DelayedError();
    }
  }

  async stats(): Promise<QueueStats> {
    const out = {} as QueueStats;
    for (const [name, q] of this.#queues) {
      const c = await q.getJobCounts('waiting', 'delayed', 'active', 'failed');
      out[name] = { waiting: c.waiting ?? 0, delayed: c.delayed ?? 0, active: c.active ?? 0, failed: c.failed ?? 0 };
    }
    return out;
  }

  async ping(): Promise<void> {
    await this.#producer.ping();
  }

  /** Graceful: running jobs get until the deadline to finish, then go back to the queue as stalled. */
  async close(deadlineMs = 10_000): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timeout = setTimeout(() => resolve('late'), deadlineMs);
      timeout.unref();
    });
    const graceful = await Promise.race([Promise.all(this.#workers.map((w) => w.close())).then(() => 'ok' as const), deadline]);
    clearTimeout(timeout);
    if (graceful === 'late') await Promise.all(this.#workers.map((w) => w.close(true).catch(() => {})));
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => {})));
    for (const c of this.#workerConnections) c.disconnect();
    this.#producer.disconnect();
  }
}
