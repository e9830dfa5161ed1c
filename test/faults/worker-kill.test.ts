/**
 * Worker processes killed (SIGKILL) mid-batch.
 *  - In the middle of analysis: the open transaction is rolled back by PostgreSQL, the stalled
 *    jobs go to the next worker, and every message is analysed once (the deals' counters say so).
 *  - In the middle of a send: Feishu has the request, the worker never learns the answer. BullMQ
 *    gives the stalled job to a new worker; the delivery's lease runs out and it is sent again
 *    with the same idempotency key, which Feishu (here its loopback fake) uses as the message
 *    uuid: the rep sees the nudge exactly once.
 */
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/types.ts';
import { openDatabase, type Database } from '../../db/client.ts';
import { deliveries, nudges } from '../../db/schema/index.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { createStack, moreSweeps, spawnWorker, stopProcess, until, type Stack, type WorkerProcess } from '../services/stack.ts';
import { chatMessages, countAll, expectNothingLostNothingTwice } from './world.ts';

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

describe('a worker killed mid-batch', () => {
  let stack: Stack | null = null;
  let fake: FakeFeishu | null = null;
  let database: Database | null = null;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await stopProcess(w, 'SIGKILL');
    await database?.close();
    database = null;
    await fake?.close();
    fake = null;
    await stack?.teardown();
    stack = null;
  });

  it('in the middle of analysis: every message is analysed once after the next worker takes over', async () => {
    const CHATS = 200;
    stack = await createStack({ ANALYSIS_BATCH: '25', ANALYSIS_PARTITIONS: '4' });
    const web = await stack.producer();
    const at = new Date(Date.now() - 60_000);
    const outcomes = await web.sink.messages(Array.from({ length: CHATS }, (_, i) => chatMessages('wk', i, at)).flat());
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    database = await openDatabase({ databaseUrl: stack.env.DATABASE_URL!, dataDir: '', migrate: false });
    const analysed = async () =>
      Number((await database!.sql.query<{ n: number }>('select count(*)::int as n from messages where analyzed_at is not null'))[0]!.n);

    workers.push(await spawnWorker(stack.env));
    // Killed as soon as the first batches are committed, while the next are in their transactions.
    await until(async () => (await analysed()) > 0, 60_000, 'the first analysed batch');
    await stopProcess(workers[0]!, 'SIGKILL');
    const atKill = await analysed();
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(CHATS * 3);

    workers.push(await spawnWorker(stack.env));
    const settled = async () => {
      const c = await countAll(database!);
      return c.unanalysed === 0 && c.deliveries.pending + c.deliveries.sending === 0 && c.priceNudges === CHATS ? c : null;
    };
    await until(settled, 90_000, 'every message analysed and every nudge sent').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await countAll(database!))}\n${workers.map((w) => w.output()).join('\n---\n')}`);
    });
    // A few more sweeps of the surviving worker change nothing.
    await moreSweeps([workers[1]!]);
    expectNothingLostNothingTwice(await countAll(database), CHATS);
  }, 180_000);

  it('in the middle of a send: the stalled job is recovered and the nudge reaches the rep exactly once', async () => {
    const platform = await FakeFeishu.start();
    fake = platform;
    platform.sendDelayMs = 6_000;
    stack = await createStack({
      FEISHU_APP_ID: FAKE_APP_ID,
      FEISHU_APP_SECRET: FAKE_APP_SECRET,
      FEISHU_DOMAIN: platform.url,
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
    await until(async () => platform.sends.length === 1, 30_000, 'the first send to reach Feishu');
    await stopProcess(workers[0]!, 'SIGKILL');
    const [inFlight] = await database.db.select().from(deliveries).where(eq(deliveries.platform, 'feishu'));
    // Being sent: still pending, held by the dead worker's claim until its lease runs out.
    expect(inFlight).toMatchObject({ status: 'pending', attempts: 1, platform: 'feishu' });
    expect(inFlight?.claimedAt).toBeInstanceOf(Date);

    workers.push(await spawnWorker(stack.env));
    const sent = await until(
      async () => (await database!.db.select().from(deliveries).where(eq(deliveries.status, 'sent')))[0],
      45_000,
      'the recovered send',
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${workers.map((w) => w.output()).join('\n---\n')}`);
    });
    expect(sent.attempts).toBe(2);
    expect(platform.sends).toHaveLength(2);
    expect(platform.sends.every((s) => s.receiveId === ZHANGSAN_OPEN_ID && s.uuid === platform.sends[0]!.uuid)).toBe(true);
    expect(platform.deliveredMessages).toBe(1);
    expect(await database.db.select().from(nudges)).toHaveLength(1);
    expect((await countAll(database, platform)).platform).toEqual({ requests: 2, shown: 1, sent: 1, missing: 0 });
  }, 120_000);
});
