/**
 * Feishu end to end over the long connection (FEISHU_MODE=ws): the whole app (PGlite, the org
 * file, the playbook, the job runner, the send path) with the real @larksuiteoapi/node-sdk
 * talking to the loopback fake. It proves that a customer's price objection in a group becomes a
 * private nudge card to the owning rep's open_id (never the customer chat); that a redelivered
 * event is stored, nudged and sent once; that a send refused with a non-zero code is retried and
 * then sent once under the same uuid; that images and stickers are stored as non-text; that
 * `/team 本周` is answered on Feishu to a manager and politely refused to a rep; and that a card
 * button press reaches the nudge row (another person's press on a forwarded card is
 * refused with an error toast).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo } from '../../../bots/demo/replay.ts';
import { conversations, dealCorrections, deliveries, messages, nudges, opportunities, stageChanges } from '../../../db/schema/index.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu, type RecordedSend } from '../../adapters/feishu/fake-feishu.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import {
  cardActionEvent,
  cardOf,
  feishuOpenIds,
  messageEvent,
  openIdOf,
  plus,
  postOf,
  settle,
  STARTUP_TIMEOUT_MS,
  type MessageEventInput,
} from './feishu-world.ts';

const CUSTOMER = 'ou_0c1e2f3a4b5c6d7e8f90a1b2c3d4e5f6'; // not in the org file: a customer contact
const OBJECTION = '你们这个价格太贵了，超出我们预算了。';
const HELLO = '王总您好，我是张三，方案的事情这个群里沟通。';

let fake: FakeFeishu;
let t: TestApp;
let ids: Map<string, string>;
let zhangsan: string;

beforeAll(async () => {
  fake = await FakeFeishu.start();
  t = await startTestApp({
    start: new Date('2026-11-23T09:00:00+08:00'),
    env: { FEISHU_APP_ID: FAKE_APP_ID, FEISHU_APP_SECRET: FAKE_APP_SECRET, FEISHU_DOMAIN: fake.url, FEISHU_MODE: 'ws' },
  });
  ids = await feishuOpenIds(t.config.ORG_FILE);
  zhangsan = openIdOf(ids, 'zhangsan');
}, STARTUP_TIMEOUT_MS);
afterAll(async () => {
  await t?.cleanup();
  await fake?.close();
});

/** Moves the app's clock to `at` (running what falls due), Feishu pushes the event, the app runs it. */
async function deliver(p: MessageEventInput): Promise<void> {
  await advanceTo(t.app, t.clock, p.at);
  const ack = await fake.pushEvent(messageEvent(p));
  expect(ack.code).toBe(200);
  await settle(t);
}

/** A group chat where zhangsan has spoken (so owns it) and then the customer objects on price. */
async function objectionIn(chatId: string, at: Date): Promise<{ objectionId: string }> {
  await deliver({ messageId: `om_${chatId}_hello`, chatId, chatType: 'group', from: zhangsan, text: HELLO, at });
  const objectionId = `om_${chatId}_objection`;
  await deliver({ messageId: objectionId, chatId, chatType: 'group', from: CUSTOMER, text: OBJECTION, at: plus(at, 1) });
  return { objectionId };
}

async function nudgesIn(chatId: string) {
  return t.app.database.db
    .select()
    .from(nudges)
    .where(eq(nudges.conversationId, `feishu:${chatId}`));
}

async function deliveriesOf(nudgeId: string) {
  return t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, nudgeId));
}

const sendsSince = (n: number): RecordedSend[] => fake.sends.slice(n);

