/**
 * Two worker processes on the same queues, a burst of 1,000 messages (500 customer chats, each a
 * rep's greeting and the customer's price objection): every nudge is created once and sent once,
 * whichever worker took which job.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestMessage } from '../../bots/loop/ingest.ts';
import { createLogger } from '../../core/logger.ts';
import { openDatabase, type Database } from '../../db/client.ts';
import { deliveries, messages, nudges } from '../../db/schema/index.ts';
import { BullMqRunner } from '../../jobs/bullmq.ts';
import { jobIds } from '../../jobs/definitions.ts';
import { chat } from '../helpers/app.ts';
import { createStack, REDIS_URL, spawnWorker, stopProcess, until, type Stack, type WorkerProcess } from './stack.ts';

const CHATS = 500;
const REPS = ['zhangsan', 'lisi', 'zhaomin', 'sunhao'];

describe('two workers under a burst', () => {
  let stack: Stack;
  let database: Database | null = null;
  let producer: BullMqRunner | null = null;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) await stopProcess(w);
    await producer?.close();
    await database?.close();
    await stack?.teardown();
  });

  it('sends every nudge exactly once', async () => {
    stack = await createStack();
    workers.push(await spawnWorker(stack.env));
    workers.push(await spawnWorker(stack.env));
    database = await openDatabase({ databaseUrl: stack.env.DATABASE_URL!, dataDir: '' });
    producer = new BullMqRunner({ url: REDIS_URL, prefix: stack.prefix, log: createLogger({ level: 'silent' }) });
    const deps = { db: database.db, clock: { now: () => new Date() }, firstStage: 'lead' };
    const t0 = Date.now();
    for (let i = 0; i < CHATS; i++) {
      const conv = `c-burst-${i}`;
      for (const m of [
        chat({ from: REPS[i % REPS.length]!, text: '您好，方案和报价我们在这个群里沟通。', at: new Date(t0 + i), conv, id: `${conv}-a` }),
        chat({ from: `cust-${i}`, text: '价格太贵了，超出我们的预算。', at: new Date(t0 + i + 1), conv, id: `${conv}-b` }),
      ]) {
        const r = await ingestMessage(deps, m);
        await producer.enqueue('analyze-message', { messageId: r.id }, { jobId: jobIds.analyze(r.id) });
      }
    }
    const db = database.db;
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
    expect(new Set(all.map((n) => n.conversationId)).size).toBe(CHATS);
    const sent = await db.select().from(deliveries);
    expect(sent).toHaveLength(CHATS);
    expect(sent.every((d) => d.status === 'sent' && d.attempts === 1)).toBe(true);
  }, 180_000);
});
