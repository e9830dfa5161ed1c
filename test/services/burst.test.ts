/**
 * Two worker processes on the same queues, a burst of 1,000 messages (500 customer chats, each a
 * rep's greeting and the customer's price objection) stored by a web process: every conversation
 * is analysed once, in order, and every nudge is created once and sent once, whichever worker
 * took which partition.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { deliveries, messages, nudges } from '../../db/schema/index.ts';
import { chat } from '../helpers/app.ts';
import { createStack, spawnWorker, stopProcess, type Stack, until, type WorkerProcess } from './stack.ts';

const CHATS = 500;
const REPS = ['zhangsan', 'lisi', 'zhaomin', 'sunhao'];

describe('two workers under a burst', () => {
  let stack: Stack;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) await stopProcess(w);
    await stack?.teardown();
  });

  it('sends every nudge exactly once', async () => {
    stack = await createStack();
    workers.push(await spawnWorker(stack.env));
    workers.push(await spawnWorker(stack.env));
    const web = await stack.producer();
    const t0 = Date.now();
    const burst = Array.from({ length: CHATS }, (_, i) => {
      const conv = `c-burst-${i}`;
      return [
        chat({ from: REPS[i % REPS.length]!, text: '您好，方案和报价我们在这个群里沟通。', at: new Date(t0 + i), conv, id: `${conv}-a` }),
        chat({ from: `cust-${i}`, text: '价格太贵了，超出我们的预算。', at: new Date(t0 + i + 1), conv, id: `${conv}-b` }),
      ];
    }).flat();
    const outcomes = await Promise.all(burst.map((m) => web.sink.message(m)));
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    const db = web.database.db;
    await until(
      async () => (await db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'sent')))[0]!.n >= CHATS,
      120_000,
      `${CHATS} nudges sent`,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const [msgs] = await db.select({ n: count() }).from(messages);
    expect(msgs!.n).toBe(CHATS * 2);
    const all = await db.select().from(nudges);
    expect(all).toHaveLength(CHATS);
    expect(all.every((n) => n.ruleId === 'price-objection')).toBe(true);
    expect(new Set(all.map((n) => n.conversationId)).size).toBe(CHATS);
    const sent = await db.select().from(deliveries);
    expect(sent).toHaveLength(CHATS);
    expect(sent.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
  }, 180_000);
});
