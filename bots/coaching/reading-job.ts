/**
 * The `apply-reading` job: a reading event whose listener did not apply it (it failed, or its
 * process died before it ran) is found by the sweep and applied here, from its kept row.
 */
import { z } from 'zod';
import { pendingReading } from '../../db/queries/reading.ts';
import { defineJob, type JobHandler } from '../../jobs/define.ts';
import type { ReadingEvent } from '../documents/reading.ts';
import { applyReading, type ReadingDeps } from './reading.ts';

export const applyReadingJob = defineJob({
  name: 'apply-reading',
  queue: 'timers',
  schema: z.object({ readingId: z.string().min(1) }).strict(),
  attempts: 5,
  backoffMs: 2_000,
});

/** The event as JSON gave it back: its time a Date again. */
export function revive(event: unknown): ReadingEvent {
  const e = event as ReadingEvent & { at: string };
  return { ...e, at: new Date(e.at) };
}

export function applyReadingHandler(deps: ReadingDeps): JobHandler<{ readingId: string }> {
  return async ({ readingId }) => {
    const event = await pendingReading(deps.database.sql, readingId);
    if (event === null) return;
    await applyReading(deps, revive(event), readingId);
  };
}
