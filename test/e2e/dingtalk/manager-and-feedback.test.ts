/**
 * DingTalk end to end, team side: robot CALLBACK frames in 1:1 chats with the robot go through
 * the real SDK and adapter into the whole app. Proves that a manager's `/team 本周` is answered
 * on DingTalk to that manager (through their chat's session webhook), and that a nudge card's
 * feedback button, pressed the way the DingTalk client presses it (the `dtmd://…sendMessage`
 * link sends `有用 #feedback {…}` as chat text), reaches the nudge row when the nudged rep
 * presses it, while the same press from another person is acked and changes nothing; and that a
 * redelivered press counts once.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { atomEvents, dealCorrections, deliveries, messages, nudges, opportunities, stageChanges } from '../../../db/schema/index.ts';
import {
  CLIENT_SECRET,
  START_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
  groupMessage,
  pressContent,
  push,
  singleMessage,
  startDingtalkApp,
  type DingtalkApp,
} from './harness.ts';

const T0 = new Date('2026-11-23T10:00:00+08:00');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const GROUP = { conversationId: 'cidE2eEastMedical==', title: '华东医疗 · HIS 升级' };

let t: DingtalkApp;
/** The price-objection nudge to zhangsan and the card DingTalk received for it. */
let nudgeId: string;
let card: Record<string, string>;
const pushed = new Map<string, number>();

async function deliver(payload: Record<string, unknown>, frameId?: string): Promise<string> {
  const id = await push(t.fake, payload, frameId);
  pushed.set(id, (pushed.get(id) ?? 0) + 1);
  return id;
}

async function nudgeRow() {
  const [row] = await t.app.database.db.select().from(nudges).where(eq(nudges.id, nudgeId));
  return row!;
}

async function feedbackEvents(): Promise<number> {
  const [row] = await t.app.database.db.select({ n: count() }).from(atomEvents).where(eq(atomEvents.nudgeId, nudgeId));
  return row!.n - (await nudgeRow()).atomIds.length; // minus the 'pushed' events
}

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => {});
  t = await startDingtalkApp(T0);
  const { app, clock, fake, staffId } = t;
  // zhangsan opens the customer group, the customer objects to the price: zhangsan is nudged.
  await deliver(
    groupMessage(fake, {
      ...GROUP,
      msgId: 'msgE2eHello01',
      from: { staffId: staffId('zhangsan'), nick: '张三', dingtalkId: '$:LWCP_v1:$zhangsan01' },
      at: at(0),
      text: '王总您好，我是张三，方案的事情这个群里沟通。',
    }),
  );
  clock.set(at(1));
  await deliver(
    groupMessage(fake, {
      ...GROUP,
      msgId: 'msgE2eObjection01',
      from: { nick: '王总（客户）', dingtalkId: '$:LWCP_v1:$customerWang01' },
      at: at(1),
      text: '你们这个价格太贵了，超出我们预算了。',
    }),
  );
  await app.drain();
  const [n] = await app.database.db.select().from(nudges);
  if (!n || fake.batchSends.length !== 1) throw new Error('setup: the price objection did not nudge zhangsan');
  nudgeId = n.id;
  card = fake.batchSends[0]!.param;
}, START_TIMEOUT_MS);

afterAll(async () => {
  await t?.cleanup();
  vi.restoreAllMocks();
});

describe('DingTalk end to end: a manager asks for the team summary', { timeout: TEST_TIMEOUT_MS }, () => {
  it('answers `/team 本周` from wangjing in his 1:1 chat, to wangjing, through that chat', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(30));
    const before = { batch: fake.batchSends.length, webhook: fake.webhookSends.length };
    await deliver(singleMessage(fake, { staffId: staffId('wangjing'), nick: '王静', msgId: 'msgE2eTeam01', at: at(30), text: '/team 本周' }));
    await app.drain();

    const toWangjing = (await app.database.db.select().from(deliveries)).filter((d) => 'personId' in d.to && d.to.personId === 'wangjing');
    expect(toWangjing.map((d) => [d.platform, d.status, d.attempts])).toEqual([['dingtalk', 'sent', 1]]);

    const sends = fake.webhookSends.slice(before.webhook);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.session).toBe(`single-${staffId('wangjing')}`);
    expect(sends[0]!.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '华东一组 · 本周团队概览' } });
    // zhangsan's deal, opened from the DingTalk group, is in his block; lisi has done nothing yet.
    const text = (sends[0]!.body.markdown as { text: string }).text;
    expect(text).toMatch(/\*\*张三\*\*\n[^\n]+\n推进：华东医疗 · HIS 升级 /);
    expect(text).toContain('**李四**\n暂无数据');
    // Nothing else went out: no proactive send, nothing to a group.
    expect(fake.batchSends).toHaveLength(before.batch);
    expect(fake.groupSends).toHaveLength(0);
  });
});

