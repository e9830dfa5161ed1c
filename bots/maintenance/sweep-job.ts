/**
 * The sweep: the database is the source of truth and the queue only dispatches, so whatever the
 * queue lost (Redis restarted, a dispatch failed while it was down, a job failed for good during
 * a database outage) is found here and dispatched again, with fresh job ids. It runs on a
 * schedule in every deployment (embedded too), never overlaps itself (an advisory lock), and each
 * of its queries is bounded: one probe per slot, and pages for commands and deliveries. Rows
 * younger than the settle time are left to the job already on its way.
 */
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Platform } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { pendingCommands, pendingDeliveries, slotsWithPending, trySweepLock } from '../../db/queries/sweep.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import { analyzeJob } from '../analysis/analyze-job.ts';
import { commandJob } from '../commands/command-job.ts';
import { partitionOf, SLOTS } from '../ingest/slots.ts';
import type { Metrics } from '../metrics.ts';
import { dispatchSends } from '../outbound/send-job.ts';

export const sweepJob = defineJob({ name: 'sweep', queue: 'maintenance', schema: z.object({}).strict(), attempts: 1, backoffMs: 1_000 });

const PAGE = 1_000;
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
}

export interface SweepCounts {
  partitions: number;
  commands: number;
  deliveries: number;
}

export function sweepHandler(deps: SweepDeps): JobHandler<Record<string, never>> {
  return async () => {
    await sweep(deps);
  };
}

export async function sweep(deps: SweepDeps, opts: { settleMs?: number } = {}): Promise<SweepCounts | null> {
  const counts = await deps.database.transaction(async (tx) => {
    if (!(await trySweepLock(tx))) return null;
    const now = deps.clock.now();
    const settled = new Date(now.getTime() - (opts.settleMs ?? deps.settleMs) + 1);
    const slots = await slotsWithPending(tx, ALL_SLOTS, settled);
    const partitions = [...new Set(slots.map((s) => partitionOf(s, deps.partitions)))];
    const commands = await pendingCommands(tx, settled, PAGE);
    const deliveries = await pendingDeliveries(tx, now, settled, new Date(now.getTime() - deps.leaseMs), PAGE);
    await deps.runner.enqueueMany(
      analyzeJob,
      partitions.map((partition) => ({ payload: { partition } })),
    );
    await deps.runner.enqueueMany(
      commandJob,
      commands.map((messageId) => ({ payload: { messageId } })),
    );
    await dispatchSends(deps.runner, deps.liveOnly, deliveries);
    return { partitions: partitions.length, commands: commands.length, deliveries: deliveries.length };
  });
  if (counts) {
    for (const [found, n] of Object.entries(counts)) if (n > 0) deps.metrics.sweeps.inc({ found }, n);
    if (counts.partitions + counts.commands + counts.deliveries > 0) deps.log.info(counts, 'sweep dispatched unfinished work');
  }
  return counts;
}
