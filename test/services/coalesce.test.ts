/**
 * Coalesced jobs on BullMQ (JobDefinition.coalesce, BullMQ's deduplication with keepLastIfActive):
 * a burst of dispatches for one key while none runs is one run; dispatches while it runs are one
 * more run, after it, never beside it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('a coalesced job dispatched under an id of its own, or run again as a dead letter', () => {
  const prefix = `dwtest${randomBytes(4).toString('hex')}`;
  const runner = new BullMqRunner({ url: REDIS_URL, log: createLogger({ level: 'silent' }), prefix, concurrency: { analyze: 4 }, backoffScale: 0.01 });
  afterAll(async () => {
    await runner.close(1_000);
    await deleteKeys(prefix);
  });

  /** Per partition: what its runs did, how many ran at once at most, and the one run held until released. */
  const runs = new Map<number, string[]>();
  const active = new Map<number, number>();
  const most = new Map<number, number>();
  let release: () => void = () => {};
  let held: Promise<void> | null = null;
  const hold = () => (held = new Promise<void>((r) => (release = r)));
  const failing = new Set<number>();
  const ranOf = (p: number) => runs.get(p) ?? [];

  beforeAll(async () => {
    runner.handle(partition, async ({ partition: p }) => {
      active.set(p, (active.get(p) ?? 0) + 1);
      most.set(p, Math.max(most.get(p) ?? 0, active.get(p)!));
      try {
        runs.set(p, [...ranOf(p), failing.has(p) ? 'failed' : 'ran']);
        if (failing.has(p)) throw new Error('down');
        const h = held;
        held = null;
        if (h) await h;
      } finally {
        active.set(p, active.get(p)! - 1);
      }
    });
    await runner.start();
  });

  it('waits for the run of its key, with room for it beside (the sweep dispatches with ids)', async () => {
    hold();
    await runner.enqueue(partition, { partition: 1 });
    await until(async () => ranOf(1).length >= 1, 10_000, 'the first run');
    await runner.enqueue(partition, { partition: 1 }, { jobId: 'sweep-analyze-1' });
    await runner.enqueueMany(partition, [{ payload: { partition: 1 }, opts: { jobId: 'sweep-analyze-1b' } }]);
    // Kept to be created when the run ends: nothing waits or runs beside it.
    expect((await runner.stats()).analyze).toMatchObject({ waiting: 0, active: 1 });
    release();
    await until(async () => ranOf(1).length >= 2, 10_000, 'the run after');
    await until(async () => (await runner.stats()).analyze.active === 0, 10_000, 'both runs ended');
    expect(ranOf(1)).toEqual(['ran', 'ran']);
    expect(most.get(1)).toBe(1);
  }, 30_000);

  it('a dead letter run again while its key runs waits for that run', async () => {
    failing.add(2);
    await runner.enqueue(partition, { partition: 2 });
    await until(async () => (await runner.stats()).analyze.failed === 1, 10_000, 'a dead letter');
    failing.delete(2);
    hold();
    await runner.enqueue(partition, { partition: 2 });
    await until(async () => ranOf(2).length === 3, 10_000, 'a run of the key');
    // Its backoff (2 ms at this scale) has long passed: revived, and kept until the run ends.
    expect(await runner.retryDeadLetters()).toEqual({ analyze: 1 });
    expect((await runner.stats()).analyze).toMatchObject({ waiting: 0, active: 1, failed: 0 });
    release();
    await until(async () => ranOf(2).length === 4, 10_000, 'the revived run');
    expect(ranOf(2)).toEqual(['failed', 'failed', 'ran', 'ran']);
    expect(most.get(2)).toBe(1);
  }, 30_000);
});
