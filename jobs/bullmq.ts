/**
 * Jobs on BullMQ and Redis (REDIS_URL): the same job definitions as the in-process runner, with
 * production settings spelled out (bullmq docs, guide/going-to-production): attempts with
 * exponential backoff, bounded removeOnComplete / removeOnFail, `maxRetriesPerRequest: null` on
 * worker connections, an error listener on every worker, invalid payloads unrecoverable, a
 * deadline on close. Payloads carry row ids only; the database decides what a job does.
 *
 * A job that failed for good stays in its queue's failed set (the dead letters) until the sweep
 * runs it again (`retryDeadLetters`): as a new job with a new id (BullMQ ignores an add under the
 * id of a job it keeps), and then the failed one is removed.
 */
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.ts';
import { toAppError } from '../core/errors.ts';
import {
  coalesceKeyOf,
  type DeadLetterRetries,
  deadLetterDelay,
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
  /** RETRY_BACKOFF_SCALE: every retry delay times this. */
  backoffScale?: number;
}

const DEFAULT_CONCURRENCY: Record<QueueName, number> = { analyze: 2, commands: 2, timers: 1, send: 8, 'send-live': 4, reports: 1, maintenance: 1 };

const jobOptions = (def: JobDefinition<unknown>, scale: number, opts: EnqueueOptions = {}, payload?: unknown) => {
  // BullMQ's deduplication, not its job id: a job id stays taken while the job is kept, completed
  // or failed, and an add under it is ignored; a deduplication id only while the job waits or runs.
  // A coalescing job (analysis) is deduplicated by its key alone, whatever id it is given: one
  // waits per key, and one added while another runs is created when that one ends. Under an id of
  // its own (the sweep's dispatches had one) BullMQ ran it beside the key's run.
  const key = payload === undefined ? undefined : coalesceKeyOf(def, payload);
  const deduplication = key !== undefined ? { id: key, keepLastIfActive: true } : opts.jobId !== undefined ? { id: opts.jobId } : undefined;
  return {
    ...(deduplication ? { deduplication } : {}),
    ...(opts.delayMs ? { delay: opts.delayMs } : {}),
    attempts: def.attempts,
    backoff: { type: 'exponential' as const, delay: Math.round(def.backoffMs * scale) },
    removeOnComplete: { count: 1_000, age: 3_600 },
    // The dead letters: kept (a week, at most 10,000 per queue) for the sweep to run again.
    removeOnFail: { count: 10_000, age: 7 * 24 * 3600 },
  };
};

