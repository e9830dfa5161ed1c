/**
 * Redis restarted (a redis-server of the test's own, killed and started again empty, as this
 * machine runs Redis: nothing on disk). During the outage ingest still stores every message,
 * duplicates are still refused and /readyz says Redis is down; once Redis is back, the schedules
 * are put back, the sweep finds every stored message in the database, the timer that fell due
 * meanwhile fires, and each nudge is sent exactly once.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { nudges, timers } from '../../db/schema/index.ts';
import { chat } from '../helpers/app.ts';
import { createStack, fastPlaybook, moreSweeps, type Stack, until } from '../services/stack.ts';
import { type OwnRedis, startRedis } from './servers.ts';
import { chatMessages, countAll, expectNothingLostNothingTwice } from './world.ts';

describe('a Redis restart', () => {
  let stack: Stack | null = null;
  let redis: OwnRedis | null = null;
  afterAll(async () => {
    // Apps close through Redis: it must be up for them to.
    await redis?.start();
    await stack?.teardown();
    await redis?.close();
  });

  it('stores during the outage, and analyses, fires and nudges once after it', async () => {
    redis = await startRedis();
    stack = await createStack({ PLAYBOOK_FILE: await fastPlaybook(6) }, { redisUrl: redis.url });
    const web = await stack.app('web');
    const worker = await stack.app('worker');
    const server = buildServer(web);
    const db = web.database;
    expect((await server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    const now = Date.now();
    // Before: two chats analysed and nudged, and a quote whose follow-up falls due during the outage.
    for (let i = 0; i < 2; i++) await web.sink.messages(chatMessages('rr', i, new Date(now - 60_000)));
    await web.sink.message(
      chat({ from: 'lisi', text: '周经理，报价单发您了：80 个账号首年 26.8 万，含实施和培训。', at: new Date(now), conv: 'rr-quote', id: 'rr-quote' }),
    );
    await until(async () => (await countAll(db)).deliveries.sent === 2, 20_000, 'the first nudges');
    const quoteTimer = () => db.db.select().from(timers).where(eq(timers.conversationId, 'local:rr-quote'));
    await until(async () => (await quoteTimer())[0], 10_000, 'the quote timer');

    await redis.stop();
    // During: four more chats, each message delivered twice.
    const during = Array.from({ length: 4 }, (_, i) => chatMessages('rr', 2 + i, new Date(now - 30_000))).flat();
    const outcomes = [...(await web.sink.messages(during)), ...(await web.sink.messages(during))];
    expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(12);
    expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(12);
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error).toMatch(/redis/i);
    expect((await countAll(db)).unanalysed).toBe(12);
    // Longer than the timer's wait: it falls due while Redis is down.
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await quoteTimer())[0]!.status).toBe('pending');

    await redis.start();
    await until(async () => (await server.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 20_000, '/readyz after Redis is back');
    const settled = async () => {
      const c = await countAll(db);
      return c.unanalysed === 0 && c.priceNudges === 6 && c.deliveries.sent === c.nudges && c.nudges === 7 ? c : null;
    };
    await until(settled, 30_000, 'every message analysed and every nudge sent').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await countAll(db))}`);
    });
    // A few more sweeps change nothing.
    await moreSweeps([web, worker]);
    const c = await countAll(db);
    expectNothingLostNothingTwice(c, 6, { messages: 1 });
    const followUp = await db.db
      .select()
      .from(nudges)
      .where(and(eq(nudges.ruleId, 'quote-no-reply-3d'), eq(nudges.conversationId, 'local:rr-quote')));
    expect(followUp).toHaveLength(1);
    expect((await quoteTimer())[0]!.status).toBe('fired');
    await server.close();
  }, 120_000);
});
