/**
 * Redis stopped for real: ingest still stores every message and /readyz says Redis is down;
 * once Redis is back (empty, as this machine runs it), the worker's sweep finds every stored
 * message in the database, and each due nudge is sent exactly once.
 */
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { deliveries, messages, nudges } from '../../db/schema/index.ts';
import { chat } from '../helpers/app.ts';
import { createStack, ensureRedis, stopRedis, until, type Stack } from './stack.ts';

describe('a Redis outage', () => {
  let stack: Stack;
  afterAll(async () => {
    await ensureRedis();
    await stack?.teardown();
  });

  it('stores during the outage and analyses and nudges once after it', async () => {
    stack = await createStack();
    const web = await stack.app('web');
    await stack.app('worker');
    const server = buildServer(web);
    const db = web.database.db;
    expect((await server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await stopRedis();
    try {
      const now = Date.now();
      const outcomes = [
        await web.sink.message(chat({ from: 'zhangsan', text: '王总好，方案和报价我们在这个群里沟通。', at: new Date(now), conv: 'c-outage', id: 'o-1' })),
        await web.sink.message(
          chat({ from: 'cust-wang', name: '王总', text: '你们这个价格太贵了，超出我们今年的预算。', at: new Date(now + 1000), conv: 'c-outage', id: 'o-2' }),
        ),
        await web.sink.message(
          chat({ from: 'cust-wang', name: '王总', text: '你们这个价格太贵了，超出我们今年的预算。', at: new Date(now + 1000), conv: 'c-outage', id: 'o-2' }),
        ),
      ];
      expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'duplicate']);
      const ready = await server.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().error).toMatch(/redis/i);
      const stored = await db.select().from(messages);
      expect(stored).toHaveLength(2);
      expect(stored.every((m) => m.analyzedAt === null)).toBe(true);
    } finally {
      await ensureRedis();
    }

    await until(async () => (await db.select().from(deliveries).where(eq(deliveries.status, 'sent')))[0], 20_000, 'the nudge after Redis is back');
    await until(async () => (await db.select().from(messages)).every((m) => m.analyzedAt !== null), 10_000, 'every message analysed');
    // A few more sweeps must not send anything again.
    await new Promise((r) => setTimeout(r, 1_500));
    const all = await db.select().from(nudges);
    expect(all.map((n) => [n.ruleId, n.personId])).toEqual([['price-objection', 'zhangsan']]);
    const sent = await db.select().from(deliveries);
    expect(sent.map((d) => [d.status, d.attempts])).toEqual([['sent', 1]]);
    expect((await server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await server.close();
  }, 60_000);
});
