/**
 * WeCom end to end with ONLY the intelligent bot configured, through the whole app: HTTP server,
 * PGlite, job runner, the real @wecom/aibot-node-sdk on its long connection to the loopback fake.
 * It proves that
 * - a customer's price objection imported from the chat archive reaches the owner rep as the
 *   bot's aibot_send_msg to zhangsan (a template card titled 客户提出价格异议 with 有用/没用/已使用),
 *   once, however often the batch is posted;
 * - pressing a button on that card (aibot_event_callback template_card_event) lands on the nudge
 *   row, and a press by someone the nudge was not for changes nothing;
 * - a manager's `/team 本周` written to the bot in a single chat (aibot_msg_callback from wangjing)
 *   is answered to wangjing over the same connection with the team summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { buildServer } from '../../../bots/http/server.ts';
import { advanceTo } from '../../../bots/demo/replay.ts';
import { parseCardValue } from '../../../core/card-actions.ts';
import { atomEvents, deliveries, nudges } from '../../../db/schema/index.ts';
import { FakeWecomWsServer, type ReceivedFrame } from '../../fakes/wecom/ws-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { archiveText, BOT, botEnv, counts, CUSTOMER, nudgesFor, START_TIMEOUT_MS, storedMessage, until } from './harness.ts';

interface PushBody {
  chatid: string;
  msgtype: string;
  template_card?: { main_title: { title: string }; button_list: Array<{ text: string; key: string }>; task_id: string };
  markdown?: { content: string };
}

const at = (hhmm: string) => new Date(`2026-11-23T${hhmm}:00+08:00`);
const ROOM = 'wrE2eRoomDDxibeiNengyuan0004';

let t: TestApp;
let ws: FakeWecomWsServer;
let server: FastifyInstance;

beforeAll(async () => {
  ws = new FakeWecomWsServer(BOT);
  await ws.start();
  t = await startTestApp({ start: at('09:00'), env: botEnv(ws.url) });
  server = buildServer(t.app);
}, START_TIMEOUT_MS);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  await ws?.close();
}, START_TIMEOUT_MS);

const pushesTo = (chatid: string): ReceivedFrame[] => ws.frames('aibot_send_msg').filter((f) => (f.body as unknown as PushBody).chatid === chatid);
const bodyOf = (f: ReceivedFrame) => f.body as unknown as PushBody;

const batch = [
  archiveText({ msgid: 'e2e-d-1', from: 'zhangsan', to: [CUSTOMER], room: ROOM, at: at('09:10'), text: '王总您好，我是张三，方案的事情这个群里沟通。' }),
  archiveText({ msgid: 'e2e-d-2_external', from: CUSTOMER, to: ['zhangsan'], room: ROOM, at: at('09:12'), text: '你们这个价格太贵了，超出我们预算了。' }),
];

describe('WeCom archive → nudge through the bot (only the bot configured)', () => {
  it('pushes the price-objection card to zhangsan with aibot_send_msg, once for a batch posted twice', async () => {
    const { app, clock } = t;
    clock.set(at('09:13'));
    const post = () => server.inject({ method: 'POST', url: '/v1/wecom/archive', payload: batch });
    const first = await post();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ stored: 2, duplicate: 0, skipped: [] });
    await app.drain();

    const pushes = pushesTo('zhangsan');
    // The whole nudge as markdown, then the small card with its buttons.
    expect(pushes).toHaveLength(2);
    expect(bodyOf(pushes[0]!).msgtype).toBe('markdown');
    const body = bodyOf(pushes[1]!);
    expect(body.msgtype).toBe('template_card');
    expect(body.template_card!.main_title.title).toContain('客户提出价格异议');
    expect(body.template_card!.button_list.map((b) => b.text)).toEqual(['有用', '没用', '已使用']);
    const [only, ...more] = await nudgesFor(app, 'zhangsan');
    expect(more).toEqual([]);
    expect(only!.nudge).toMatchObject({ ruleId: 'price-objection', messageId: (await storedMessage(app, 'e2e-d-2_external'))!.id });
    expect(parseCardValue(body.template_card!.button_list[0]!.key)).toEqual({ kind: 'feedback', nudgeId: only!.nudge.id, value: 'useful' });
    expect(only!.deliveries).toMatchObject([{ platform: 'wecom', status: 'sent', attempts: 1 }]);

    const before = await counts(app);
    const again = await post();
    expect(again.json()).toEqual({ stored: 0, duplicate: 2, skipped: [] });
    await advanceTo(app, clock, at('09:30'));
    expect(await counts(app)).toEqual(before);
    expect(pushesTo('zhangsan')).toHaveLength(2);
    // Nothing went anywhere else: the customer's chat never sees coaching.
    expect(ws.frames('aibot_send_msg')).toHaveLength(2);
  });

  it('records a press on the card (aibot_event_callback template_card_event) on the nudge row; a press by another rep changes nothing', async () => {
    const { app } = t;
    const card = bodyOf(pushesTo('zhangsan')[1]!).template_card!;
    const useful = card.button_list.find((b) => b.text === '有用')!;
    const nudgeId = (parseCardValue(useful.key) as { nudgeId: string }).nudgeId;
    const event = (userid: string, key: string, msgid: string) => ({
      msgid,
      create_time: Math.floor(at('09:31').getTime() / 1000),
      aibotid: BOT.botId,
      chattype: 'single',
      from: { corpid: 'wpE2eCorp', userid },
      msgtype: 'event',
      event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: key, task_id: card.task_id } },
    });
    const feedbackOf = async () => (await app.database.db.select().from(nudges).where(eq(nudges.id, nudgeId)))[0]!;

    // lisi presses zhangsan's card (a forwarded card): refused, the row keeps no feedback.
    ws.pushEvent(event('lisi', card.button_list.find((b) => b.text === '没用')!.key, 'e2e-evt-1'));
    ws.pushEvent(event('zhangsan', useful.key, 'e2e-evt-2'));
    await until(async () => (await feedbackOf()).feedback !== null, 'the press reaches nudges.feedback');
    const row = await feedbackOf();
    expect(row).toMatchObject({ feedback: 'useful' });
    expect(row.feedbackAt).not.toBeNull();
    // lisi's press (sent first) left no trace: no 'not_useful' event on the nudge's atoms.
    const events = await app.database.db.select().from(atomEvents).where(eq(atomEvents.nudgeId, nudgeId));
    expect(events.map((e) => e.kind)).not.toContain('not_useful');
    expect(events.filter((e) => e.kind === 'useful').map((e) => e.personId)).toEqual(row.atomIds.map(() => 'zhangsan'));
  });
});

describe('manager commands to the bot', () => {
  it("answers wangjing's /team 本周 in a single chat with the east team's summary, to wangjing", async () => {
    const { app, clock } = t;
    clock.set(at('17:00'));
    ws.pushMessage({
      msgid: 'e2e-team-1',
      aibotid: BOT.botId,
      chattype: 'single',
      from: { userid: 'wangjing' },
      create_time: Math.floor(at('17:00').getTime() / 1000),
      msgtype: 'text',
      text: { content: '/team 本周' },
    });
    await until(async () => (await storedMessage(app, 'e2e-team-1')) !== null, 'the command is stored');
    expect(await storedMessage(app, 'e2e-team-1')).toMatchObject({ personId: 'wangjing', role: 'manager', text: '/team 本周' });
    await app.drain();

    const answers = pushesTo('wangjing');
    expect(answers).toHaveLength(1);
    const body = bodyOf(answers[0]!);
    expect(body.msgtype).toBe('markdown');
    const content = body.markdown!.content;
    expect(content).toContain('华东一组');
    expect(content).toContain('团队概览');
    // zhangsan's block counts the week's conversation and the nudge he got; lisi is listed too.
    const zhangsan = content.split('\n\n').find((b) => b.startsWith('**张三**'));
    expect(zhangsan).toMatch(/会话 1/);
    expect(zhangsan).toMatch(/提醒 1/);
    expect(content).toContain('李四');
    expect(content).not.toContain('赵敏');
    const [d] = await app.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.idempotencyKey, `reply:${(await storedMessage(app, 'e2e-team-1'))!.id}`));
    expect(d).toMatchObject({ platform: 'wecom', status: 'sent', to: { personId: 'wangjing' } });
  });
});