/** Starts the failure reason of a job that can never succeed: the sweep leaves it alone. */
const PERMANENT = '[permanent] ';
/** Dead letters looked at per queue and sweep. */
const DEAD_LETTER_PAGE = 200;
/** A revived job's id: the first one's (without colons, which BullMQ keeps for its own), with how often it has been revived. */
const reviveId = (id: string, revivals: number): string => `${id.replace(/~r\d+$/, '').replaceAll(':', '-')}~r${revivals}`;
const revivalsOf = (id: string): number => Number(/~r(\d+)$/.exec(id)?.[1] ?? 0);

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
  /** Jobs started here by `runSoon` and not yet done, per queue, and their runs (awaited by `close`). */
  readonly #soon = new Map<QueueName, number>();
  readonly #soonRuns = new Set<Promise<void>>();
  #closing = false;
  /** Where the next look at each queue's dead letters starts (they are paged, oldest first). */
  readonly #deadLetterOffset = new Map<QueueName, number>();

  constructor(opts: BullMqOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'jobs' });
    this.#producer = new Redis(opts.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
    this.#producer.on('error', (err) => this.#log.debug({ err: err.message }, 'redis producer connection error'));
    // Job schedulers live in Redis: after Redis restarts empty, this process puts its own back.
    this.#producer.on('ready', () => {
      if (this.#schedules.size === 0) return;
      void this.#upsertAll().catch((err: unknown) => this.#log.warn({ err: toAppError(err).message }, 'schedules not restored yet'));
    });
    for (const name of QUEUES) {
      const q = new Queue(name, { connection: this.#producer, prefix: this.prefix });
      q.on('error', (err) => this.#log.warn({ err: err.message, queue: name }, 'queue error'));
      this.#queues.set(name, q);
    }
  }

  get #scale(): number {
    return this.#opts.backoffScale ?? 1;
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
    await this.#queue(def.queue).add(def.name, payload, jobOptions(def as JobDefinition<unknown>, this.#scale, opts, payload));
  }

  async enqueueMany<P>(def: JobDefinition<P>, items: ReadonlyArray<{ payload: P; opts?: EnqueueOptions }>): Promise<void> {
    if (items.length === 0) return;
    for (const it of items) def.schema.parse(it.payload);
    await this.#queue(def.queue).addBulk(
      items.map((it) => ({ name: def.name, data: it.payload, opts: jobOptions(def as JobDefinition<unknown>, this.#scale, it.opts, it.payload) })),
    );
  }

  async runSoon<P>(def: JobDefinition<P>, payload: P): Promise<void> {
    const entry = this.#handlers.get(def.name);
    const busy = this.#soon.get(def.queue) ?? 0;
    const room = this.#opts.concurrency?.[def.queue] ?? DEFAULT_CONCURRENCY[def.queue];
    if (!entry || this.#workers.length === 0 || this.#closing || busy >= room) return this.enqueue(def, payload);
    def.schema.parse(payload);
    this.#soon.set(def.queue, busy + 1);
    const run = (async () => {
      try {
        const result = await entry.handler(payload);
        if (result && 'retryAt' in result) await this.enqueue(def, payload, { delayMs: Math.max(0, result.retryAt.getTime() - Date.now()) });
      } catch (err) {
        if (err instanceof PermanentJobError) {
          this.#log.error({ err: toAppError(err).message, job: def.name }, 'job failed for good');
          return;
        }
        this.#log.warn({ err: toAppError(err).message, job: def.name }, 'job run here failed; queued with its retries');
        await this.enqueue(def, payload);
      }
    })()
      // Redis down as well: what the job had to do is in the database, for the sweep.
      .catch((err: unknown) => this.#log.warn({ err: toAppError(err).message, job: def.name }, 'job not queued again; the sweep will find its work'))
      .finally(() => {
        this.#soon.set(def.queue, (this.#soon.get(def.queue) ?? 1) - 1);
        this.#soonRuns.delete(run);
      });
    this.#soonRuns.add(run);
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
    const periodic = 'everyMs' in when;
    const repeat = periodic ? { every: when.everyMs } : { pattern: when.cron, tz: when.timeZone };
    const { attempts, backoff, removeOnComplete, removeOnFail } = jobOptions(def, this.#scale);
    // A periodic job's next run is its retry: it is no dead letter. A cron run (a weekly digest) is.
    await this.#queue(def.queue).upsertJobScheduler(id, repeat, {
      name: def.name,
      data: payload,
      opts: { attempts, backoff, removeOnComplete, removeOnFail: periodic ? true : removeOnFail },
    });
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
        this.#log.warn({ err: toAppError(err).message, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed');
      });
      this.#workers.push(worker);
    }
  }

  async #process(job: Job, token: string | undefined): Promise<void> {
    const entry = this.#handlers.get(job.name);
    const parsed = entry?.def.schema.safeParse(job.data);
    if (!entry || !parsed?.success) throw new UnrecoverableError(`${PERMANENT}invalid job ${job.name}: ${parsed?.error?.message ?? 'no handler'}`);
    let result: JobResult;
    try {
      result = await entry.handler(parsed.data);
    } catch (err) {
      if (err instanceof PermanentJobError) throw new UnrecoverableError(`${PERMANENT}${err.message}`);
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
    const now = Date.now();
    for (const [name, q] of this.#queues) {
      const c = await q.getJobCounts('waiting', 'delayed', 'active', 'failed');
      const [oldest] = c.waiting ? await q.getJobs(['wait'], 0, 0, true) : [];
      out[name] = {
        waiting: c.waiting ?? 0,
        delayed: c.delayed ?? 0,
        active: c.active ?? 0,
        failed: c.failed ?? 0,
        oldestWaitingMs: oldest ? Math.max(0, now - dueSince(oldest)) : 0,
      };
    }
    return out;
  }

  async retryDeadLetters(): Promise<DeadLetterRetries> {
    const out: DeadLetterRetries = {};
    const now = Date.now();
    for (const [name, q] of this.#queues) {
      const offset = this.#deadLetterOffset.get(name) ?? 0;
      const page = await q.getJobs(['failed'], offset, offset + DEAD_LETTER_PAGE - 1, true);
      let kept = 0;
      for (const job of page) {
        const revivals = revivalsOf(job.id ?? '');
        const attempts = job.opts.attempts ?? 1;
        const backoff = typeof job.opts.backoff === 'object' ? (job.opts.backoff.delay ?? 0) : (job.opts.backoff ?? 0);
        const due = (job.finishedOn ?? 0) + deadLetterDelay(backoff, attempts, revivals);
        if (job.failedReason?.startsWith(PERMANENT) || now < due) {
          kept++;
          continue;
        }
        // The new job first: a process dying in between leaves the dead letter to be revived again.
        const { attempts: _a, backoff: _b, removeOnComplete, removeOnFail } = job.opts;
        await q.add(job.name, job.data, {
          jobId: reviveId(job.id ?? job.name, revivals + 1),
          // Its deduplication as first added: a coalescing job still never runs beside its key's run.
          ...(job.opts.deduplication ? { deduplication: job.opts.deduplication } : {}),
          attempts,
          backoff: job.opts.backoff ?? { type: 'exponential', delay: backoff },
          ...(removeOnComplete !== undefined ? { removeOnComplete } : {}),
          ...(removeOnFail !== undefined ? { removeOnFail } : {}),
        });
        await job.remove().catch((err: unknown) => this.#log.warn({ err: toAppError(err).message, jobId: job.id }, 'dead letter not removed'));
        out[name] = (out[name] ?? 0) + 1;
        this.#log.info({ job: job.name, jobId: job.id, revivals: revivals + 1 }, 'dead letter run again');
      }
      // Past the ones left in place; from the start again once a page comes back short.
      this.#deadLetterOffset.set(name, page.length < DEAD_LETTER_PAGE ? 0 : offset + kept);
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
    this.#closing = true;
    const graceful = await Promise.race([Promise.all([...this.#workers.map((w) => w.close()), ...this.#soonRuns]).then(() => 'ok' as const), deadline]);
    clearTimeout(timeout);
    if (graceful === 'late') await Promise.all(this.#workers.map((w) => w.close(true).catch(() => {})));
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => {})));
    for (const c of this.#workerConnections) c.disconnect();
    this.#producer.disconnect();
  }
}

/**
 * Since when a waiting job has been due: when it was added (after its delay), or when its last
 * try started plus the backoff it waited after it. BullMQ does not keep the moment a delayed job
 * became waiting, so this is an estimate: the last try's own run time counts as waiting.
 */
function dueSince(job: Job): number {
  const added = job.timestamp + (job.opts.delay ?? 0);
  if (!job.processedOn) return added;
  const backoff = typeof job.opts.backoff === 'object' ? (job.opts.backoff.delay ?? 0) : (job.opts.backoff ?? 0);
  return Math.max(added, job.processedOn + (job.attemptsMade > 0 ? backoff * 2 ** (job.attemptsMade - 1) : 0));
}
