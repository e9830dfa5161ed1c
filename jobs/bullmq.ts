/**
 * Jobs on BullMQ and Redis (REDIS_URL): the same job definitions as the in-process runner, with
 * production settings spelled out (bullmq docs, guide/going-to-production): attempts with
 * exponential backoff, bounded removeOnComplete / removeOnFail, `maxRetriesPerRequest: null` on
 * worker connections, an error listener on every worker, invalid payloads unrecoverable.
 * Payloads carry row ids only; the database decides what a job does.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.ts';
import {
  JOBS,
  PermanentJobError,
  QUEUES,
  type EnqueueOptions,
  type JobHandlers,
  type JobName,
  type JobPayload,
  type JobRunner,
  type QueueName,
} from './definitions.ts';

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

const DEFAULT_CONCURRENCY: Record<QueueName, number> = { analyze: 4, timers: 2, send: 8, 'send-live': 4, reports: 1 };

export class BullMqRunner implements JobRunner {
  readonly #opts: BullMqOptions;
  readonly #log: Logger;
  /** Producer connection: fails fast when Redis is down, so ingest never hangs on it. */
  readonly #producer: Redis;
  readonly #queues = new Map<QueueName, Queue>();
  readonly #workers: Worker[] = [];
  readonly #workerConnections: Redis[] = [];

  constructor(opts: BullMqOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'jobs' });
    this.#producer = new Redis(opts.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
    this.#producer.on('error', (err) => this.#log.debug({ err: err.message }, 'redis producer connection error'));
    for (const name of QUEUES) {
      const q = new Queue(name, { connection: this.#producer, prefix: this.prefix });
      q.on('error', (err) => this.#log.warn({ err: err.message, queue: name }, 'queue error'));
      this.#queues.set(name, q);
    }
  }

  get prefix(): string {
    return this.#opts.prefix ?? 'dealwise';
  }

  /** The producer connection, shared with the Redis send pacer and readiness checks. */
  get redis(): Redis {
    return this.#producer;
  }

  queue(name: QueueName): Queue {
    return this.#queues.get(name)!;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions = {}): Promise<void> {
    const def = JOBS[name];
    def.schema.parse(payload);
    await this.queue(def.queue).add(name, payload, {
      ...(opts.jobId !== undefined ? { jobId: opts.jobId } : {}),
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      attempts: def.attempts,
      backoff: { type: 'exponential', delay: def.backoffMs },
      removeOnComplete: { count: 5_000, age: 24 * 3600 },
      removeOnFail: { count: 10_000, age: 7 * 24 * 3600 },
    });
  }

  async start(handlers: Partial<JobHandlers>): Promise<void> {
    const byQueue = new Map<QueueName, JobName[]>();
    for (const name of Object.keys(handlers) as JobName[]) {
      const q = JOBS[name].queue;
      byQueue.set(q, [...(byQueue.get(q) ?? []), name]);
    }
    for (const [queueName] of byQueue) {
      const connection = new Redis(this.#opts.url, { maxRetriesPerRequest: null });
      connection.on('error', (err) => this.#log.debug({ err: err.message }, 'redis worker connection error'));
      this.#workerConnections.push(connection);
      const worker = new Worker(queueName, (job, token) => this.#process(handlers, job, token), {
        connection,
        prefix: this.prefix,
        concurrency: this.#opts.concurrency?.[queueName] ?? DEFAULT_CONCURRENCY[queueName],
        ...(this.#opts.lockDurationMs ? { lockDuration: this.#opts.lockDurationMs } : {}),
        ...(this.#opts.stalledIntervalMs ? { stalledInterval: this.#opts.stalledIntervalMs } : {}),
      });
      // Without an error listener a Redis hiccup would be an unhandled 'error' event.
      worker.on('error', (err) => this.#log.warn({ err: err.message, queue: queueName }, 'worker error'));
      worker.on('failed', (job, err) => this.#log.warn({ err, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade }, 'job failed'));
      this.#workers.push(worker);
    }
  }

  async #process(handlers: Partial<JobHandlers>, job: Job, token: string | undefined): Promise<void> {
    const name = job.name as JobName;
    const handler = handlers[name] as ((p: unknown) => Promise<void | { retryAt: Date }>) | undefined;
    const parsed = JOBS[name]?.schema.safeParse(job.data);
    if (!handler || !parsed?.success) throw new UnrecoverableError(`invalid job ${name}: ${parsed?.error?.message ?? 'no handler'}`);
    let result: void | { retryAt: Date };
    try {
      result = await handler(parsed.data);
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

  /** Waiting, delayed, active and failed counts per queue (metrics). */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const out = {} as Record<QueueName, Record<string, number>>;
    for (const [name, q] of this.#queues) out[name] = await q.getJobCounts('waiting', 'delayed', 'active', 'failed');
    return out;
  }

  /** Delayed jobs wait in Redis, on Redis's clock: nothing here to step through. */
  nextRunAt(): Date | null {
    return null;
  }

  async ping(): Promise<void> {
    await this.#producer.ping();
  }

  /** Graceful: running jobs finish (or stall back to the queue), then connections close. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.close()));
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    for (const c of this.#workerConnections) c.disconnect();
    this.#producer.disconnect();
  }
}
