/**
 * Coalesced jobs on BullMQ (JobDefinition.coalesce, BullMQ's deduplication with keepLastIfActive):
 * a burst of dispatches for one key while none runs is one run; dispatches while it runs are one
 * more run, after it, never beside it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../core/logger.ts';
import { BullMqRunner } from '../../jobs/bullmq.ts';
import { defineJob } from '../../jobs/define.ts';
import { deleteKeys, REDIS_URL, until } from './stack.ts';

const partition = defineJob({
  name: 'analyze-partition',
  queue: 'analyze',
  schema: z.object({ partition: z.number() }).strict(),
  attempts: 2,
  backoffMs: 100,
  coalesce: ({ partition }) => String(partition),
});

describe('coalesced jobs on BullMQ', () => {
  const prefix = `dwtest${randomBytes(4).toString('hex')}`;
  const runner = new BullMqRunner({ url: REDIS_URL, log: createLogger({ level: 'silent' }), prefix });
  afterAll(async () => {
    await runner.close(1_000);
    await deleteKeys(prefix);
  });

  it('runs a burst once, and what comes while it runs once after it', async () => {
    const runs: number[] = [];
    const active = new Set<number>();
    let overlapped = false;
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    runner.handle(partition, async ({ partition: p }) => {
      // Two partitions may run side by side; one partition never twice at once.
      if (active.has(p)) overlapped = true;
      active.add(p);
      runs.push(p);
      if (runs.length === 1) await held;
      active.delete(p);
    });
    // Queued before any worker runs: one job for partition 3, one for 5.
    await runner.enqueueMany(
      partition,
      [3, 3, 3, 5, 3].map((p) => ({ payload: { partition: p } })),
    );
    await runner.start();
    await until(async () => runs.length >= 1, 10_000, 'the first run');
    // While partition 3 (or 5) runs: more of the same.
    await runner.enqueueMany(
      partition,
      [runs[0]!, runs[0]!, runs[0]!].map((p) => ({ payload: { partition: p } })),
    );
    release();
    await until(async () => runs.length >= 3, 10_000, 'three runs');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(runs.toSorted()).toEqual([runs[0]!, 3, 5].toSorted());
    expect(runs.filter((p) => p === runs[0]).length).toBe(2);
    expect(overlapped).toBe(false);
  }, 30_000);
});