describe('DingTalk end to end: feedback buttons on a nudge card', { timeout: TEST_TIMEOUT_MS }, () => {
  it('carries the nudge id in each button, as a link that sends the press back as chat text', () => {
    expect(pressContent(card.actionURL1!)).toBe(`有用 #feedback {"nudgeId":"${nudgeId}","value":"useful"}`);
    expect(pressContent(card.actionURL2!)).toBe(`没用 #feedback {"nudgeId":"${nudgeId}","value":"not_useful"}`);
    expect(pressContent(card.actionURL3!)).toBe(`已使用 #feedback {"nudgeId":"${nudgeId}","value":"used"}`);
  });

  it('acks a press by another person and changes nothing', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(40));
    const repliesBefore = await countDeliveries();
    const frame = await deliver(
      singleMessage(fake, { staffId: staffId('lisi'), nick: '李四', msgId: 'msgE2ePressLisi01', at: at(40), text: pressContent(card.actionURL1!) }),
    );
    await app.drain();

    expect(fake.acksFor(frame)).toHaveLength(1);
    expect(await nudgeRow()).toMatchObject({ feedback: null, feedbackAt: null });
    expect(await feedbackEvents()).toBe(0);
    expect(await countDeliveries()).toBe(repliesBefore);
  });

  it('records zhangsan pressing 有用 on his nudge: nudges.feedback, and the atoms’ useful events', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(41));
    const repliesBefore = await countDeliveries();
    await deliver(
      singleMessage(fake, { staffId: staffId('zhangsan'), nick: '张三', msgId: 'msgE2ePress01', at: at(41), text: pressContent(card.actionURL1!) }),
    );
    await app.drain();

    const row = await nudgeRow();
    expect(row).toMatchObject({ feedback: 'useful', feedbackAt: at(41) });
    expect(await feedbackEvents()).toBe(row.atomIds.length);
    // A press is feedback, not a chat message: not stored as one and not answered.
    expect(await app.database.db.select().from(messages).where(eq(messages.platformMessageId, 'msgE2ePress01'))).toEqual([]);
    expect(await countDeliveries()).toBe(repliesBefore);
  });

  it('keeps zhangsan’s answer when another person then presses 没用', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(42));
    const useful = await feedbackEvents();
    const frame = await deliver(
      singleMessage(fake, { staffId: staffId('lisi'), nick: '李四', msgId: 'msgE2ePressLisi02', at: at(42), text: pressContent(card.actionURL2!) }),
    );
    await app.drain();

    expect(fake.acksFor(frame)).toHaveLength(1);
    expect(await nudgeRow()).toMatchObject({ feedback: 'useful', feedbackAt: at(41) });
    expect(await feedbackEvents()).toBe(useful);
  });

  // Fails today: a press reaches recordFeedback (bots/loop/feedback.ts) with no platform message
  // id to dedupe on, so every delivery rewrites feedback_at and inserts the atom events again.
  it('records a redelivered press once', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(50));
    const payload = singleMessage(fake, {
      staffId: staffId('zhangsan'),
      nick: '张三',
      msgId: 'msgE2ePress02',
      at: at(50),
      text: pressContent(card.actionURL3!),
    });
    const frame = await deliver(payload);
    await app.drain();
    const once = await feedbackEvents();
    clock.set(at(51));
    await deliver(payload, frame);
    await app.drain();

    expect(fake.acksFor(frame)).toHaveLength(2);
    const row = await nudgeRow();
    // One press: the second delivery neither moves the time of the answer nor counts it again.
    expect({ feedback: row.feedback, feedbackAt: row.feedbackAt, feedbackEvents: await feedbackEvents() }).toEqual({
      feedback: 'used',
      feedbackAt: at(50),
      feedbackEvents: once,
    });
  });

  it('acked every callback as often as it was delivered, logged no error and no credential', () => {
    const { fake, logs } = t;
    for (const [frameId, times] of pushed) expect(fake.acksFor(frameId)).toHaveLength(times);
    expect(fake.acks).toHaveLength([...pushed.values()].reduce((a, b) => a + b, 0));
    expect(logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50)).toEqual([]);
    const all = logs.join('\n');
    expect(all).not.toContain(CLIENT_SECRET);
    expect(all).not.toContain('sendBySession');
    for (const token of fake.tokensIssued) expect(all).not.toContain(token);
  });
});

