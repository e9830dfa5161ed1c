import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { deliveries, nudges, timers } from '../../db/schema/index.ts';
import { advanceTo } from '../../bots/demo/replay.ts';
import { chat, makeDataDir, startTestApp } from '../helpers/app.ts';
import { rm } from 'node:fs/promises';

describe('a timer across restarts', () => {
  let dataDir = '';
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('survives closing everything and reopening the same data folder, then fires once', async () => {
    dataDir = await makeDataDir();
    const quoteAt = new Date('2026-11-23T14:25:00+08:00');

    // Run 1: a rep sends a quote; the "no customer reply in 3 days" timer is a row now.
    let t = await startTestApp({ dataDir, start: quoteAt });
    await t.app.sink.message(chat({ from: 'lisi', text: '周经理，报价单发您了：80 个账号首年 26.8 万，含实施和培训。', at: quoteAt, id: 'quote' }));
    await t.app.drain();
    const [timer] = await t.app.database.db.select().from(timers).where(eq(timers.ruleId, 'quote-no-reply-3d'));
    expect(timer).toMatchObject({ status: 'pending' });
    // Three working days after Monday 14:25: Thursday 14:25.
    expect(timer!.nudgeAt.toISOString()).toBe(new Date(quoteAt.getTime() + 72 * 3_600_000).toISOString());
    await t.close();

    // Run 2: restarted a day later; nothing is due yet, and nothing fires.
    t = await startTestApp({ dataDir, start: new Date(quoteAt.getTime() + 24 * 3_600_000) });
    await t.app.drain();
    expect(await t.app.database.db.select().from(nudges)).toHaveLength(0);
    await t.close();

    // Run 3: restarted after the due time; the recovered timer fires exactly once.
    t = await startTestApp({ dataDir, start: new Date(quoteAt.getTime() + 73 * 3_600_000) });
    await t.app.drain();
    await advanceTo(t.app, t.clock, new Date(quoteAt.getTime() + 90 * 3_600_000));
    let fired = await t.app.database.db.select().from(nudges);
    expect(fired.map((n) => [n.ruleId, n.personId])).toEqual([['quote-no-reply-3d', 'lisi']]);
    const [after] = await t.app.database.db.select().from(timers).where(eq(timers.id, timer!.id));
    expect(after!.status).toBe('fired');
    await t.close();

    // Run 4: one more restart sends nothing again (before +96 h, when the demo-proposal silence
    // timer falls due: a timer overdue at a start is fired by the start's sweep).
    t = await startTestApp({ dataDir, start: new Date(quoteAt.getTime() + 95 * 3_600_000) });
    await t.app.drain();
    fired = await t.app.database.db.select().from(nudges);
    expect(fired).toHaveLength(1);
    const sent = await t.app.database.db.select().from(deliveries);
    expect(sent.map((d) => d.status)).toEqual(['sent']);
    await t.close();
    // Four opens of one embedded data folder: minutes on a busy machine, seconds on a quiet one.
  }, 180_000);

  it('a timer fulfilled in time never fires', async () => {
    const at = new Date('2026-11-23T14:25:00+08:00');
    const t = await startTestApp({ start: at });
    try {
      await t.app.sink.message(chat({ from: 'lisi', text: '报价单发您了：首年 26.8 万，含实施和培训。', at, id: 'q2' }));
      await t.app.drain();
      await advanceTo(t.app, t.clock, new Date(at.getTime() + 24 * 3_600_000));
      await t.app.sink.message(chat({ from: 'cust-zhou', name: '周经理', text: '收到，我们内部过一下。', at: t.clock.now(), id: 'r2' }));
      await advanceTo(t.app, t.clock, new Date(at.getTime() + 5 * 86_400_000));
      // The quote's window and the proposal stage's silence window: both met by the reply.
      const rows = await t.app.database.db.select().from(timers);
      expect(rows.map((r) => [r.ruleId, r.status]).sort()).toEqual([
        ['quote-no-reply-3d', 'fulfilled'],
        ['silence-demo-proposal', 'fulfilled'],
      ]);
      expect(await t.app.database.db.select().from(nudges)).toHaveLength(0);
    } finally {
      await t.cleanup();
    }
  });
});
