/**
 * The BullMQ runner on the real Redis: an id keeps a second add out only while its job waits or
 * runs (not once it failed for good, which BullMQ's own job ids would); a job that failed for good
 * stays as a dead letter until the sweep's `retryDeadLetters` runs it again under a new id once
 * its backoff has passed; a job that can never succeed is left alone, and a periodic job leaves no
 * dead letter. `stats` says how long the oldest job has waited. `runSoon` runs a job here while
 * this process handles it and has room, else queues it; a run here that fails is queued with its
 * retries, and closing waits for the runs here.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../../core/logger.ts';
import { BullMqRunner } from '../../jobs/bullmq.ts';
import { defineJob, PermanentJobError } from '../../jobs/define.ts';
import { REDIS_URL, until } from './stack.ts';

const flaky = defineJob({ name: 'flaky', queue: 'analyze', schema: z.object({ id: z.string() }).strict(), attempts: 2, backoffMs: 100 });
const tick = defineJob({ name: 'tick', queue: 'timers', schema: z.object({}).strict(), attempts: 1, backoffMs: 100 });
const soon = defineJob({ name: 'soon', queue: 'send', schema: z.object({ id: z.string() }).strict(), attempts: 3, backoffMs: 50 });
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

  it('runs a job here while it has room, queues the rest, and queues a run here that failed', async () => {
    const idle = runner();
    // Not handled by this process: queued.
    await idle.runSoon(soon, { id: 'elsewhere' });
    expect((await idle.stats()).send.waiting).toBe(1);

    const jobs = new BullMqRunner({
      url: REDIS_URL,
      log: createLogger({ level: 'silent' }),
      prefix: `dwtest${randomBytes(4).toString('hex')}`,
      concurrency: { send: 2 },
    });
    runners.push(jobs);
    const calls: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let failures = 0;
    jobs.handle(soon, async ({ id }) => {
      calls.push(id);
      if (id.startsWith('held')) await gate;
      if (id === 'fails-once' && failures++ === 0) throw new Error('platform unreachable');
    });
    await jobs.start();
    await jobs.runSoon(soon, { id: 'held-1' });
    await jobs.runSoon(soon, { id: 'held-2' });
    // Both started here at once, before anything went through Redis.
    expect(calls).toEqual(['held-1', 'held-2']);
    // No room here: the third goes through the queue (whose own worker takes it).
    await jobs.runSoon(soon, { id: 'held-3' });
    await until(async () => calls.includes('held-3'), 10_000, 'the queued job to start');
    expect((await jobs.stats()).send.active).toBe(1);

    open();
    await until(async () => (await jobs.stats()).send.active === 0, 10_000, 'the held jobs to end');
    await jobs.runSoon(soon, { id: 'fails-once' });
    await until(async () => calls.filter((c) => c === 'fails-once').length === 2, 10_000, 'the failed run to be retried from the queue');
    await new Promise((r) => setTimeout(r, 200));
    expect(calls.filter((c) => c === 'fails-once')).toHaveLength(2);
    expect((await jobs.stats()).send).toMatchObject({ failed: 0, waiting: 0, delayed: 0 });
  }, 30_000);

  it('waits for a run here when it closes', async () => {
    // Not in `runners`: closed here, its keys removed with a connection of the test's own.
    const jobs = new BullMqRunner({ url: REDIS_URL, log: createLogger({ level: 'silent' }), prefix: `dwtest${randomBytes(4).toString('hex')}` });
    let done = false;
    jobs.handle(soon, async () => {
      await new Promise((r) => setTimeout(r, 300));
      done = true;
    });
    await jobs.start();
    await jobs.runSoon(soon, { id: 'slow' });
    const started = Date.now();
    await jobs.close(5_000);
    expect(done).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${jobs.prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
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
    const enqueued = Date.now();
    await jobs.enqueue(report, {});
    expect((await jobs.stats()).reports.oldestWaitingMs).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 600));
    const stats = await jobs.stats();
    // A timer may fire a millisecond early by the wall clock: the lower bound leaves room for
    // that, the upper one is the clock's own reading since before the enqueue.
    const statsAt = Date.now();
    expect(stats.reports).toMatchObject({ waiting: 1 });
    expect(stats.reports.oldestWaitingMs).toBeGreaterThanOrEqual(500);
    expect(stats.reports.oldestWaitingMs).toBeLessThanOrEqual(statsAt - enqueued);
    expect(stats.analyze.oldestWaitingMs).toBe(0);
  }, 30_000);
});
