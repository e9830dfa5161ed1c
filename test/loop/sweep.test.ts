/**
 * The sweep on the embedded default: it runs on its own schedule and finds what no job was
 * dispatched for (a process that died between the commit and the dispatch), and it walks a
 * backlog larger than its page one page per sweep instead of dispatching the first page again.
 */
import { isNull } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { commandJob } from '../../bots/commands/command-job.ts';
import { storeMessages } from '../../bots/ingest/store.ts';
import { newSweepCursor, sweep } from '../../bots/maintenance/sweep-job.ts';
import { messages } from '../../db/schema/index.ts';
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
});
