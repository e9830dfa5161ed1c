/**
 * The BullMQ runner on the real Redis: an id keeps a second add out only while its job waits or
 * runs (not once it failed for good, which BullMQ's own job ids would); a job that failed for good
 * stays as a dead letter until the sweep's `retryDeadLetters` runs it again under a new id once
 * its backoff has passed; a job that can never succeed is left alone, and a periodic job leaves no
 * dead letter. `stats` says how long the oldest job has waited.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../core/logger.ts';
import { BullMqRunner } from '../../jobs/bullmq.ts';
import { defineJob, PermanentJobError } from '../../jobs/define.ts';
import { REDIS_URL, until } from './stack.ts';

const flaky = defineJob({ name: 'flaky', queue: 'analyze', schema: z.object({ id: z.string() }).strict(), attempts: 2, backoffMs: 100 });
const tick = defineJob({ name: 'tick', queue: 'timers', schema: z.object({}).strict(), attempts: 1, backoffMs: 100 });
const report = defineJob({ name: 'report', queue: 'reports', schema: z.object({}).strict(), attempts: 1, backoffMs: 100 });

describe('BullMQ dead letters', () => {
  const runners: BullMqRunner[] = [];
  const runner = () => {
    const r = new BullMqRunner({ url: REDIS_URL, log: createLogger({ level: 'silent' }), prefix: `dwtest${randomBytes(4).toString('hex')}` });
    runners.push(r);
    return r;
  };
  afterEach(async () => {
    for (const r of runners.splice(0)) {
      const keys = await r.redis.keys(`${r.prefix}:*`);
      if (keys.length > 0) await r.redis.del(...keys);
      await r.close(1_000);
    }
  });

  it('takes an id again once its job failed for good, and runs a dead letter again once its backoff has passed', async () => {
    const jobs = runner();
    const calls: string[] = [];
    let failing = true;
    jobs.handle(flaky, async ({ id }) => {
      calls.push(id);
      if (failing) throw new Error('database unreachable');
      if (id === 'never') throw new PermanentJobError('never valid');
    });
    await jobs.enqueue(flaky, { id: 'a' }, { jobId: 'flaky-a' });
    await jobs.enqueue(flaky, { id: 'a' }, { jobId: 'flaky-a' });
    await jobs.enqueue(flaky, { id: 'never' }, { jobId: 'flaky-never' });
    await jobs.start();
    await until(async () => (await jobs.stats()).analyze.failed === 2, 10_000, 'both jobs to fail for good');
    // The second add waited beside the first and was left out: two tries each.
    expect([...calls].sort()).toEqual(['a', 'a', 'never', 'never']);

    // What stranded work before: BullMQ ignored an add while a failed job held the id.
    await jobs.enqueue(flaky, { id: 'a' }, { jobId: 'flaky-a' });
    await until(async () => (await jobs.stats()).analyze.failed === 3, 10_000, 'the new add to run, and fail for good too');
    expect(calls.filter((c) => c === 'a')).toHaveLength(4);

    failing = false;
    // 100 ms · 2^(2-1): 200 ms after the failure, all three are due; `never` now fails permanently.
    let revived = 0;
    await until(
      async () => {
        revived += (await jobs.retryDeadLetters()).analyze ?? 0;
        return revived === 3;
      },
      5_000,
      'the dead letters to be due',
    );
    await until(async () => calls.length === 9, 5_000, 'the revived jobs to run');
    await until(async () => (await jobs.stats()).analyze.failed === 1, 5_000, 'the permanent failure to be the one dead letter left');
    const q = new Queue('analyze', { connection: jobs.redis, prefix: jobs.prefix });
    const [left] = await q.getFailed();
    expect(left!.id).toMatch(/~r1$/);
    expect(left).toMatchObject({ data: { id: 'never' }, failedReason: '[permanent] never valid' });
    expect(await q.getCompletedCount()).toBe(2);
    // Never run again, however long it waits.
    await new Promise((r) => setTimeout(r, 500));
    expect(await jobs.retryDeadLetters()).toEqual({});
    expect(calls).toHaveLength(9);
    await q.close();
  }, 30_000);

  it('keeps no dead letter of a periodic job, and says how long the oldest waiting job has waited', async () => {
    const jobs = runner();
    let ticks = 0;
    jobs.handle(tick, async () => {
      ticks++;
      throw new Error('database unreachable');
    });
    await jobs.start();
    await jobs.schedule('tick', tick, { everyMs: 100 }, {});
    await until(async () => ticks >= 3, 10_000, 'three failing ticks');
    expect((await jobs.stats()).timers.failed).toBe(0);

    // Nothing consumes reports here: the job waits, and its wait grows.
    await jobs.enqueue(report, {});
    expect((await jobs.stats()).reports.oldestWaitingMs).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 600));
    const stats = await jobs.stats();
    expect(stats.reports).toMatchObject({ waiting: 1 });
    expect(stats.reports.oldestWaitingMs).toBeGreaterThanOrEqual(600);
    expect(stats.analyze.oldestWaitingMs).toBe(0);
  }, 30_000);
});
