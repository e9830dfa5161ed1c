/**
 * The sweep: the database is the source of truth and the queue only dispatches, so whatever the
 * queue lost (Redis restarted, a dispatch failed while it was down, a job failed for good during
 * a database outage) is found here and dispatched again. It runs on a schedule in every
 * deployment (embedded too), never overlaps itself (an advisory lock), and each of its queries is
 * bounded: one probe per slot, and a page of commands and of deliveries, each sweep continuing
 * after the last one's page, so a backlog larger than a page is walked through. Rows younger
 * than the settle time are left to the job already on its way. Jobs that failed for good (the
 * dead letters) are run again once their backoff has passed.
 */
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Platform } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import {
  hasOverdueTimers,
  type PageCursor,
  pendingCommands,
  pendingDeliveries,
  pendingReadingIds,
  slotsWithPending,
  trySweepLock,
} from '../../db/queries/sweep.ts';
import { type DeadLetterRetries, defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import { analyzeJob } from '../analysis/analyze-job.ts';
import { applyReadingJob } from '../coaching/reading-job.ts';
import { fireTimersJob } from '../coaching/timer-job.ts';
import { commandJob } from '../commands/command-job.ts';
import { partitionOf, SLOTS } from '../ingest/slots.ts';
import type { Metrics } from '../metrics.ts';
import { dispatchSends } from '../outbound/send-job.ts';

export const sweepJob = defineJob({ name: 'sweep', queue: 'maintenance', schema: z.object({}).strict(), attempts: 1, backoffMs: 1_000 });

/** Most commands, and most deliveries, one sweep dispatches. */
export const SWEEP_PAGE = 1_000;
/**
 * A kept reading event is normally applied by its listener within the viewer's request; the sweep
 * leaves it this long to that listener (however short the deployment's settle time).
 */
export const READING_SETTLE_MS = 30_000;
/**
 * Timers are fired by their own schedule every few seconds; one still pending this long after it
 * fell due means that schedule is not running (a scheduler lost or stalled in the queue): the
 * sweep runs the timer job itself.
 */
export const TIMER_OVERDUE_MS = 60_000;
const ALL_SLOTS = Array.from({ length: SLOTS }, (_, i) => i);

export interface SweepDeps {
  database: Database;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  runner: JobRunner;
  partitions: number;
  liveOnly: ReadonlySet<Platform>;
  settleMs: number;
  leaseMs: number;
  /** Where this process's next sweep pages start; a fresh process starts from the oldest rows. */
  cursor: SweepCursor;
}

export interface SweepCursor {
  commands: PageCursor | null;
  deliveries: PageCursor | null;
  readings: PageCursor | null;
}

export const newSweepCursor = (): SweepCursor => ({ commands: null, deliveries: null, readings: null });

export interface SweepCounts {
  partitions: number;
  commands: number;
  deliveries: number;
  /** Reading events no listener applied. */
  readings: number;
  /** 1 when timers were overdue and the timer job was run from here. */
  timers: number;
  /** Dead letters run again. */
  retried: number;
}

export function sweepHandler(deps: SweepDeps): JobHandler<Record<string, never>> {
  return async () => {
    await sweep(deps);
  };
}

export async function sweep(deps: SweepDeps, opts: { settleMs?: number; page?: number } = {}): Promise<SweepCounts | null> {
  const page = opts.page ?? SWEEP_PAGE;
  let retried: DeadLetterRetries = {};
  const counts = await deps.database.transaction(async (tx) => {
    if (!(await trySweepLock(tx))) return null;
    const now = deps.clock.now();
    const settled = new Date(now.getTime() - (opts.settleMs ?? deps.settleMs) + 1);
    const slots = await slotsWithPending(tx, ALL_SLOTS, settled);
    const partitions = [...new Set(slots.map((s) => partitionOf(s, deps.partitions)))];
    const commands = await pendingCommands(tx, settled, page, deps.cursor.commands);
    const deliveries = await pendingDeliveries(tx, now, settled, new Date(now.getTime() - deps.leaseMs), page, deps.cursor.deliveries);
    const readingsBefore = new Date(Math.min(settled.getTime(), now.getTime() - READING_SETTLE_MS));
    const readings = await pendingReadingIds(tx, readingsBefore, page, deps.cursor.readings);
    const timersLate = await hasOverdueTimers(tx, new Date(Math.min(settled.getTime(), now.getTime() - TIMER_OVERDUE_MS)));
    // Ids so that sweeps add nothing while their own job for the same work waits or runs (a
    // backlog handled for minutes would otherwise gain a job at every sweep). An analysis job needs
    // none: its partition coalesces it with the ingest's (one waits at most, never two run).
    await deps.runner.enqueueMany(
      analyzeJob,
      partitions.map((partition) => ({ payload: { partition } })),
    );
    await deps.runner.enqueueMany(
      commandJob,
      commands.map(({ id }) => ({ payload: { messageId: id }, opts: { jobId: `command-${id}` } })),
    );
    await dispatchSends(deps.runner, deps.liveOnly, deliveries);
    await deps.runner.enqueueMany(
      applyReadingJob,
      readings.map(({ id }) => ({ payload: { readingId: id }, opts: { jobId: `reading-${id}` } })),
    );
    // Takes what is due whoever runs it (rows another run holds are skipped): an extra run is harmless.
    if (timersLate) await deps.runner.enqueue(fireTimersJob, {}, { jobId: 'sweep-fire-timers' });
    // Inside the lock, so two sweeps never run the same dead letter again.
    retried = await deps.runner.retryDeadLetters();
    // A full page: the next sweep goes on after it; a short one: the next starts from the oldest.
    deps.cursor.commands = commands.length === page ? { at: commands.at(-1)!.at, id: commands.at(-1)!.id } : null;
    deps.cursor.deliveries = deliveries.length === page ? { at: deliveries.at(-1)!.at, id: deliveries.at(-1)!.id } : null;
    deps.cursor.readings = readings.length === page ? { at: readings.at(-1)!.at, id: readings.at(-1)!.id } : null;
    return {
      partitions: partitions.length,
      commands: commands.length,
      deliveries: deliveries.length,
      readings: readings.length,
      timers: timersLate ? 1 : 0,
      retried: Object.values(retried).reduce((a, n) => a + n, 0),
    };
  });
  if (counts) {
    deps.metrics.sweepsRun.inc();
    for (const [queue, n] of Object.entries(retried)) deps.metrics.deadLettersRetried.inc({ queue }, n);
    for (const [found, n] of Object.entries(counts)) if (n > 0 && found !== 'retried') deps.metrics.sweeps.inc({ found }, n);
    if (counts.partitions + counts.commands + counts.deliveries + counts.readings + counts.timers + counts.retried > 0)
      deps.log.info(counts, 'sweep dispatched unfinished work');
  }
  return counts;
}
