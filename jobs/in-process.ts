/**
 * The embedded default job runner: jobs run in this process, each queue with its own concurrency
 * (a stuck send never holds up analysis), delayed jobs wait on the clock in a heap per queue. A
 * job that fails for good is kept as a dead letter, which the sweep runs again after a backoff.
 * It keeps nothing durable: the sweep re-dispatches from the database what is unfinished, so a
 * restart loses nothing.
 */
import { CronExpressionParser } from 'cron-parser';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import {
  backoffDelay,
  coalesceKeyOf,
  type DeadLetterRetries,
  deadLetterDelay,
  type EnqueueOptions,
  type JobDefinition,
  type JobHandler,
  type JobRunner,
  PermanentJobError,
  QUEUES,
  type QueueName,
  type QueueStats,
  type Schedule,
} from './define.ts';
import { MinHeap } from './heap.ts';

interface QueuedJob {
  def: JobDefinition<unknown>;
  payload: unknown;
  runAt: number;
  attempt: number;
  seq: number;
  jobId?: string;
  /** The job's coalescing key (JobDefinition.coalesce). */
  coalesceKey?: string;
  /** Set for a scheduled job: its next run is queued when this one ends. */
  scheduleId?: string;
  /** How often the sweep has run it again after it failed for good. */
  revivals: number;
}

interface DeadLetter {
  job: QueuedJob;
  failedAt: number;
  /** Can never succeed (a permanent error, an invalid payload): kept to be seen, not retried. */
  permanent: boolean;
}

interface Lane {
  waiting: MinHeap<QueuedJob>;
  active: number;
  concurrency: number;
  dead: DeadLetter[];
}

/** Dead letters kept per queue, the oldest dropped first (BullMQ's removeOnFail count). */
const DEAD_LETTERS_KEPT = 10_000;

/** Jobs of one queue run this many at a time in-process; PGlite is one connection, so the database ones take turns. */
export const IN_PROCESS_CONCURRENCY: Record<QueueName, number> = {
  analyze: 1,
  commands: 1,
  timers: 1,
  send: 4,
  'send-live': 4,
  reports: 1,
  maintenance: 1,
};

export class InProcessRunner implements JobRunner {
  readonly #lanes = new Map<QueueName, Lane>();
  readonly #handlers = new Map<string, JobHandler<unknown>>();
  readonly #ids = new Set<string>();
  /**
   * Coalescing keys with a job waiting or running. Another job with a waiting key adds nothing; one
   * with a running key is kept (the last one) in `#after` and queued when that run ends, so a key
   * never runs twice at once, whatever the lane's concurrency.
   */
  readonly #coalescing = new Map<string, 'waiting' | 'running'>();
  readonly #after = new Map<string, QueuedJob>();
  readonly #schedules = new Map<string, { def: JobDefinition<unknown>; when: Schedule; payload: unknown }>();
  readonly #running = new Set<Promise<void>>();
  readonly #clock: Clock;
  readonly #log: Logger;
  /** With a manual clock nothing runs by itself: the owner calls `drain` after moving time. */
  readonly #autoRun: boolean;
  #started = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #seq = 0;

  /** RETRY_BACKOFF_SCALE: every retry delay times this. */
  readonly #backoffScale: number;

