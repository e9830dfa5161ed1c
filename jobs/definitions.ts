/**
 * One definition per job: its name, payload schema and retry options. Payloads carry row ids
 * only, never tokens or message text; the database is the source of truth and the queue only
 * dispatches.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);

/** Queues: analysis and timers are the workers' (CPU, database); sends are I/O on adapters. */
export const QUEUES = ['analyze', 'timers', 'send', 'send-live', 'reports'] as const;
export type QueueName = (typeof QUEUES)[number];

export const JOBS = {
  /** Analyse a stored message: actions, stage, coaching, command answers. */
  'analyze-message': {
    queue: 'analyze',
    schema: z.object({ messageId: id }).strict(),
    attempts: 5,
    backoffMs: 1_000,
  },
  /** A timer's nudge time has come: nudge the rep unless the expectation was met. */
  'fire-timer': {
    queue: 'timers',
    schema: z.object({ timerId: id }).strict(),
    attempts: 5,
    backoffMs: 5_000,
  },
  /** Send one outbound delivery through its platform adapter. */
  'send-delivery': {
    queue: 'send',
    schema: z.object({ deliveryId: id }).strict(),
    attempts: 8,
    backoffMs: 2_000,
  },
  /**
   * The same, for a platform whose sender needs the live connection only a web process holds
   * (the WeCom intelligent bot): consumed by web processes only.
   */
  'send-delivery-live': {
    queue: 'send-live',
    schema: z.object({ deliveryId: id }).strict(),
    attempts: 8,
    backoffMs: 2_000,
  },
  /** A manager's weekly team digest, due Monday 09:00 in the organisation's time zone. */
  'weekly-digest': {
    queue: 'reports',
    schema: z.object({ personId: id }).strict(),
    attempts: 3,
    backoffMs: 60_000,
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['schema']>;

export interface EnqueueOptions {
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Jobs with the same id are added once while one is waiting. */
  jobId?: string;
}

/** What a handler may ask of the runner besides success: try again later, without counting a failure. */
export type JobResult = void | { retryAt: Date };

export type JobHandlers = { [N in JobName]: (payload: JobPayload<N>) => Promise<JobResult> };

/** Job ids: BullMQ refuses ':' in them. The same id while a job waits means it is added once. */
export const jobIds = {
  analyze: (messageId: string) => `analyze-${messageId}`,
  send: (deliveryId: string) => `send-${deliveryId}`,
  /** One per scheduled time, so a timer moved later gets its own job. */
  timer: (timerId: string, nudgeAt: Date) => `timer-${timerId}-${nudgeAt.getTime()}`,
};

/** The small job interface both backends implement: the in-process runner and BullMQ. */
export interface JobRunner {
  enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts?: EnqueueOptions): Promise<void>;
  /** Starts consuming the queues of the handlers given (a web process may take only some). */
  start(handlers: Partial<JobHandlers>): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a handler for input that can never succeed: not retried. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}
