import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { defineJob, type JobResult, PermanentJobError } from '../../jobs/define.ts';
import { MinHeap } from '../../jobs/heap.ts';
import { InProcessRunner } from '../../jobs/in-process.ts';
import { eventually } from '../helpers/eventually.ts';

const T0 = new Date('2026-11-23T02:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const analyze = defineJob({ name: 'analyze', queue: 'analyze', schema: z.object({ id: z.string() }), attempts: 3, backoffMs: 1_000 });
const send = defineJob({ name: 'send', queue: 'send', schema: z.object({ id: z.string() }), attempts: 2, backoffMs: 500 });
const tick = defineJob({ name: 'tick', queue: 'timers', schema: z.object({}), attempts: 1, backoffMs: 1 });
const digest = defineJob({ name: 'digest', queue: 'reports', schema: z.object({ who: z.string() }), attempts: 1, backoffMs: 1 });

describe('InProcessRunner (manual clock, autoRun: false)', () => {
  let clock: ManualClock;
  let runner: InProcessRunner;
  /** What ran, in order: "analyze:m1", "send:d1". */
  let ran: string[];
  /** Per-job behaviour; by default a job succeeds. */
  let behaviour: Map<string, (call: number) => Promise<JobResult>>;

  const run = async (key: string): Promise<JobResult> => {
    ran.push(key);
    const b = behaviour.get(key);
    return b ? b(ran.filter((k) => k === key).length) : undefined;
  };

  beforeEach(async () => {
    clock = new ManualClock(T0);
    ran = [];
    behaviour = new Map();
    runner = new InProcessRunner({ clock, log: createLogger({ level: 'silent' }), autoRun: false });
    runner.handle(analyze, (p) => run(`analyze:${p.id}`));
    runner.handle(send, (p) => run(`send:${p.id}`));
    runner.handle(tick, () => run('tick'));
    runner.handle(digest, (p) => run(`digest:${p.who}`));
    await runner.start();
  });
  afterEach(async () => {
    await runner.close(100);
  });

  it('runs nothing until drain is called', async () => {
    await runner.enqueue(analyze, { id: 'm1' });
    expect(ran).toEqual([]);
    expect(runner.size).toBe(1);
    await runner.drain();
    expect(ran).toEqual(['analyze:m1']);
    expect(runner.size).toBe(0);
  });

  it('runs due jobs in due order within a queue, ties in enqueue order', async () => {
    await runner.enqueue(analyze, { id: 'm3' }, { delayMs: 3_000 });
    await runner.enqueue(analyze, { id: 'm1' }, { delayMs: 1_000 });
    await runner.enqueue(analyze, { id: 'm0' });
    await runner.enqueue(analyze, { id: 'm2' }, { delayMs: 1_000 });
    await runner.drain();
    expect(ran).toEqual(['analyze:m0']);
    clock.set(later(5_000));
    await runner.drain();
    expect(ran).toEqual(['analyze:m0', 'analyze:m1', 'analyze:m2', 'analyze:m3']);
  });

  it('adds a job with an id once while it waits', async () => {
    await runner.enqueue(analyze, { id: 'm1' }, { jobId: 'a-m1' });
    await runner.enqueue(analyze, { id: 'm1' }, { jobId: 'a-m1' });
    await runner.drain();
    expect(ran).toEqual(['analyze:m1']);
    await runner.enqueue(analyze, { id: 'm1' }, { jobId: 'a-m1' });
    await runner.drain();
    expect(ran).toEqual(['analyze:m1', 'analyze:m1']);
  });

  it('coalesces jobs by key: one waits at most, and one added while another runs runs after it', async () => {
    const partition = defineJob({ ...analyze, name: 'partition', coalesce: (p: { id: string }) => p.id });
    runner.handle(partition, async (p) => {
      const r = await run(`partition:${p.id}`);
      // Dispatched while this run is under way: it must run after, once.
      if (ran.length === 1) await runner.enqueueMany(partition, [{ payload: { id: 'p1' } }, { payload: { id: 'p1' } }]);
      return r;
    });
    await runner.enqueueMany(partition, [{ payload: { id: 'p1' } }, { payload: { id: 'p1' } }, { payload: { id: 'p2' } }]);
    await runner.enqueue(partition, { id: 'p1' });
    expect(runner.size).toBe(2);
    await runner.drain();
    expect(ran).toEqual(['partition:p1', 'partition:p2', 'partition:p1']);
  });

  it('never runs a key beside itself, at any concurrency, under any id, nor when a dead letter is run again', async () => {
    const wide = new InProcessRunner({ clock, log: createLogger({ level: 'silent' }), concurrency: { analyze: 4 } });
    const partition = defineJob({ ...analyze, name: 'partition', attempts: 1, coalesce: (p: { id: string }) => p.id });
    let active = 0;
    let most = 0;
    let fail = true;
    let release: () => void = () => {};
    let held: Promise<void> | null = null;
    wide.handle(partition, async () => {
      most = Math.max(most, ++active);
      try {
        ran.push(fail ? 'failed' : 'ran');
        if (fail) throw new Error('down');
        const h = held;
        held = null;
        if (h) await h;
      } finally {
        active--;
      }
    });
    await wide.start();
    await wide.enqueue(partition, { id: 'p1' });
    await wide.drain();
    expect((await wide.stats()).analyze.failed).toBe(1);
    fail = false;
    held = new Promise<void>((r) => (release = r));
    await wide.enqueue(partition, { id: 'p1' });
    expect(ran).toEqual(['failed', 'ran']);
    // While it runs: the sweep's dispatch (with an id), the ingest's, and the dead letter revived.
    await wide.enqueue(partition, { id: 'p1' }, { jobId: 'sweep-analyze-p1' });
    await wide.enqueue(partition, { id: 'p1' });
    clock.set(later(60_000));
    expect(await wide.retryDeadLetters()).toEqual({ analyze: 1 });
    expect(ran).toEqual(['failed', 'ran']);
    release();
    await wide.drain();
    expect(ran).toEqual(['failed', 'ran', 'ran']);
    expect(most).toBe(1);
    // The id was not kept: the next dispatch with it runs.
    await wide.enqueue(partition, { id: 'p1' }, { jobId: 'sweep-analyze-p1' });
    await wide.drain();
    expect(ran).toEqual(['failed', 'ran', 'ran', 'ran']);
    await wide.close(100);
  });

  it('retries a failing job with exponential backoff, then gives up and counts it failed', async () => {
    behaviour.set('analyze:m1', async () => {
      throw new Error('db down');
    });
    await runner.enqueue(analyze, { id: 'm1' });
    await runner.drain();
    expect(ran).toEqual(['analyze:m1']);
    clock.set(later(999));
    await runner.drain();
    expect(ran).toHaveLength(1);
    clock.set(later(1_000));
    await runner.drain();
    clock.set(later(3_000));
    await runner.drain();
    expect(ran).toEqual(['analyze:m1', 'analyze:m1', 'analyze:m1']);
    clock.set(later(60_000));
    await runner.drain();
    expect(ran).toHaveLength(3);
    expect((await runner.stats()).analyze.failed).toBe(1);
  });

  it('runs a dead letter again once its backoff has passed, with its attempts, the backoff doubling each time', async () => {
    behaviour.set('analyze:m1', async (call) => {
      if (call <= 6) throw new Error('db down');
    });
    await runner.enqueue(analyze, { id: 'm1' });
    // Tries at 0, 1 s and 3 s: failed for good at 3 s.
    for (const t of [0, 1_000, 3_000]) {
      clock.set(later(t));
      await runner.drain();
    }
    expect(ran).toHaveLength(3);
    expect((await runner.stats()).analyze.failed).toBe(1);
    // Its own backoff carried on: 1 s · 2^(3-1) = 4 s after the failure.
    clock.set(later(3_000 + 3_999));
    expect(await runner.retryDeadLetters()).toEqual({});
    clock.set(later(3_000 + 4_000));
    expect(await runner.retryDeadLetters()).toEqual({ analyze: 1 });
    expect((await runner.stats()).analyze).toMatchObject({ failed: 0, waiting: 1 });
    await runner.drain();
    clock.set(later(8_000));
    await runner.drain();
    clock.set(later(10_000));
    await runner.drain();
    expect(ran).toHaveLength(6);
    // Failed for good again at 10 s: the next try waits twice as long.
    clock.set(later(10_000 + 7_999));
    expect(await runner.retryDeadLetters()).toEqual({});
    clock.set(later(10_000 + 8_000));
    expect(await runner.retryDeadLetters()).toEqual({ analyze: 1 });
    await runner.drain();
    expect(ran).toHaveLength(7);
    expect((await runner.stats()).analyze).toMatchObject({ failed: 0, waiting: 0, active: 0 });
  });

  it('keeps a permanent failure as a dead letter without running it again', async () => {
    behaviour.set('analyze:bad', async () => {
      throw new PermanentJobError('never valid');
    });
    await runner.enqueue(analyze, { id: 'bad' });
    await runner.drain();
    clock.set(later(24 * 3_600_000));
    expect(await runner.retryDeadLetters()).toEqual({});
    expect((await runner.stats()).analyze.failed).toBe(1);
  });

  it('keeps no dead letter of a periodic job, and runs a failed cron run again without doubling its schedule', async () => {
    behaviour.set('tick', async () => {
      throw new Error('db down');
    });
    behaviour.set('digest:w', async (call) => {
      if (call === 1) throw new Error('db down');
    });
    await runner.schedule('tick', tick, { everyMs: 2_000 }, {});
    await runner.schedule('digest-w', digest, { cron: '0 9 * * 1', timeZone: 'Asia/Shanghai' }, { who: 'w' });
    clock.set(new Date('2026-11-30T01:00:00.000Z'));
    await runner.drain();
    expect(ran).toEqual(['tick', 'digest:w']);
    const stats = await runner.stats();
    expect(stats.timers.failed).toBe(0);
    expect(stats.reports.failed).toBe(1);
    clock.set(new Date('2026-11-30T02:00:00.000Z'));
    expect(await runner.retryDeadLetters()).toEqual({ reports: 1 });
    await runner.drain();
    expect(ran.filter((k) => k === 'digest:w')).toHaveLength(2);
    // One next run a week on, not two.
    const next = new Date('2026-12-07T01:00:00.000Z');
    expect(runner.nextRunAt()).toEqual(next);
    clock.set(next);
    await runner.drain();
    expect(ran.filter((k) => k === 'digest:w')).toHaveLength(3);
  });

  it('says how long the oldest due job has waited', async () => {
    await runner.enqueue(analyze, { id: 'm1' }, { delayMs: 1_000 });
    await runner.enqueue(analyze, { id: 'm2' }, { delayMs: 5_000 });
    expect((await runner.stats()).analyze).toMatchObject({ waiting: 0, delayed: 2, oldestWaitingMs: 0 });
    clock.set(later(4_000));
    expect((await runner.stats()).analyze).toMatchObject({ waiting: 2, oldestWaitingMs: 3_000 });
    await runner.drain();
    expect((await runner.stats()).analyze).toMatchObject({ waiting: 0, oldestWaitingMs: 0 });
  });

  it('does not retry a permanent error or an invalid payload', async () => {
    behaviour.set('analyze:bad', async () => {
      throw new PermanentJobError('never valid');
    });
    await runner.enqueue(analyze, { id: 'bad' });
    await runner.drain();
    clock.set(later(60_000));
    await runner.drain();
    expect(ran).toEqual(['analyze:bad']);
    await expect(runner.enqueue(analyze, { id: 42 } as never)).rejects.toThrow();
  });

  it('runs a job again at the time it asks for, without counting a failure', async () => {
    behaviour.set('send:d1', async (call) => (call === 1 ? { retryAt: later(10_000) } : undefined));
    await runner.enqueue(send, { id: 'd1' });
    await runner.drain();
    clock.set(later(9_999));
    await runner.drain();
    expect(ran).toEqual(['send:d1']);
    clock.set(later(10_000));
    await runner.drain();
    expect(ran).toEqual(['send:d1', 'send:d1']);
    expect((await runner.stats()).send.failed).toBe(0);
  });

  it('runs queues side by side: a send that never answers does not hold up analysis', async () => {
    behaviour.set('send:stuck', () => new Promise<JobResult>(() => {}));
    await runner.enqueue(send, { id: 'stuck' });
    await runner.enqueue(analyze, { id: 'm1' });
    // drain would wait for the stuck send forever: let the others run and look.
    void runner.drain();
    await eventually(() => ran.includes('analyze:m1'));
    expect((await runner.stats()).send.active).toBe(1);
  });

  it('repeats a scheduled job every interval, and leaves it out of nextRunAt unless asked', async () => {
    await runner.schedule('tick', tick, { everyMs: 2_000 }, {});
    expect(runner.nextRunAt()).toBeNull();
    expect(runner.nextRunAt({ periodic: true })).toEqual(later(2_000));
    clock.set(later(2_000));
    await runner.drain();
    clock.set(later(4_000));
    await runner.drain();
    expect(ran).toEqual(['tick', 'tick']);
  });

  it('runs a cron schedule at its next time in its zone', async () => {
    // Monday 2026-11-23 10:00 Shanghai is 02:00 UTC: the next Monday 09:00 is a week on.
    await runner.schedule('digest-w', digest, { cron: '0 9 * * 1', timeZone: 'Asia/Shanghai' }, { who: 'w' });
    expect(runner.nextRunAt()).toEqual(new Date('2026-11-30T01:00:00.000Z'));
    await runner.unscheduleExcept('digest-', []);
    clock.set(new Date('2026-11-30T01:00:00.000Z'));
    await runner.drain();
    // Unscheduled: the queued run still happens once, and no further one is queued.
    expect(ran).toEqual(['digest:w']);
    expect(runner.nextRunAt()).toBeNull();
  });

  it('keeps its queue in a heap: push and pop cost O(log n) comparisons, counted, not timed', () => {
    let comparisons = 0;
    const heap = new MinHeap<number>((a, b) => {
      comparisons++;
      return a < b;
    });
    const n = 200_000;
    for (let i = 0; i < n; i++) heap.push((i * 7919) % n);
    const pushes = comparisons;
    let last = -1;
    let outOfOrder = 0;
    for (let i = 0; i < n; i++) {
      const v = heap.pop()!;
      if (v < last) outOfOrder++;
      last = v;
    }
    expect(outOfOrder).toBe(0);
    const log2n = Math.log2(n);
    // A rescan per enqueue (the old queue) would be n²/2 = 2·10¹⁰ comparisons.
    expect(pushes).toBeLessThan(n * log2n);
    expect(comparisons - pushes).toBeLessThan(2 * n * log2n);
  });

  it('takes 200,000 jobs through enqueue, stats, nextRunAt and drain, in due order', async () => {
    // The old queue rescanned itself per enqueue (40,000: 269 s) and spread itself into
    // Math.min, which throws past ~150,000 items. A heap does this in well under a second.
    const n = 200_000;
    const seen: number[] = [];
    const order = defineJob({ name: 'order', queue: 'commands', schema: z.object({ i: z.number() }), attempts: 1, backoffMs: 1 });
    const enqueueTime = async (into: InProcessRunner, count: number): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < count; i++) await into.enqueue(order, { i }, { delayMs: (i * 7919) % count });
      return performance.now() - started;
    };
    // The floor, in this run: a tenth as many jobs into a runner of their own.
    const small = new InProcessRunner({ clock, log: createLogger({ level: 'silent' }), autoRun: false });
    small.handle(order, async () => {});
    const tenth = await enqueueTime(small, n / 10);
    runner.handle(order, async ({ i }) => {
      seen.push(i);
    });
    const enqueued = await enqueueTime(runner, n);
    expect(runner.size).toBe(n);
    expect(runner.nextRunAt()).toEqual(later(0));
    expect((await runner.stats()).commands).toMatchObject({ active: 0, failed: 0, oldestWaitingMs: 0 });
    clock.set(later(n));
    await runner.drain();
    expect(seen).toHaveLength(n);
    // Due order: job i runs at (i · 7919) mod n, a permutation of 0 … n-1.
    const outOfOrder = seen.filter((i, k) => k > 0 && (i * 7919) % n <= (seen[k - 1]! * 7919) % n);
    expect(outOfOrder).toEqual([]);
    // Ten times the jobs: about ten times the time (n log n: 12×); a rescan per enqueue would be
    // a hundred times. Measured against the floor of the same run, so a busy machine slows both.
    expect(enqueued / tenth).toBeLessThan(40);
  }, 60_000);
});
