/**
 * The embedded default job runner: jobs run in this process, one at a time (PGlite is a single
 * connection anyway), delayed jobs wait on the clock. It keeps nothing durable: on start the app
 * re-dispatches from the database (unanalysed messages, pending timers and deliveries), so a
 * restart loses nothing.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { JOBS, PermanentJobError, type EnqueueOptions, type JobHandlers, type JobName, type JobPayload, type JobRunner } from './definitions.ts';

interface QueuedJob {
  name: JobName;
  payload: unknown;
  runAt: number;
  attempt: number;
  jobId?: string;
  seq: number;
}

export class InProcessRunner implements JobRunner {
  #queue: QueuedJob[] = [];
  #ids = new Set<string>();
  #handlers: Partial<JobHandlers> | null = null;
  #running = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #seq = 0;
  #idle: Array<() => void> = [];
  readonly #clock: Clock;
  readonly #log: Logger;
  /** With a manual clock nothing runs by itself: the owner calls `drain` after moving time. */
  readonly #autoRun: boolean;

  constructor(opts: { clock: Clock; log: Logger; autoRun?: boolean }) {
    this.#clock = opts.clock;
    this.#log = opts.log.child({ component: 'jobs' });
    this.#autoRun = opts.autoRun ?? true;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts: EnqueueOptions = {}): Promise<void> {
    if (this.#closed) throw new Error('job runner is closed');
    JOBS[name].schema.parse(payload);
    if (opts.jobId !== undefined) {
      if (this.#ids.has(opts.jobId)) return;
      this.#ids.add(opts.jobId);
    }
    const job: QueuedJob = {
      name,
      payload,
      runAt: this.#clock.now().getTime() + Math.max(0, opts.delayMs ?? 0),
      attempt: 1,
      seq: this.#seq++,
      ...(opts.jobId !== undefined ? { jobId: opts.jobId } : {}),
    };
    this.#queue.push(job);
    this.#schedule();
  }

  async start(handlers: Partial<JobHandlers>): Promise<void> {
    this.#handlers = handlers;
    this.#schedule();
  }

  /** Runs every job that is due now, including jobs those jobs enqueue, then resolves. */
  async drain(): Promise<void> {
    await this.#run();
    if (this.#running) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Jobs waiting, due or not. */
  get size(): number {
    return this.#queue.length;
  }

  /** When the next delayed job is due, if any. */
  nextRunAt(): Date | null {
    const runnable = this.#queue.filter((j) => this.#handlers?.[j.name]);
    if (runnable.length === 0) return null;
    return new Date(Math.min(...runnable.map((j) => j.runAt)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#running) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (!this.#autoRun || !this.#handlers || this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    const next = this.nextRunAt();
    if (!next) return;
    const wait = Math.max(0, next.getTime() - this.#clock.now().getTime());
    // setTimeout caps at ~24.8 days; a longer wait simply re-checks then.
    this.#timer = setTimeout(() => void this.#run(), Math.min(wait, 2 ** 31 - 1));
    this.#timer.unref();
  }

  #takeDue(): QueuedJob | undefined {
    const now = this.#clock.now().getTime();
    let best = -1;
    for (let i = 0; i < this.#queue.length; i++) {
      const j = this.#queue[i]!;
      // A job this process does not run stays queued (a one-shot command runs only some).
      if (j.runAt > now || !this.#handlers?.[j.name]) continue;
      const b = this.#queue[best];
      if (!b || j.runAt < b.runAt || (j.runAt === b.runAt && j.seq < b.seq)) best = i;
    }
    return best < 0 ? undefined : this.#queue.splice(best, 1)[0];
  }

  async #run(): Promise<void> {
    if (this.#running || !this.#handlers) return;
    this.#running = true;
    try {
      for (let job = this.#takeDue(); job && !this.#closed; job = this.#takeDue()) {
        // Like BullMQ, the id stays taken while the job runs or waits for a retry.
        const again = await this.#execute(job);
        if (!again && job.jobId !== undefined) this.#ids.delete(job.jobId);
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      this.#schedule();
    }
  }

  /** Runs one job; true when it was queued again (a retry or a requested later run). */
  async #execute(job: QueuedJob): Promise<boolean> {
    const def = JOBS[job.name];
    const handler = this.#handlers![job.name] as (p: unknown) => Promise<void | { retryAt: Date }>;
    try {
      const result = await handler(def.schema.parse(job.payload));
      if (result && 'retryAt' in result) {
        this.#queue.push({ ...job, runAt: result.retryAt.getTime(), seq: this.#seq++ });
        return true;
      }
      return false;
    } catch (err) {
      const permanent = err instanceof PermanentJobError || (err instanceof Error && err.name === 'ZodError');
      if (permanent || job.attempt >= def.attempts) {
        this.#log.error({ err, job: job.name, attempt: job.attempt }, 'job failed for good');
        return false;
      }
      const delay = def.backoffMs * 2 ** (job.attempt - 1);
      this.#log.warn({ err, job: job.name, attempt: job.attempt, retryInMs: delay }, 'job failed, retrying');
      this.#queue.push({ ...job, attempt: job.attempt + 1, runAt: this.#clock.now().getTime() + delay, seq: this.#seq++ });
      return true;
    }
  }
}
