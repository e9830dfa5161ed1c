/**
 * Timers on BullMQ with the real Redis and PostgreSQL: a timer fires at its due time, a
 * cancelled one never does, and closing and reopening every process loses no pending timer —
 * even when Redis has lost its jobs meanwhile, because the timer is a database row first.
 */
import { and, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../bots/app.ts';
import { deliveries, nudges, timers } from '../../db/schema/index.ts';
import { chat } from '../helpers/app.ts';
import { createStack, fastPlaybook, moreSweeps, REDIS_URL, until, type Stack } from './stack.ts';

const quote = (conv: string, at: Date) =>
  chat({ from: 'lisi', text: '周经理，报价单发您了：80 个账号首年 26.8 万，含实施和培训。', at, conv, id: `${conv}-quote` });

describe('timers on BullMQ', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.teardown();
    stack = null;
  });

  it('fires at its due time, and a timer cancelled in the database never fires', async () => {
    stack = await createStack({ PLAYBOOK_FILE: await fastPlaybook(3) });
    const web = await stack.app('web');
    await stack.app('worker');
    const start = new Date();
    await web.sink.message(quote('c-due', start));
    // c-lost's quote and its refusal in one batch, so they are analysed together: sent one by one,
    // the refusal's analysis could start after the quote's timer is due on a loaded machine, and
    // the timer would rightly fire before it is cancelled.
    await web.sink.messages([
      quote('c-lost', start),
      chat({ from: 'cust-zhou', text: '我们最后选了别家，这个项目就不做了。', at: new Date(start.getTime() + 500), conv: 'c-lost', id: 'c-lost-no' }),
    ]);

    const db = web.database.db;
    const sent = await until(
      async () =>
        (
          await db
            .select({ sentAt: deliveries.sentAt })
            .from(deliveries)
            .innerJoin(nudges, eq(nudges.id, deliveries.nudgeId))
            .where(and(eq(deliveries.status, 'sent'), eq(nudges.ruleId, 'quote-no-reply-3d')))
        )[0],
      15_000,
      'the timer nudge to be sent',
    );
    const [timer] = await db.select().from(timers).where(eq(timers.conversationId, 'local:c-due'));
    expect(timer!.status).toBe('fired');
    // Fired at its time: not before it, and promptly after.
    expect(timer!.firedAt!.getTime()).toBeGreaterThanOrEqual(timer!.nudgeAt.getTime());
    expect(sent.sentAt!.getTime() - timer!.nudgeAt.getTime()).toBeLessThan(3_000);

    // The lost message's analysis cancels c-lost's timer and writes its 复盘 nudge; on a loaded
    // machine it may still be running when c-due's nudge is sent. Waited for, not assumed.
    const cancelled = await until(
      async () =>
        (
          await db
            .select()
            .from(timers)
            .where(and(eq(timers.conversationId, 'local:c-lost'), eq(timers.ruleId, 'quote-no-reply-3d')))
        ).find((t) => t.status !== 'pending'),
      15_000,
      "c-lost's timer to be resolved",
    );
    expect(cancelled.status).toBe('cancelled');
    await until(async () => (await db.select().from(nudges).where(eq(nudges.ruleId, 'deal-lost-review')))[0], 15_000, 'the 复盘 nudge');
    // The lost deal gets its one 复盘 nudge, and nothing from its cancelled timer: due with c-due's,
    // it would have fired by now, and a cancelled timer is never taken again.
    const all = await db.select().from(nudges);
    expect(all.map((n) => [n.ruleId, n.conversationId]).sort()).toEqual([
      ['deal-lost-review', 'local:c-lost'],
      ['quote-no-reply-3d', 'local:c-due'],
    ]);
  }, 40_000);

  it('loses no pending timer when every process closes and Redis loses its jobs', async () => {
    stack = await createStack({ PLAYBOOK_FILE: await fastPlaybook(4) });
    let web: App = await stack.app('web');
    let worker: App = await stack.app('worker');
    await web.sink.message(quote('c-restart', new Date()));
    const db0 = web.database.db;
    await until(async () => (await db0.select().from(timers).where(eq(timers.status, 'pending')))[0], 10_000, 'the timer row');
    await web.close();
    await worker.close();

    // Everything Redis held for this deployment is gone, as after a Redis restart.
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${stack.prefix}:*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();

    web = await stack.app('web');
    worker = await stack.app('worker');
    const db = worker.database.db;
    await until(async () => (await db.select().from(deliveries).where(eq(deliveries.status, 'sent')))[0], 15_000, 'the recovered timer to fire');
    await moreSweeps([web, worker]);
    const fired = await db
      .select()
      .from(nudges)
      .where(and(eq(nudges.ruleId, 'quote-no-reply-3d')));
    expect(fired).toHaveLength(1);
    expect(await db.select().from(deliveries)).toHaveLength(1);
  }, 40_000);
});
