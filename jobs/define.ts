/**
 * One definition per job: its name, queue, payload schema and retry options, declared beside its
 * handler (bots/…/*-job.ts). Payloads carry row ids or partition numbers, never message text,
 * tokens or secrets: the database is the source of truth and the queue only dispatches.
 */
import type { z } from 'zod';

/**
 * Queues group jobs by what they wait on: analysis and commands are CPU and database; sends are
 * platform I/O (the live queue for a sender only a web process can run); maintenance is the sweep.
 */
export const QUEUES = ['analyze', 'commands', 'timers', 'send', 'send-live', 'reports', 'maintenance'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface JobDefinition<P> {
  name: string;
  queue: QueueName;
  schema: z.ZodType<P>;
  /** Tries in all, the first included. */
  attempts: number;
  /** First retry delay; each next one doubles it. */
  backoffMs: number;
  /**
   * Jobs whose payloads give the same key are coalesced: at most one waits, and one added while
   * another runs is kept (once) to run after it, never beside it. For a job that does all the work
   * there is when it runs (an analysis partition): a burst of dispatches costs one run, not one each.
   */
  coalesce?: (payload: P) => string;
}

export const defineJob = <P>(def: JobDefinition<P>): JobDefinition<P> => def;

/**
 * A coalescing job's key (`JobDefinition.coalesce`), which every runner uses as its id: an id
 * given when it is enqueued is not used. Undefined for a job that does not coalesce.
 */
export const coalesceKeyOf = <P>(def: JobDefinition<P>, payload: P): string | undefined => (def.coalesce ? `${def.name}:${def.coalesce(payload)}` : undefined);

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /**
   * Jobs with the same id are added once while one waits or runs (one that ended, or failed for
   * good, does not hold it). A coalescing job's key is its id: one given here is not used, since a
   * second key would let the job run beside another run of its key.
   */
  jobId?: string;
}

/** What a handler may ask of the runner besides success: run again at a time, without counting a failure. */
export type JobResult = void | { retryAt: Date };
export type JobHandler<P> = (payload: P) => Promise<JobResult>;

/** When a scheduled job runs: every so many milliseconds, or on a cron pattern in a time zone. */
export type Schedule = { everyMs: number } | { cron: string; timeZone: string };

/**
 * Per queue: jobs waiting (due, not started), delayed, active, and failed for good (the dead
 * letters, which the sweep tries again); and how long the oldest waiting job has waited, in
 * milliseconds (0 when none waits): a queue whose consumers are stuck shows it growing.
 */
export type QueueStats = Record<QueueName, { waiting: number; delayed: number; active: number; failed: number; oldestWaitingMs: number }>;

/** Dead letters tried again by one `retryDeadLetters` call, per queue. */
export type DeadLetterRetries = Partial<Record<QueueName, number>>;

/**
 * The job interface both backends implement: the in-process runner (embedded default) and BullMQ
 * (REDIS_URL). Nothing outside jobs/ knows which one runs.
 */
export interface JobRunner {
  enqueue<P>(job: JobDefinition<P>, payload: P, opts?: EnqueueOptions): Promise<void>;
  /** Several of one job at once (one round trip on Redis). */
  enqueueMany<P>(job: JobDefinition<P>, items: ReadonlyArray<{ payload: P; opts?: EnqueueOptions }>): Promise<void>;
  /**
   * Runs `job` at once in this process when this process handles it and has room for one more
   * of its queue (a hop through the queue saved where a user waits for the result: a nudge's
   * send after its analysis); otherwise it is enqueued. Resolves once the job has started here or
   * is queued, not when it is done. A run here that fails, or asks to run later, is enqueued then
   * (with the job's retries), so nothing is done twice and nothing is lost that `enqueue` keeps.
   */
  runSoon<P>(job: JobDefinition<P>, payload: P): Promise<void>;
  /** Runs `job` on a schedule, under a stable id (scheduling the same id again replaces it). */
  schedule<P>(id: string, job: JobDefinition<P>, when: Schedule, payload: P): Promise<void>;
  /** Removes schedules whose id starts with `prefix` and is not in `keep`. */
  unscheduleExcept(prefix: string, keep: readonly string[]): Promise<void>;
  /** This process runs `job` with `handler`; call before `start`. */
  handle<P>(job: JobDefinition<P>, handler: JobHandler<P>): void;
  /** Starts consuming the queues of the handled jobs. */
  start(): Promise<void>;
  stats(): Promise<QueueStats>;
  /**
   * Jobs that failed for good, except those that never can succeed, run again (with their full
   * attempts) once their dead-letter backoff has passed (`deadLetterDelay`). Looks at a bounded
   * page per queue and call, continuing where the last call stopped.
   */
  retryDeadLetters(): Promise<DeadLetterRetries>;
  /** Checks the backend is reachable; throws naming it if not. */
  ping(): Promise<void>;
  /** Stops taking jobs and waits for running ones, at most `deadlineMs`. */
  close(deadlineMs?: number): Promise<void>;
}

/** Thrown by a handler for input that can never succeed: not retried. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/** The delay before try `attempt` + 1, `scale` times the definition's (RETRY_BACKOFF_SCALE). */
export const backoffDelay = (def: JobDefinition<unknown>, attempt: number, scale = 1): number => def.backoffMs * scale * 2 ** (attempt - 1);

/** The longest a dead letter waits before it is tried again. */
export const DEAD_LETTER_MAX_DELAY_MS = 3_600_000;

/**
 * How long after failing for good a job is tried again: its own exponential backoff carried on
 * past its last attempt, doubling at each further failure, at most an hour. `backoffMs` is the
 * job's scaled first retry delay; `revivals` how often the sweep has tried it again already.
 */
export const deadLetterDelay = (backoffMs: number, attempts: number, revivals: number): number =>
  Math.min(DEAD_LETTER_MAX_DELAY_MS, backoffMs * 2 ** (attempts - 1 + revivals));
