import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { deliveries, messages, nudges } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

describe('redelivery', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.cleanup());

  it('stores and processes a message delivered three times once: one row, one nudge', async () => {
    const { app, clock } = t;
    const at = new Date('2026-11-23T10:00:00+08:00');
    clock.set(at);
    await app.sink.message(chat({ from: 'zhangsan', text: '王总您好，我是张三，方案的事情这个群里沟通。', at, id: 'hello' }));
    const objection = chat({ from: 'cust-wang', name: '王总', text: '你们这个价格太贵了，超出我们预算了。', at: new Date(at.getTime() + 60_000), id: 'obj-1' });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await app.sink.message(objection));
    await app.drain();
    // A fourth delivery after processing is still a duplicate.
    outcomes.push(await app.sink.message(objection));
    await app.drain();

    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate', 'duplicate', 'duplicate']);
    const db = app.database.db;
    const [rows] = await db.select({ n: count() }).from(messages).where(eq(messages.platformMessageId, 'obj-1'));
    expect(rows!.n).toBe(1);
    const nudgeRows = await db.select().from(nudges);
    expect(nudgeRows.map((n) => [n.ruleId, n.personId])).toEqual([['price-objection', 'zhangsan']]);
    const sent = await db.select().from(deliveries).where(eq(deliveries.nudgeId, nudgeRows[0]!.id));
    expect(sent.map((d) => d.status)).toEqual(['sent']);
  });
});
