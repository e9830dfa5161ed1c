/**
 * A worker process killed (SIGKILL) in the middle of a send: Feishu has the request, the worker
 * never learns the answer. BullMQ gives the stalled job to a new worker; the delivery's lease runs
 * out and it is sent again with the same idempotency key, which Feishu (here its loopback fake)
 * uses as the message uuid: the rep sees the nudge exactly once.
 */
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/types.ts';
import { openDatabase, type Database } from '../../db/client.ts';
import { deliveries, nudges } from '../../db/schema/index.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { createStack, spawnWorker, stopProcess, until, type Stack, type WorkerProcess } from './stack.ts';

const ZHANGSAN_OPEN_ID = 'ou_7d8a6e6df7621556ce0d21922b676706';

const feishu = (p: { id: string; from: string; text: string; at: Date }): InboundMessage => ({
  platform: 'feishu',
  messageId: p.id,
  conversationId: 'oc_customer_group',
  conversationTitle: '华东医疗 · 随访平台',
  chatType: 'group',
  direct: false,
  senderId: p.from,
  kind: 'text',
  text: p.text,
  attachments: [],
  sentAt: p.at,
});

describe('a worker killed mid-send', () => {
  let stack: Stack;
  let fake: FakeFeishu;
  let database: Database | null = null;
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) await stopProcess(w, 'SIGKILL');
    await database?.close();
    await fake?.close();
    await stack?.teardown();
  });

  it('recovers the stalled job and the nudge reaches the rep exactly once', async () => {
    fake = await FakeFeishu.start();
    fake.sendDelayMs = 6_000;
    stack = await createStack({
      FEISHU_APP_ID: FAKE_APP_ID,
      FEISHU_APP_SECRET: FAKE_APP_SECRET,
      FEISHU_DOMAIN: fake.url,
      SEND_LEASE_MS: '8000',
      SEND_TIMEOUT_MS: '7000',
    });
    workers.push(await spawnWorker(stack.env));
    database = await openDatabase({ databaseUrl: stack.env.DATABASE_URL!, dataDir: '', migrate: false });
    // What a web process does: store, then dispatch the analysis.
    const web = await stack.producer();
    const now = Date.now();
    for (const m of [
      feishu({ id: 'om_1', from: ZHANGSAN_OPEN_ID, text: '李主任好，报价和方案都在这个群里沟通。', at: new Date(now) }),
      feishu({ id: 'om_2', from: 'ou_customer_li', text: '48 万太贵了，超出我们今年的预算。', at: new Date(now + 1_000) }),
    ]) {
      await web.sink.message(m);
    }

    // The worker has sent the request; Feishu holds the answer. Kill it now.
    await until(async () => fake.sends.length === 1, 30_000, 'the first send to reach Feishu');
    await stopProcess(workers[0]!, 'SIGKILL');
    const [inFlight] = await database.db.select().from(deliveries).where(eq(deliveries.platform, 'feishu'));
    expect(inFlight).toMatchObject({ status: 'sending', attempts: 1, platform: 'feishu' });

    workers.push(await spawnWorker(stack.env));
    const sent = await until(
      async () => (await database!.db.select().from(deliveries).where(eq(deliveries.status, 'sent')))[0],
      45_000,
      'the recovered send',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${workers.map((w) => w.output()).join('\n---\n')}`);
    });
    expect(sent.attempts).toBe(2);
    expect(fake.sends).toHaveLength(2);
    expect(fake.sends.every((s) => s.receiveId === ZHANGSAN_OPEN_ID && s.uuid === fake.sends[0]!.uuid)).toBe(true);
    expect(fake.deliveredMessages).toBe(1);
    expect(await database.db.select().from(nudges)).toHaveLength(1);
  }, 120_000);
});
