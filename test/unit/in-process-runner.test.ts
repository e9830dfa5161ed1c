import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { PermanentJobError, type JobHandlers, type JobResult } from '../../jobs/definitions.ts';
import { InProcessRunner } from '../../jobs/in-process.ts';

const T0 = new Date('2026-11-23T02:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

describe('InProcessRunner (manual clock, autoRun: false)', () => {
  let clock: ManualClock;
  let runner: InProcessRunner;
  /** What ran, in order: "analyze:m1", "timer:t1", "send:d1". */
  let ran: string[];
  /** Per-job behaviour; by default a job succeeds. */
  let behaviour: Map<string, (call: number) => Promise<JobResult>>;

  const run = async (key: string): Promise<JobResult> => {
    ran.push(key);
    const b = behaviour.get(key);
    return b ? b(ran.filter((k) => k === key).length) : undefined;
  };
  const handlers = {
    'analyze-message': (p) => run(`analyze:${p.messageId}`),
    'fire-timer': (p) => run(`timer:${p.timerId}`),
    'send-delivery': (p) => run(`send:${p.deliveryId}`),
  } satisfies Partial<JobHandlers>;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    ran = [];
    behaviour = new Map();
    runner = new InProcessRunner({ clock, log: createLogger({ level: 'silent' }), autoRun: false });
    await runner.start(handlers);
  });
  afterEach(async () => {
    await runner.close();
  });

  it('runs nothing until drain is called', async () => {
    await runner.enqueue('analyze-message', { messageId: 'm1' });
    expect(ran).toEqual([]);
    expect(runner.size).toBe(1);
    await runner.drain();
    expect(ran).toEqual(['analyze:m1']);
    expect(runner.size).toBe(0);
  });

  it('runs due jobs in due order, ties in enqueue order', async () => {
    await runner.enqueue('send-delivery', { deliveryId: 'd3' }, { delayMs: 3_000 });
    await runner.enqueue('fire-timer', { timerId: 't1' }, { delayMs: 1_000 });
    await runner.enqueue('analyze-message', { messageId: 'm0' });
    await runner.enqueue('analyze-message', { messageId: 'm1' }, { delayMs: 1_000 });
    await runner.drain();
    expect(ran).toEqual(['analyze:m0']);
    clock.set(later(5_000));
    await runner.drain();
    expect(ran).toEqual(['analyze:m0', 'timer:t1', 'analyze:m1', 'send:d3']);
  });

  it('a delayed job does not run before its time', async () => {
    await runner.enqueue('fire-timer', { timerId: 't1' }, { delayMs: 60_000 });
    expect(runner.nextRunAt()?.toISOString()).toBe('2026-11-23T02:01:00.000Z');
    clock.set(later(59_999));
    await runner.drain();
    expect(ran).toEqual([]);
    clock.set(later(60_000));
    await runner.drain();
    expect(ran).toEqual(['timer:t1']);
    expect(runner.nextRunAt()).toBeNull();
  });

  it('runs jobs that a job enqueues in the same drain', async () => {
    behaviour.set('analyze:m1', async () => {
      await runner.enqueue('send-delivery', { deliveryId: 'd1' });
    });
    await runner.enqueue('analyze-message', { messageId: 'm1' });
    await runner.drain();
    expect(ran).toEqual(['analyze:m1', 'send:d1']);
  });

  it('the same jobId enqueued twice while waiting runs once', async () => {
    await runner.enqueue('fire-timer', { timerId: 't1' }, { jobId: 'timer-t1', delayMs: 1_000 });
    await runner.enqueue('fire-timer', { timerId: 't1' }, { jobId: 'timer-t1', delayMs: 1_000 });
    expect(runner.size).toBe(1);
    clock.set(later(1_000));
    await runner.drain();
    expect(ran).toEqual(['timer:t1']);
  });

  it('once its job has run, a jobId may be enqueued again', async () => {
    await runner.enqueue('fire-timer', { timerId: 't1' }, { jobId: 'timer-t1' });
    await runner.drain();
    await runner.enqueue('fire-timer', { timerId: 't1' }, { jobId: 'timer-t1' });
    await runner.drain();
    expect(ran).toEqual(['timer:t1', 'timer:t1']);
  });

  it("retries a throwing handler with exponential backoff up to the job's attempts, then drops it", async () => {
    // analyze-message: 5 attempts, backoff 1 s doubling → runs at 0, 1, 3, 7 and 15 s.
    behaviour.set('analyze:m1', async () => {
      throw new Error('database unavailable');
    });
    await runner.enqueue('analyze-message', { messageId: 'm1' });
    const runsAt = async (ms: number) => {
      clock.set(later(ms));
      await runner.drain();
      return ran.length;
    };
    expect(await runsAt(0)).toBe(1);
    expect(await runsAt(999)).toBe(1);
    expect(await runsAt(1_000)).toBe(2);
    expect(await runsAt(2_999)).toBe(2);
    expect(await runsAt(3_000)).toBe(3);
    expect(await runsAt(6_999)).toBe(3);
    expect(await runsAt(7_000)).toBe(4);
    expect(await runsAt(14_999)).toBe(4);
    expect(await runsAt(15_000)).toBe(5);
    expect(runner.size).toBe(0);
    expect(await runsAt(3_600_000)).toBe(5);
  });

  it('a handler that fails once and then succeeds runs twice', async () => {
    behaviour.set('send:d1', async (call) => {
      if (call === 1) throw new Error('platform 502');
    });
    await runner.enqueue('send-delivery', { deliveryId: 'd1' });
    await runner.drain();
    clock.set(later(2_000));
    await runner.drain();
    clock.set(later(600_000));
    await runner.drain();
    expect(ran).toEqual(['send:d1', 'send:d1']);
    expect(runner.size).toBe(0);
  });

  it('a PermanentJobError is not retried', async () => {
    behaviour.set('timer:t1', async () => {
      throw new PermanentJobError('timer row missing');
    });
    await runner.enqueue('fire-timer', { timerId: 't1' });
    await runner.drain();
    clock.set(later(3_600_000));
    await runner.drain();
    expect(ran).toEqual(['timer:t1']);
    expect(runner.size).toBe(0);
  });

  it('a handler failing with a ZodError (data that can never be valid) is not retried', async () => {
    behaviour.set('analyze:m1', async () => {
      z.object({ text: z.string() }).parse({ text: 42 });
    });
    await runner.enqueue('analyze-message', { messageId: 'm1' });
    await runner.drain();
    clock.set(later(3_600_000));
    await runner.drain();
    expect(ran).toEqual(['analyze:m1']);
  });

  it('rejects an invalid payload at enqueue and queues nothing', async () => {
    await expect(runner.enqueue('analyze-message', { messageId: '' })).rejects.toThrow();
    await expect(runner.enqueue('fire-timer', {} as never)).rejects.toThrow();
    // Payloads carry ids only: an extra field (message text, a token) is refused.
    await expect(runner.enqueue('send-delivery', { deliveryId: 'd1', token: 'xoxb-secret' } as never)).rejects.toThrow();
    expect(runner.size).toBe(0);
    await runner.drain();
    expect(ran).toEqual([]);
  });

  it('a handler returning {retryAt} runs again at that time, without using up attempts', async () => {
    // send-delivery has 8 attempts; ask for a later slot 10 times, then succeed.
    behaviour.set('send:d1', async (call) => (call <= 10 ? { retryAt: later(call * 30_000) } : undefined));
    await runner.enqueue('send-delivery', { deliveryId: 'd1' });
    await runner.drain();
    expect(ran).toHaveLength(1);
    clock.set(later(29_999));
    await runner.drain();
    expect(ran).toHaveLength(1);
    clock.set(later(30_000));
    await runner.drain();
    expect(ran).toHaveLength(2);
    for (let call = 2; call <= 10; call++) {
      clock.set(later(call * 30_000));
      await runner.drain();
    }
    expect(ran).toHaveLength(11);
    expect(runner.size).toBe(0);
  });

  it('close() stops further runs and refuses new jobs', async () => {
    await runner.enqueue('analyze-message', { messageId: 'm1' });
    await runner.enqueue('analyze-message', { messageId: 'm2' }, { delayMs: 1_000 });
    await runner.close();
    await runner.drain();
    clock.set(later(1_000));
    await runner.drain();
    expect(ran).toEqual([]);
    await expect(runner.enqueue('analyze-message', { messageId: 'm3' })).rejects.toThrow(/closed/);
  });

  it('close() during a run lets the running job finish and starts no other', async () => {
    let closing: Promise<void> | undefined;
    behaviour.set('analyze:m1', async () => {
      closing = runner.close();
    });
    await runner.enqueue('analyze-message', { messageId: 'm1' });
    await runner.enqueue('analyze-message', { messageId: 'm2' });
    await runner.drain();
    await closing;
    expect(ran).toEqual(['analyze:m1']);
  });

  // BullMQ ignores an add whose jobId exists in any state, delayed-for-retry included; the
  // in-process runner must match so a re-dispatch during a retry's backoff does not run the job twice.
  it('the same jobId enqueued while its job waits for a retry runs once', async () => {
    behaviour.set('timer:t1', async (call) => {
      if (call === 1) throw new Error('transient');
    });
    await runner.enqueue('fire-timer', { timerId: 't1' }, { jobId: 'timer-t1' });
    await runner.drain();
    expect(ran).toEqual(['timer:t1']);
    await runner.enqueue('fire-timer', { timerId: 't1' }, { jobId: 'timer-t1' });
    clock.set(later(5_000));
    await runner.drain();
    expect(ran).toEqual(['timer:t1', 'timer:t1']);
  });
});
