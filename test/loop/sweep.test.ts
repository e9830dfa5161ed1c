/**
 * The sweep on the embedded default: it runs on its own schedule and finds what no job was
 * dispatched for (a process that died between the commit and the dispatch), and it walks a
 * backlog larger than its page one page per sweep instead of dispatching the first page again.
 */
import { eq, isNull } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { commandJob } from '../../bots/commands/command-job.ts';
import { storeMessages } from '../../bots/ingest/store.ts';
import { fireTimersJob } from '../../bots/coaching/timer-job.ts';
import { newSweepCursor, sweep, TIMER_OVERDUE_MS } from '../../bots/maintenance/sweep-job.ts';
import { messages, timers } from '../../db/schema/index.ts';
import { InProcessRunner } from '../../jobs/in-process.ts';
import { chat, dm, startTestApp, type TestApp } from '../helpers/app.ts';

describe('the sweep', () => {
  let t: TestApp | null = null;
  afterEach(async () => {
    await t?.cleanup();
    t = null;
  });

  it('runs every SWEEP_INTERVAL_MS on the embedded default and analyses what no job was dispatched for', async () => {
    t = await startTestApp({ env: { SWEEP_INTERVAL_MS: '30000' } });
    const { app, clock } = t;
    const at = clock.now();
    // Stored without the dispatch that follows a commit, as when the process dies in between.
    await storeMessages(app.database, app.catalog.current, at, [
      chat({ from: 'zhangsan', text: '王总您好，方案和报价在这个群里沟通。', at, conv: 'c-swept', id: 'swept-1' }),
      chat({ from: 'cust-wang', name: '王总', text: '价格太贵了，超出预算。', at: new Date(at.getTime() + 1_000), conv: 'c-swept', id: 'swept-2' }),
    ]);
    await app.drain();
    const pending = () => app.database.db.select().from(messages).where(isNull(messages.analyzedAt));
    expect(await pending()).toHaveLength(2);
    clock.set(new Date(at.getTime() + 30_000));
    await app.drain();
    expect(await pending()).toHaveLength(0);
  });

  it('walks a backlog larger than its page, one page per sweep, then starts again from the oldest', async () => {
    t = await startTestApp();
    const { app, clock } = t;
    const at = clock.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = new Date(at.getTime() - 60_000 + i * 1_000);
      const [stored] = await storeMessages(app.database, app.catalog.current, sent, [dm('zhangsan', `/deal 第${i}个`, sent)]);
      ids.push((stored as { id: string }).id);
    }
    // A runner of its own that only records which commands each sweep dispatches.
    const runner = new InProcessRunner({ clock, log: app.log, autoRun: false });
    let dispatched: string[] = [];
    runner.handle(commandJob, async ({ messageId }) => {
      dispatched.push(messageId);
    });
    await runner.start();
    const deps = { ...app, runner, partitions: 8, liveOnly: new Set<never>(), settleMs: 0, leaseMs: 60_000, cursor: newSweepCursor() };
    const pages: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const counts = await sweep(deps, { page: 2 });
      await runner.drain();
      expect(counts?.commands).toBe(dispatched.length);
      pages.push(dispatched);
      dispatched = [];
    }
    await runner.close();
    expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4), ids.slice(0, 2)]);
  });

  it('runs the timer job itself when a timer is still pending a minute after it fell due (its schedule lost)', async () => {
    t = await startTestApp();
    const { app, clock } = t;
    await app.sink.message(
      chat({ from: 'lisi', text: '周经理，报价单发您了：80 个账号首年 26.8 万，含实施和培训。', at: clock.now(), conv: 'c-late', id: 'late-1' }),
    );
    await app.drain();
    const [timer] = await app.database.db.select().from(timers).where(eq(timers.conversationId, 'local:c-late'));
    expect(timer?.status).toBe('pending');
    // A runner of its own that only records the timer jobs each sweep dispatches: nothing else fires the timer.
    const runner = new InProcessRunner({ clock, log: app.log, autoRun: false });
    let runs = 0;
    runner.handle(fireTimersJob, async () => {
      runs++;
    });
    await runner.start();
    const sweepAt = async (ms: number) => {
      const at = new Date(timer!.nudgeAt.getTime() + ms);
      const counts = await sweep({
        ...app,
        clock: { now: () => at },
        runner,
        partitions: 8,
        liveOnly: new Set<never>(),
        settleMs: 0,
        leaseMs: 60_000,
        cursor: newSweepCursor(),
      });
      await runner.drain();
      return counts?.timers;
    };
    // Due, but within a minute: left to the timer schedule.
    expect(await sweepAt(TIMER_OVERDUE_MS / 2)).toBe(0);
    expect(runs).toBe(0);
    expect(await sweepAt(TIMER_OVERDUE_MS + 1_000)).toBe(1);
    expect(runs).toBe(1);
    await runner.close();
  });
});