describe('Feishu long connection, through the whole app', () => {
  it('sends the owning rep a private price-objection card when a customer objects in a group', async () => {
    const before = fake.sends.length;
    const chatId = 'oc_e2e_price_group';
    await objectionIn(chatId, new Date('2026-11-23T10:00:00+08:00'));

    const [conv] = await t.app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `feishu:${chatId}`));
    expect(conv?.ownerId).toBe('zhangsan');
    const ns = await nudgesIn(chatId);
    expect(ns.map((n) => [n.ruleId, n.personId])).toEqual([['price-objection', 'zhangsan']]);

    const sent = sendsSince(before);
    expect(sent).toHaveLength(1);
    const send = sent[0]!;
    expect(send).toMatchObject({ receiveIdType: 'open_id', receiveId: zhangsan, msgType: 'interactive' });
    expect(send.receiveId).not.toBe(chatId);
    expect(send.authorization).toMatch(/^Bearer t-fake-\d+$/);
    expect(typeof send.uuid).toBe('string');
    expect((send.uuid as string).length).toBeGreaterThan(0);
    expect((send.uuid as string).length).toBeLessThanOrEqual(50);

    const card = cardOf(send);
    expect(card.title).toContain('客户提出价格异议');
    expect(card.text).toContain(OBJECTION.slice(0, 8));
    expect(card.buttons.map((b) => b.label)).toEqual(['有用', '没用', '已使用']);
    expect(card.buttons.map((b) => b.value)).toEqual([
      { nudgeId: ns[0]!.id, value: 'useful' },
      { nudgeId: ns[0]!.id, value: 'not_useful' },
      { nudgeId: ns[0]!.id, value: 'used' },
    ]);

    const [d] = await deliveriesOf(ns[0]!.id);
    expect(d).toMatchObject({ platform: 'feishu', status: 'sent', attempts: 1, to: { personId: 'zhangsan' } });
    expect(d?.platformMessageId).toMatch(/^om_fake_\d+$/);
  });

  it('processes an event Feishu delivers twice once: one message row, one nudge, one send', async () => {
    const chatId = 'oc_e2e_redelivery_group';
    const at = new Date('2026-11-23T10:10:00+08:00');
    await deliver({ messageId: `om_${chatId}_hello`, chatId, chatType: 'group', from: zhangsan, text: HELLO, at });
    const before = fake.sends.length;
    const objection: MessageEventInput = { messageId: `om_${chatId}_objection`, chatId, chatType: 'group', from: CUSTOMER, text: OBJECTION, at: plus(at, 1) };
    await advanceTo(t.app, t.clock, objection.at);
    // Redelivered before the first was processed, and once more after the nudge went out.
    const acks = [await fake.pushEvent(messageEvent(objection)), await fake.pushEvent(messageEvent(objection))];
    await settle(t);
    acks.push(await fake.pushEvent(messageEvent(objection)));
    await settle(t);
    await advanceTo(t.app, t.clock, plus(objection.at, 5));
    expect(acks.map((a) => a.code)).toEqual([200, 200, 200]);

    const rows = await t.app.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.platform, 'feishu'), eq(messages.platformMessageId, objection.messageId)));
    expect(rows).toHaveLength(1);
    const ns = await nudgesIn(chatId);
    expect(ns).toHaveLength(1);
    expect((await deliveriesOf(ns[0]!.id)).map((d) => [d.status, d.attempts])).toEqual([['sent', 1]]);
    const sent = sendsSince(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ receiveId: zhangsan, msgType: 'interactive' });
  });

  it('retries a send Feishu answers with a non-zero code, then sends the nudge exactly once', async () => {
    const chatId = 'oc_e2e_retry_group';
    const at = new Date('2026-11-23T10:20:00+08:00');
    const before = fake.sends.length;
    // Feishu answers HTTP 200 with an error code in the body; the SDK resolves instead of throwing.
    fake.failNextSend({ code: 2200, msg: 'Internal Error' });
    await objectionIn(chatId, at);

    const ns = await nudgesIn(chatId);
    expect(ns).toHaveLength(1);
    let [d] = await deliveriesOf(ns[0]!.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1 });
    expect(d?.lastError).toContain('2200');
    expect(sendsSince(before)).toHaveLength(1);

    // The retry falls due after its backoff on the app's clock.
    await settle(t, d!.id);
    [d] = await deliveriesOf(ns[0]!.id);
    expect(d).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(d?.platformMessageId).toMatch(/^om_fake_\d+$/);

    // Nothing more goes out later: two requests, one refused and one accepted, under one uuid.
    await advanceTo(t.app, t.clock, plus(at, 30));
    const sent = sendsSince(before);
    expect(sent).toHaveLength(2);
    expect(sent.map((s) => s.receiveId)).toEqual([zhangsan, zhangsan]);
    expect(sent[1]!.uuid).toBe(sent[0]!.uuid);
    expect(cardOf(sent[1]).title).toContain('客户提出价格异议');
  });

  it('stores an image and a sticker as non-text messages, without error', async () => {
    const chatId = 'oc_e2e_media_group';
    const at = new Date('2026-11-23T11:00:00+08:00');
    const before = fake.sends.length;
    await deliver({ messageId: 'om_e2e_image_1', chatId, chatType: 'group', from: CUSTOMER, type: 'image', at });
    await deliver({ messageId: 'om_e2e_sticker_1', chatId, chatType: 'group', from: CUSTOMER, type: 'sticker', at: plus(at, 1) });

    const rows = await t.app.database.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, `feishu:${chatId}`))
      .orderBy(messages.sentAt);
    expect(rows.map((r) => [r.platformMessageId, r.kind, r.text, r.role])).toEqual([
      ['om_e2e_image_1', 'image', '', 'customer'],
      ['om_e2e_sticker_1', 'sticker', '', 'customer'],
    ]);
    // Analysed: the analyze job's transaction committed, so it did not throw.
    expect(rows.every((r) => r.analyzedAt !== null)).toBe(true);
    expect(await nudgesIn(chatId)).toHaveLength(0);
    expect(sendsSince(before)).toHaveLength(0);
  });

  it("answers a manager's /team 本周 in the p2p chat with the bot, on Feishu", async () => {
    const wangjing = openIdOf(ids, 'wangjing');
    const before = fake.sends.length;
    await deliver({
      messageId: 'om_e2e_team_wangjing',
      chatId: 'oc_e2e_p2p_wangjing',
      chatType: 'p2p',
      from: wangjing,
      text: '/team 本周',
      at: new Date('2026-11-23T12:00:00+08:00'),
    });

    const sent = sendsSince(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ receiveIdType: 'open_id', receiveId: wangjing, msgType: 'post' });
    const post = postOf(sent[0]);
    expect(post.title).toContain('华东一组');
    expect(post.title).toContain('团队概览');
    // zhangsan's chats from the tests above are this week's activity.
    expect(post.text).toContain('张三');
    expect(post.text).toContain('李四');
  });

  it('politely refuses /team to a rep, in their own chat with the bot', async () => {
    const before = fake.sends.length;
    await deliver({
      messageId: 'om_e2e_team_zhangsan',
      chatId: 'oc_e2e_p2p_zhangsan',
      chatType: 'p2p',
      from: zhangsan,
      text: '/team 本周',
      at: new Date('2026-11-23T12:05:00+08:00'),
    });

    const sent = sendsSince(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ receiveIdType: 'open_id', receiveId: zhangsan, msgType: 'post' });
    expect(postOf(sent[0]).text).toContain('只对销售经理开放');
  });

  it('records a card button press (card.action.trigger) on the nudge row', async () => {
    const chatId = 'oc_e2e_feedback_group';
    const before = fake.sends.length;
    await objectionIn(chatId, new Date('2026-11-23T14:00:00+08:00'));
    const [n] = await nudgesIn(chatId);
    const send = sendsSince(before)[0];
    const card = cardOf(send);
    const [d] = await deliveriesOf(n!.id);
    const press = (operator: string, label: string) =>
      fake.pushEvent(
        cardActionEvent({
          operator,
          value: card.buttons.find((b) => b.label === label)?.value,
          openMessageId: d!.platformMessageId!,
          chatId: 'oc_e2e_p2p_zhangsan',
        }),
      );

    // Someone else pressing a forwarded card does not rate zhangsan's nudge.
    // Someone else pressing a forwarded card does not rate zhangsan's nudge, and is told so
    // (a 200 ack with an error toast: a 500 would only earn redeliveries that cannot succeed).
    const refused = await press(openIdOf(ids, 'lisi'), '没用');
    expect(refused.code).toBe(200);
    expect(refused.data).toMatchObject({ toast: { type: 'error' } });
    let [row] = await nudgesIn(chatId);
    expect(row?.feedback).toBeNull();

    const ack = await press(zhangsan, '有用');
    expect(ack.code).toBe(200);
    expect(ack.data).toEqual({ toast: { type: 'success', content: '已收到反馈' } });
    [row] = await nudgesIn(chatId);
    expect(row).toMatchObject({ id: n!.id, feedback: 'useful' });
    expect(row?.feedbackAt).not.toBeNull();
  });

  it('asks the owner to confirm a close the message only suggests; one tap closes it and sends the handover nudge', async () => {
    const chatId = 'oc_e2e_confirm_group';
    const at = new Date('2026-11-24T10:00:00+08:00');
    await deliver({ messageId: 'om_confirm_hello', chatId, chatType: 'group', from: zhangsan, text: HELLO, at });
    const before = fake.sends.length;
    await deliver({ messageId: 'om_confirm_won', chatId, chatType: 'group', from: CUSTOMER, text: '我们华联集团决定选你们了，老板已经拍板', at: plus(at, 5) });
    const [conv] = await t.app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `feishu:${chatId}`));
    const dealId = conv!.opportunityId!;
    let [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId));
    // Not closed on a guess: the owner is asked, privately.
    expect(deal!.status).toBe('open');
    const card = sendsSince(before)
      .map((s) => cardOf(s))
      .find((c) => c.title === '请确认商机状态');
    expect(card).toBeDefined();
    expect(card!.text).toContain('标记为「赢单」？');
    expect(card!.buttons.map((b) => b.label)).toEqual(['确认', '不是']);
    const yes = card!.buttons.find((b) => b.label === '确认')!.value;
    // Someone else cannot answer it.
    const refused = await fake.pushEvent(
      cardActionEvent({ operator: openIdOf(ids, 'lisi'), value: yes, openMessageId: 'om_card_confirm', chatId: 'oc_e2e_p2p_lisi' }),
    );
    expect(refused.data).toMatchObject({ toast: { type: 'error' } });
    [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId));
    expect(deal!.status).toBe('open');
    const ack = await fake.pushEvent(cardActionEvent({ operator: zhangsan, value: yes, openMessageId: 'om_card_confirm', chatId: 'oc_e2e_p2p_zhangsan' }));
    expect(ack.data).toEqual({ toast: { type: 'success', content: '已记录你的确认' } });
    await settle(t);
    [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId));
    expect(deal).toMatchObject({ status: 'won', stage: 'won' });
    const [move] = await t.app.database.db
      .select()
      .from(stageChanges)
      .where(and(eq(stageChanges.opportunityId, dealId), eq(stageChanges.toStage, 'won')));
    expect(move).toMatchObject({ source: 'confirmed', byPersonId: 'zhangsan' });
    expect((await nudgesIn(chatId)).map((n) => n.ruleId)).toContain('deal-won-handover');
    // Pressing again changes nothing.
    const again = await fake.pushEvent(cardActionEvent({ operator: zhangsan, value: yes, openMessageId: 'om_card_confirm', chatId: 'oc_e2e_p2p_zhangsan' }));
    expect(again.code).toBe(200);
    expect(
      await t.app.database.db
        .select()
        .from(stageChanges)
        .where(and(eq(stageChanges.opportunityId, dealId), eq(stageChanges.toStage, 'won'))),
    ).toHaveLength(1);
  });

  it('takes a correction from the owner in chat and refuses one from another rep, politely', async () => {
    const [conv] = await t.app.database.db.select().from(conversations).where(eq(conversations.id, 'feishu:oc_e2e_confirm_group'));
    const dealId = conv!.opportunityId!;
    const dmAt = new Date('2026-11-24T11:00:00+08:00');
    const before = fake.sends.length;
    // The deal took its name from the chat: 「我们华联集团决定选你们了」.
    await deliver({
      messageId: 'om_fix_by_lisi',
      chatId: 'oc_e2e_p2p_lisi',
      chatType: 'p2p',
      from: openIdOf(ids, 'lisi'),
      text: '/deal 华联集团 金额 20万',
      at: dmAt,
    });
    let [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId));
    expect(deal!.amount).toBeNull();
    await deliver({
      messageId: 'om_fix_by_zhang',
      chatId: 'oc_e2e_p2p_zhangsan',
      chatType: 'p2p',
      from: zhangsan,
      text: '/deal 华联集团 金额 20万',
      at: plus(dmAt, 1),
    });
    [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId));
    expect(deal!.amount).toBe(200_000);
    const replies = sendsSince(before).map((s) => ({
      to: s.receiveId,
      ...(s.msgType === 'post' ? postOf(s) : { title: '', text: JSON.stringify(s.content) }),
    }));
    expect(replies.find((r) => r.to === openIdOf(ids, 'lisi'))?.text).toContain('没有找到');
    expect(replies.find((r) => r.to === zhangsan)?.title).toBe('已更正');
    const fixes = await t.app.database.db.select().from(dealCorrections).where(eq(dealCorrections.opportunityId, dealId));
    expect(fixes.map((f) => [f.field, f.after, f.byPersonId, f.via])).toEqual([['amount', 200_000, 'zhangsan', 'chat:feishu']]);
  });

  it('sent every message of this file to a person by open_id, none to a chat', () => {
    expect(fake.sends.length).toBeGreaterThan(0);
    const people = new Set(ids.values());
    expect(fake.sends.filter((s) => s.receiveIdType !== 'open_id' || !people.has(s.receiveId as string))).toEqual([]);
  });
});