async function countDeliveries(): Promise<number> {
  const [row] = await t.app.database.db.select({ n: count() }).from(deliveries);
  return row!.n;
}

describe('DingTalk end to end: confirming a close, correcting a deal', { timeout: TEST_TIMEOUT_MS }, () => {
  it('asks zhangsan to confirm a close the message only suggests; his press, sent back as chat text, closes it once', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(60));
    const before = { batch: fake.batchSends.length, webhook: fake.webhookSends.length };
    await deliver(
      groupMessage(fake, {
        ...GROUP,
        msgId: 'msgE2eWon01',
        from: { nick: '王总（客户）', dingtalkId: '$:LWCP_v1:$customerWang01' },
        at: at(60),
        text: '我们决定选你们了，老板已经拍板',
      }),
    );
    await app.drain();
    const [deal] = await app.database.db.select().from(opportunities);
    expect(deal!.status).toBe('open');
    // The card goes through zhangsan's open 1:1 session, or proactively: either way to him alone.
    const cards = [
      ...fake.batchSends.slice(before.batch).map((s) => s.param),
      ...fake.webhookSends
        .slice(before.webhook)
        .filter((s) => s.session === `single-${staffId('zhangsan')}`)
        .map((s) => {
          const c = s.body.actionCard as { title: string; text: string; btns: Array<{ title: string; actionURL: string }> };
          return { title: c.title, text: c.text, actionURL1: c.btns[0]!.actionURL };
        }),
    ];
    const ask = cards.find((c) => (c.title ?? '').includes('请确认商机状态'));
    expect(ask).toBeDefined();
    expect(ask!.text).toContain('标记为「赢单」？');
    const yes = pressContent(ask!.actionURL1!);
    expect(yes).toMatch(/^确认 #feedback \{"confirmationId":".+","answer":"yes"\}$/);

    // lisi pressing a forwarded card changes nothing; zhangsan's press closes the deal.
    clock.set(at(61));
    await deliver(singleMessage(fake, { staffId: staffId('lisi'), nick: '李四', msgId: 'msgE2eConfirmLisi', at: at(61), text: yes }));
    await app.drain();
    expect((await app.database.db.select().from(opportunities))[0]!.status).toBe('open');
    clock.set(at(62));
    const frame = await deliver(singleMessage(fake, { staffId: staffId('zhangsan'), nick: '张三', msgId: 'msgE2eConfirmZhang', at: at(62), text: yes }));
    await deliver(singleMessage(fake, { staffId: staffId('zhangsan'), nick: '张三', msgId: 'msgE2eConfirmZhang', at: at(62), text: yes }), frame);
    await app.drain();
    const [closed] = await app.database.db.select().from(opportunities);
    expect(closed).toMatchObject({ status: 'won', stage: 'won' });
    const moves = await app.database.db.select().from(stageChanges).where(eq(stageChanges.toStage, 'won'));
    expect(moves.map((m) => [m.source, m.byPersonId])).toEqual([['confirmed', 'zhangsan']]);
  });

  it("corrects the deal on zhangsan's word and politely refuses lisi's", async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(70));
    await deliver(singleMessage(fake, { staffId: staffId('lisi'), nick: '李四', msgId: 'msgE2eFixLisi', at: at(70), text: '/deal 华东医疗 金额 30万' }));
    await deliver(singleMessage(fake, { staffId: staffId('zhangsan'), nick: '张三', msgId: 'msgE2eFixZhang', at: at(71), text: '/deal 华东医疗 金额 30万' }));
    await app.drain();
    const [deal] = await app.database.db.select().from(opportunities);
    expect(deal!.amount).toBe(300_000);
    const fixes = await app.database.db.select().from(dealCorrections);
    expect(fixes.map((f) => [f.field, f.after, f.byPersonId, f.via])).toEqual([['amount', 300_000, 'zhangsan', 'chat:dingtalk']]);
    const toLisi = fake.webhookSends.filter((s) => s.session === `single-${staffId('lisi')}`).map((s) => JSON.stringify(s.body));
    expect(toLisi.at(-1)).toContain('没有找到');
  });
});