  constructor(opts: {
    clock: Clock;
    log: Logger;
    autoRun?: boolean;
    concurrency?: Partial<Record<QueueName, number>>;
    backoffScale?: number;
  }) {
    this.#clock = opts.clock;
    this.#log = opts.log.child({ component: 'jobs' });
    this.#autoRun = opts.autoRun ?? true;
    this.#backoffScale = opts.backoffScale ?? 1;
    for (const q of QUEUES) {
      this.#lanes.set(q, {
        waiting: new MinHeap((a, b) => a.runAt < b.runAt || (a.runAt === b.runAt && a.seq < b.seq)),
        active: 0,
        concurrency: opts.concurrency?.[q] ?? IN_PROCESS_CONCURRENCY[q],
        dead: [],
      });
    }
  }

  async enqueue<P>(def: JobDefinition<P>, payload: P, opts: EnqueueOptions = {}): Promise<void> {
    this.#add(def as JobDefinition<unknown>, payload, opts);
    this.#wake();
  }

  async enqueueMany<P>(def: JobDefinition<P>, items: ReadonlyArray<{ payload: P; opts?: EnqueueOptions }>): Promise<void> {
    for (const it of items) this.#add(def as JobDefinition<unknown>, it.payload, it.opts ?? {});
    this.#wake();
  }

  /** Jobs already run in this process: the queue is the quickest way there. */
  runSoon<P>(def: JobDefinition<P>, payload: P): Promise<void> {
    return this.enqueue(def, payload);
  }

  async schedule<P>(id: string, def: JobDefinition<P>, when: Schedule, payload: P): Promise<void> {
    const first = !this.#schedules.has(id);
    this.#schedules.set(id, { def: def as JobDefinition<unknown>, when, payload });
    if (first) this.#queueScheduled(id);
  }

  async unscheduleExcept(prefix: string, keep: readonly string[]): Promise<void> {
    for (const id of [...this.#schedules.keys()]) if (id.startsWith(prefix) && !keep.includes(id)) this.#schedules.delete(id);
  }

  handle<P>(def: JobDefinition<P>, handler: JobHandler<P>): void {
    this.#handlers.set(def.name, handler as JobHandler<unknown>);
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#wake();
  }

  async stats(): Promise<QueueStats> {
    const now = this.#clock.now().getTime();
    const out = {} as QueueStats;
    for (const [q, lane] of this.#lanes) {
      const head = lane.waiting.peek();
      // The heap does not split waiting from delayed cheaply; the head tells whether anything is
      // due, and since when: it is the job due first.
      const due = head !== undefined && head.runAt <= now;
      out[q] = {
        waiting: due ? lane.waiting.size : 0,
        delayed: due ? 0 : lane.waiting.size,
        active: lane.active,
        failed: lane.dead.length,
        oldestWaitingMs: due ? now - head.runAt : 0,
      };
    }
    return out;
  }

  async retryDeadLetters(): Promise<DeadLetterRetries> {
    const now = this.#clock.now().getTime();
    const out: DeadLetterRetries = {};
    if (this.#closed) return out;
    for (const [q, lane] of this.#lanes) {
      const keep: DeadLetter[] = [];
      for (const d of lane.dead) {
        const { job } = d;
        const wait = deadLetterDelay(job.def.backoffMs * this.#backoffScale, job.def.attempts, job.revivals);
        if (d.permanent || now < d.failedAt + wait) {
          keep.push(d);
          continue;
        }
        this.#queue(lane, { ...job, attempt: 1, revivals: job.revivals + 1, runAt: now, seq: this.#seq++ });
        out[q] = (out[q] ?? 0) + 1;
      }
      lane.dead = keep;
    }
    if (Object.keys(out).length > 0) this.#wake();
    return out;
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('job runner is closed');
  }

  /** Runs every job that is due now, and what those jobs enqueue that is due, then resolves. */
  async drain(): Promise<void> {
    for (;;) {
      this.#pump();
      if (this.#running.size === 0) return;
      await Promise.race(this.#running);
    }
  }

  /** Jobs waiting, due or not. */
  get size(): number {
    let n = 0;
    for (const lane of this.#lanes.values()) n += lane.waiting.size;
    return n;
  }

  /**
   * When the next job this process runs is due, if any. Jobs repeating every few seconds (the
   * timer tick, the sweep) are left out unless asked for: a test stepping a manual clock from due
   * job to due job would otherwise crawl in steps of seconds.
   */
  nextRunAt(opts: { periodic?: boolean } = {}): Date | null {
    let next = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes.values()) {
      for (const job of opts.periodic ? [lane.waiting.peek()] : lane.waiting.values()) {
        if (!job || !this.#handlers.has(job.def.name)) continue;
        if (!opts.periodic && job.scheduleId !== undefined && 'everyMs' in (this.#schedules.get(job.scheduleId)?.when ?? {})) continue;
        next = Math.min(next, job.runAt);
      }
    }
    return Number.isFinite(next) ? new Date(next) : null;
  }

  async close(deadlineMs = 10_000): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#running.size === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, deadlineMs);
      timeout.unref();
    });
    await Promise.race([Promise.allSettled([...this.#running]), deadline]);
    clearTimeout(timeout);
  }

  #add(def: JobDefinition<unknown>, payload: unknown, opts: EnqueueOptions, scheduleId?: string): void {
    if (this.#closed) throw new Error('job runner is closed');
    def.schema.parse(payload);
    // A coalescing job's key is its id: an id of its own is not kept.
    const coalesceKey = coalesceKeyOf(def, payload);
    const jobId = coalesceKey === undefined ? opts.jobId : undefined;
    if (jobId !== undefined) {
      if (this.#ids.has(jobId)) return;
      this.#ids.add(jobId);
    }
    this.#queue(this.#lanes.get(def.queue)!, {
      def,
      payload,
      runAt: this.#clock.now().getTime() + Math.max(0, opts.delayMs ?? 0),
      attempt: 1,
      revivals: 0,
      seq: this.#seq++,
      ...(jobId !== undefined ? { jobId } : {}),
      ...(coalesceKey !== undefined ? { coalesceKey } : {}),
      ...(scheduleId !== undefined ? { scheduleId } : {}),
    });
  }

  /** Queues a job, unless its coalescing key has one waiting (nothing to add) or running (then after it). */
  #queue(lane: Lane, job: QueuedJob): void {
    const key = job.coalesceKey;
    if (key !== undefined) {
      const state = this.#coalescing.get(key);
      if (state === 'waiting') return;
      if (state === 'running') {
        this.#after.set(key, job);
        return;
      }
      this.#coalescing.set(key, 'waiting');
    }
    lane.waiting.push(job);
  }

  /** A run of a coalescing key ended for good: the job kept for after it (if any) is queued now. */
  #release(lane: Lane, key: string): void {
    this.#coalescing.delete(key);
    const next = this.#after.get(key);
    if (next === undefined) return;
    this.#after.delete(key);
    this.#queue(lane, next);
  }

  #queueScheduled(id: string): void {
    const s = this.#schedules.get(id);
    if (!s || this.#closed) return;
    const now = this.#clock.now();
    const at =
      'everyMs' in s.when
        ? now.getTime() + s.when.everyMs
        : CronExpressionParser.parse(s.when.cron, { currentDate: now, tz: s.when.timeZone }).next().toDate().getTime();
    this.#add(s.def, s.payload, { delayMs: at - now.getTime() }, id);
  }

  #wake(): void {
    if (!this.#autoRun || !this.#started || this.#closed) return;
    this.#pump();
    if (this.#timer) clearTimeout(this.#timer);
    const next = this.nextRunAt({ periodic: true });
    if (!next) return;
    const wait = Math.max(0, next.getTime() - this.#clock.now().getTime());
    // setTimeout caps at ~24.8 days; a longer wait simply re-checks then.
    this.#timer = setTimeout(() => this.#wake(), Math.min(wait, 2 ** 31 - 1));
    this.#timer.unref();
  }

  /** Starts every due job whose queue has room. */
  #pump(): void {
    if (this.#closed) return;
    const now = this.#clock.now().getTime();
    for (const lane of this.#lanes.values()) {
      while (lane.active < lane.concurrency) {
        const head = lane.waiting.peek();
        // A job this process does not run stays queued (a one-shot command runs only some).
        if (!head || head.runAt > now || !this.#handlers.has(head.def.name)) break;
        lane.waiting.pop();
        // Started: a job coalescing with it now waits for this run to end.
        if (head.coalesceKey !== undefined) this.#coalescing.set(head.coalesceKey, 'running');
        lane.active++;
        const run: Promise<void> = this.#execute(head, lane).finally(() => {
          lane.active--;
          this.#running.delete(run);
          this.#wake();
        });
        this.#running.add(run);
      }
    }
  }

  async #execute(job: QueuedJob, lane: Lane): Promise<void> {
    const handler = this.#handlers.get(job.def.name)!;
    let again = false;
    try {
      const result = await handler(job.def.schema.parse(job.payload));
      if (result && 'retryAt' in result) {
        lane.waiting.push({ ...job, runAt: result.retryAt.getTime(), seq: this.#seq++ });
        again = true;
      }
    } catch (err) {
      const permanent = err instanceof PermanentJobError || (err instanceof Error && err.name === 'ZodError');
      if (permanent || job.attempt >= job.def.attempts) {
        this.#deadLetter(lane, job, permanent);
        this.#log.error({ err, job: job.def.name, attempt: job.attempt, revivals: job.revivals }, 'job failed for good; the sweep will try it again');
      } else {
        const delay = backoffDelay(job.def, job.attempt, this.#backoffScale);
        this.#log.warn({ err, job: job.def.name, attempt: job.attempt, retryInMs: delay }, 'job failed, retrying');
        lane.waiting.push({ ...job, attempt: job.attempt + 1, runAt: this.#clock.now().getTime() + delay, seq: this.#seq++ });
        again = true;
      }
    }
    // Like BullMQ, the id stays taken while the job runs or waits for a retry.
    if (!again && job.jobId !== undefined) this.#ids.delete(job.jobId);
    if (job.coalesceKey !== undefined) {
      // Its retry waits, and does all a job kept for after it would have done.
      if (again) {
        this.#coalescing.set(job.coalesceKey, 'waiting');
        this.#after.delete(job.coalesceKey);
      } else this.#release(lane, job.coalesceKey);
    }
    if (job.scheduleId !== undefined && !again) this.#queueScheduled(job.scheduleId);
  }

  #deadLetter(lane: Lane, job: QueuedJob, permanent: boolean): void {
    const schedule = job.scheduleId === undefined ? undefined : this.#schedules.get(job.scheduleId);
    // A periodic job's next run is its retry; a cron run (a weekly digest) is kept, as on BullMQ.
    if (schedule && 'everyMs' in schedule.when) return;
    // Tried again as a job of its own: its schedule has queued the next run already, and the id
    // is free for a new dispatch of the same work.
    const { scheduleId: _s, jobId: _j, ...plain } = job;
    lane.dead.push({ job: plain, failedAt: this.#clock.now().getTime(), permanent });
    if (lane.dead.length > DEAD_LETTERS_KEPT) lane.dead.shift();
  }
}
