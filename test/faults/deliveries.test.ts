/**
 * A platform's deliveries duplicated and reordered (Feishu chats; two web processes, as behind a
 * load balancer, and a worker, on PostgreSQL and Redis; nudges go to the fake Feishu).
 *  - Duplicated: every event reaches both web processes at once (so one stores it while the
 *    other's store meets its analysis), and comes again after it was analysed: stored once,
 *    analysed once, nudged and shown once, and no store refused on a deadlock.
 *  - Reordered: a chat's messages arrive out of order, each after the one before was analysed:
 *    still stored and analysed once each (the deals' counters say so), and never nudged twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../bots/app.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { createStack, type Stack, until } from '../services/stack.ts';
import { chatMessages, countAll, expectNothingLostNothingTwice } from './world.ts';

describe('duplicated and reordered deliveries', () => {
  let stack: Stack;
  let fake: FakeFeishu;
  let webs: App[];
  let worker: App;
  beforeAll(async () => {
    fake = await FakeFeishu.start();
    stack = await createStack({ FEISHU_APP_ID: FAKE_APP_ID, FEISHU_APP_SECRET: FAKE_APP_SECRET, FEISHU_DOMAIN: fake.url });
    webs = [await stack.app('web'), await stack.app('web')];
    worker = await stack.app('worker');
  });
  afterAll(async () => {
    await stack?.teardown();
    await fake?.close();
  });

  const settled = (chats: number) => async () => {
    const c = await countAll(worker.database, fake);
    return c.messages === chats * 3 && c.unanalysed === 0 && c.deliveries.pending + c.deliveries.sending === 0 ? c : null;
  };

  it('stores, analyses and nudges once an event that reaches two web processes at once and comes again later', async () => {
    const CHATS = 10;
    const messages = Array.from({ length: CHATS }, (_, i) => chatMessages('dup', i, new Date(Date.now() - 60_000), 'feishu')).flat();
    // In rounds of two chats: each round's second store meets the analysis of the first's. (It
    // used to deadlock: the store locked the conversations, then waited for the analysis holding
    // the messages, which waited for the conversations.)
    for (let round = 0; round < 5; round++) {
      const chats = messages.slice(round * 6, round * 6 + 6);
      const [a, b] = await Promise.all(webs.map((w) => w.sink.messages(chats)));
      const outcomes = [...a!, ...b!];
      expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(chats.length);
      expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(chats.length);
      await until(async () => (await countAll(worker.database)).unanalysed === 0, 10_000, 'the round analysed');
    }
    await until(async () => (await settled(CHATS)())?.priceNudges === CHATS, 30_000, 'the nudges');
    // Delivered again after it was analysed and nudged.
    const again = await webs[1]!.sink.messages(messages);
    expect(again.every((o) => o.status === 'duplicate')).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    const c = await countAll(worker.database, fake);
    expectNothingLostNothingTwice(c, CHATS);
    expect(c.platform).toMatchObject({ sent: CHATS, shown: CHATS });
  }, 60_000);

  it('stores and analyses each message of a reordered chat once, and nudges it at most once', async () => {
    const CHATS = 6;
    const before = await countAll(worker.database, fake);
    const at = new Date(Date.now() - 60_000);
    for (let i = 0; i < CHATS; i++) {
      const [greeting, talk, objection] = chatMessages('ord', i, at, 'feishu');
      // Half: the objection before the small talk. Half: the whole chat backwards.
      const order = i % 2 === 0 ? [greeting!, objection!, talk!] : [objection!, talk!, greeting!];
      for (const [k, m] of order.entries()) {
        await webs[k % 2]!.sink.message(m);
        await until(async () => (await countAll(worker.database)).unanalysed === 0, 10_000, 'the message analysed');
      }
    }
    const c = await until(settled(10 + CHATS), 30_000, 'every message analysed and every nudge sent');
    expect(c).toMatchObject({
      messages: (10 + CHATS) * 3,
      distinct: (10 + CHATS) * 3,
      unanalysed: 0,
      analysisErrors: 0,
      countedCustomerMessages: (10 + CHATS) * 2,
      deliveries: { pending: 0, sending: 0, failed: 0, sent: c.nudges },
    });
    // The rep spoke first: nudged once. Backwards: the objection came when no rep had spoken, and
    // the greeting that came after it nudges nobody (the engine does not look back).
    const nudged = await worker.database.sql.query<{ conversation_id: string; n: number }>(
      `select conversation_id, count(*)::int as n from nudges where rule_id = 'price-objection' and conversation_id like '%ord%' group by conversation_id`,
    );
    expect(nudged.every((r) => r.n === 1)).toBe(true);
    expect(nudged.map((r) => r.conversation_id).sort()).toEqual(['feishu:oc_ord_0', 'feishu:oc_ord_2', 'feishu:oc_ord_4']);
    expect(c.platform).toMatchObject({ sent: before.platform!.sent + 3, shown: before.platform!.shown + 3, missing: 0 });
  }, 120_000);
});
