/**
 * Feishu end to end in webhook mode (FEISHU_MODE=webhook with an encrypt key): the whole app
 * behind buildServer, callbacks encrypted and signed the way Feishu does (fake-webhook.ts, which
 * the adapter tests anchor to the SDK's own AESCipher), sends going to the loopback fake. It
 * proves that a forged or unsigned callback gets 401 and stores nothing, while a valid one is
 * stored and processed: the price objection it carries becomes a nudge card on zhangsan's
 * open_id, a redelivered callback changes nothing, and a card button press reaches the nudge row
 * (someone else's press is answered with an error toast and changes nothing).
 */
import { and, count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo } from '../../../bots/demo/replay.ts';
import { buildServer } from '../../../bots/http/server.ts';
import { deliveries, messages, nudges } from '../../../db/schema/index.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../../adapters/feishu/fake-feishu.ts';
import { feishuWebhookRequest, type WebhookRequestOptions } from '../../adapters/feishu/fake-webhook.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { cardActionEvent, cardOf, feishuOpenIds, messageEvent, openIdOf, plus, settle, STARTUP_TIMEOUT_MS, type MessageEventInput } from './feishu-world.ts';

const ENCRYPT_KEY = 'e2e-feishu-encrypt-key-0123456789';
const VERIFICATION_TOKEN = 'v_token_fake'; // what the recorded fixtures carry in header.token
const CUSTOMER = 'ou_9a8b7c6d5e4f30211203f4e5d6c7b8a9';
const OBJECTION = '你们这个价格太贵了，超出我们预算了。';
const CHAT = 'oc_e2e_webhook_group';

let fake: FakeFeishu;
let t: TestApp;
let server: FastifyInstance;
let zhangsan: string;
let lisi: string;

beforeAll(async () => {
  fake = await FakeFeishu.start();
  t = await startTestApp({
    start: new Date('2026-11-23T09:00:00+08:00'),
    env: {
      FEISHU_APP_ID: FAKE_APP_ID,
      FEISHU_APP_SECRET: FAKE_APP_SECRET,
      FEISHU_DOMAIN: fake.url,
      FEISHU_MODE: 'webhook',
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      FEISHU_VERIFICATION_TOKEN: VERIFICATION_TOKEN,
    },
  });
  server = buildServer(t.app);
  await server.ready();
  const ids = await feishuOpenIds(t.config.ORG_FILE);
  zhangsan = openIdOf(ids, 'zhangsan');
  lisi = openIdOf(ids, 'lisi');
}, STARTUP_TIMEOUT_MS);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  await fake?.close();
});

/** POSTs a callback to the app's webhook route, encrypted (and signed, unless told otherwise). */
async function callback(payload: object, opts: Partial<WebhookRequestOptions> = {}) {
  const req = feishuWebhookRequest(payload, { encryptKey: ENCRYPT_KEY, ...opts });
  const res = await server.inject({ method: 'POST', url: '/feishu/webhook', headers: req.headers as Record<string, string>, payload: req.rawBody });
  return { status: res.statusCode, body: res.json() as unknown };
}

async function storedCount(platformMessageId: string): Promise<number> {
  const [r] = await t.app.database.db
    .select({ n: count() })
    .from(messages)
    .where(and(eq(messages.platform, 'feishu'), eq(messages.platformMessageId, platformMessageId)));
  return r?.n ?? 0;
}

const HELLO_AT = new Date('2026-11-23T10:00:00+08:00');
/** zhangsan speaks first in the group, so the conversation is his. */
const hello = (): MessageEventInput => ({
  messageId: 'om_e2e_webhook_hello',
  chatId: CHAT,
  chatType: 'group',
  from: zhangsan,
  text: '王总您好，我是张三，方案的事情这个群里沟通。',
  at: HELLO_AT,
});
const objection: MessageEventInput = {
  messageId: 'om_e2e_webhook_objection',
  chatId: CHAT,
  chatType: 'group',
  from: CUSTOMER,
  text: OBJECTION,
  at: plus(HELLO_AT, 1),
};

describe('Feishu webhook mode, through buildServer and the whole app', () => {
  it('answers 401 to a forged or unsigned callback and stores nothing', async () => {
    const before = fake.sends.length;
    await advanceTo(t.app, t.clock, objection.at);
    const forged = await callback(messageEvent(objection), { signingKey: 'attacker-key' });
    expect(forged).toEqual({ status: 401, body: { code: 'SIGNATURE_INVALID', message: expect.stringContaining('X-Lark-Signature') } });
    const unsigned = await callback(messageEvent(objection), { sign: false });
    expect(unsigned.status).toBe(401);

    await settle(t);
    expect(await storedCount(objection.messageId)).toBe(0);
    expect(await t.app.database.db.select().from(nudges)).toHaveLength(0);
    expect(fake.sends.length).toBe(before);
  });

  it('stores and processes a valid callback: the objection becomes a nudge card to zhangsan', async () => {
    const before = fake.sends.length;
    await advanceTo(t.app, t.clock, HELLO_AT);
    expect(await callback(messageEvent(hello()))).toEqual({ status: 200, body: {} });
    await settle(t);
    await advanceTo(t.app, t.clock, objection.at);
    expect(await callback(messageEvent(objection))).toEqual({ status: 200, body: {} });
    expect(await storedCount(objection.messageId)).toBe(1);
    await settle(t);

    const ns = await t.app.database.db
      .select()
      .from(nudges)
      .where(eq(nudges.conversationId, `feishu:${CHAT}`));
    expect(ns.map((n) => [n.ruleId, n.personId])).toEqual([['price-objection', 'zhangsan']]);
    const sent = fake.sends.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ receiveIdType: 'open_id', receiveId: zhangsan, msgType: 'interactive' });
    expect(typeof sent[0]!.uuid).toBe('string');
    const card = cardOf(sent[0]);
    expect(card.title).toContain('客户提出价格异议');
    expect(card.buttons.map((b) => b.label)).toEqual(['有用', '没用', '已使用']);

    // Feishu retries a callback it thinks went unanswered: same event, stored and sent once.
    expect((await callback(messageEvent(objection))).status).toBe(200);
    await advanceTo(t.app, t.clock, plus(objection.at, 5));
    expect(await storedCount(objection.messageId)).toBe(1);
    expect(fake.sends.length).toBe(before + 1);
    const [d] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, ns[0]!.id));
    expect(d).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('records a card button press on the nudge row and answers with the toast', async () => {
    const [n] = await t.app.database.db
      .select()
      .from(nudges)
      .where(eq(nudges.conversationId, `feishu:${CHAT}`));
    expect(n).toBeDefined();
    const [d] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, n!.id));
    const send = fake.sends.find((s) => s.msgType === 'interactive' && s.receiveId === zhangsan);
    const useful = cardOf(send).buttons.find((b) => b.label === '有用')?.value;

    const press = (operator: string) => callback(cardActionEvent({ operator, value: useful, openMessageId: d!.platformMessageId!, chatId: 'oc_e2e_p2p_bot' }));

    // lisi pressing a card forwarded to him is answered with an error toast and changes nothing.
    const refused = await press(lisi);
    expect(refused).toMatchObject({ status: 200, body: { toast: { type: 'error' } } });
    let [row] = await t.app.database.db.select().from(nudges).where(eq(nudges.id, n!.id));
    expect(row?.feedback).toBeNull();

    expect(await press(zhangsan)).toEqual({ status: 200, body: { toast: { type: 'success', content: '已收到反馈' } } });
    [row] = await t.app.database.db.select().from(nudges).where(eq(nudges.id, n!.id));
    expect(row?.feedback).toBe('useful');
  });
});
