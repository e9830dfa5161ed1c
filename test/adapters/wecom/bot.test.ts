/**
 * The bot adapter driving the REAL @wecom/aibot-node-sdk against a loopback fake of WeCom's
 * long-connection server (test/fakes/wecom/ws-server.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WecomBotAdapter } from '../../../adapters/wecom/bot.ts';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { FakeWecomWsServer } from '../../fakes/wecom/ws-server.ts';
import { json } from './fixtures.ts';
import { captureLogger } from './log-capture.ts';
import { eventually } from '../../helpers/eventually.ts';
import { RecordingSink } from './recording-sink.ts';

const creds = { botId: 'aibAbCdEf0123456789', secret: 'bot-secret-DO-NOT-LOG' };

let fake: FakeWecomWsServer;
let sink: RecordingSink;
let adapter: WecomBotAdapter;
let logs: string[];

async function startAdapter(extra: Partial<ConstructorParameters<typeof WecomBotAdapter>[0]> = {}): Promise<void> {
  const captured = captureLogger();
  logs = captured.lines;
  // A 20 ms reconnect base keeps the reconnect test fast; the SDK default is 1 s doubling to 30 s.
  adapter = new WecomBotAdapter({ ...creds, wsUrl: fake.url, log: captured.log, reconnectIntervalMs: 20, storeRetryMs: [10, 10], ...extra });
  await adapter.start(sink);
}

beforeEach(async () => {
  fake = new FakeWecomWsServer(creds);
  await fake.start();
  sink = new RecordingSink();
});

afterEach(async () => {
  await adapter?.stop();
  await fake.close();
});

describe('WeCom bot adapter: receiving', () => {
  beforeEach(() => startAdapter());

  it('subscribes with aibot_subscribe carrying bot_id and secret', () => {
    const [sub] = fake.frames('aibot_subscribe');
    expect(sub?.body).toMatchObject({ bot_id: creds.botId, secret: creds.secret });
    expect(sub?.headers.req_id).toMatch(/^aibot_subscribe_/);
  });

  it('hands a group text message to the sink, parsed', async () => {
    const body = json('bot/text-group.json');
    fake.pushMessage(body);
    await sink.waitForMessages(1);
    expect(sink.messages[0]).toEqual({
      platform: 'wecom',
      messageId: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
      conversationId: 'wrkSFfCgAAtT0Nn5Xq1cJ6b0mZlG5X7A',
      chatType: 'group',
      direct: false,
      senderId: 'zhangsan',
      kind: 'text',
      text: '@销售助手 华东医疗那边说价格太高了，怎么回？',
      attachments: [],
      sentAt: new Date(1732700000 * 1000),
      raw: body,
    });
  });

  it('hands a single-chat text message to the sink as a direct message keyed by the user', async () => {
    fake.pushMessage(json('bot/text-single.json'));
    await sink.waitForMessages(1);
    expect(sink.messages[0]).toMatchObject({ conversationId: 'lisi', chatType: 'single', direct: true, senderId: 'lisi', text: '/team 本周' });
  });

  it('passes a redelivered frame to the sink again and keeps going on the duplicate answer', async () => {
    const body = json('bot/text-single.json');
    fake.pushMessage(body, 'aibot_msg_callback_same');
    fake.pushMessage(body, 'aibot_msg_callback_same');
    await sink.waitForMessages(2);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
    // Still healthy after the duplicate: the next message arrives.
    fake.pushMessage(json('bot/text-group.json'));
    await sink.waitForMessages(3);
    expect(sink.outcomes[2]?.status).toBe('stored');
  });

  it('parses an image as kind image with empty text, and voice with its transcription', async () => {
    fake.pushMessage(json('bot/image-single.json'));
    fake.pushMessage(json('bot/voice-single.json'));
    await sink.waitForMessages(2);
    expect(sink.messages[0]).toMatchObject({ kind: 'image', text: '', attachments: [] });
    expect(sink.messages[1]).toMatchObject({ kind: 'voice', text: '帮我查一下华东医疗的进度' });
  });

  it('reconnects after the server drops the connection and still receives the next message', async () => {
    fake.dropConnections();
    await fake.waitForAuth(2);
    fake.pushMessage(json('bot/text-single.json'));
    await sink.waitForMessages(1);
    expect(sink.messages[0]?.messageId).toBe('CAIQ16HMjQYY/NGagIOAgAMgq4KM0AJ=');
  });

  it('tells the sender a message it could not store was not handled, and keeps receiving', async () => {
    sink.failWith = new Error('database down');
    fake.pushMessage(json('bot/text-single.json'));
    await eventually(() => fake.frames('aibot_respond_msg').length > 0);
    expect(JSON.stringify(fake.frames('aibot_respond_msg')[0]?.body)).toContain('没能处理');
    expect(logs.some((l) => l.includes('not handled'))).toBe(true);
    sink.failWith = null;
    fake.pushMessage(json('bot/text-group.json'));
    await sink.waitForMessages(1);
    expect(sink.messages[0]?.chatType).toBe('group');
  }, 10_000);

  it('never writes the bot secret to a log line', async () => {
    fake.pushMessage(json('bot/text-single.json'));
    await sink.waitForMessages(1);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(creds.secret);
  });
});

describe('WeCom bot adapter: sending', () => {
  beforeEach(() => startAdapter());

  it('pushes markdown to a user id with aibot_send_msg', async () => {
    await expect(adapter.send({ userId: 'lisi' }, { type: 'markdown', title: '跟进提醒', text: '华东医疗 48 小时未跟进' }, 'k1')).resolves.toEqual({});
    const [sent] = fake.frames('aibot_send_msg');
    expect(sent?.body).toEqual({ chatid: 'lisi', msgtype: 'markdown', markdown: { content: '**跟进提醒**\n华东医疗 48 小时未跟进' } });
  });

  it('sends plain text as markdown (aibot_send_msg has no text type) to a group chat id', async () => {
    await adapter.send({ chatId: 'wrkSFfCgAAtT0Nn5Xq1cJ6b0mZlG5X7A' }, { type: 'text', text: '本周团队汇总见下' }, 'k2');
    expect(fake.frames('aibot_send_msg')[0]?.body).toEqual({
      chatid: 'wrkSFfCgAAtT0Nn5Xq1cJ6b0mZlG5X7A',
      msgtype: 'markdown',
      markdown: { content: '本周团队汇总见下' },
    });
  });

  it('sends a card as a button_interaction template card, and a press comes back as feedback', async () => {
    const buttons = feedbackButtons('nudge-42');
    await adapter.send({ userId: 'lisi' }, { type: 'card', title: '价格异议', text: '先确认预算，再讲价值。', buttons }, 'nudge-42:1');
    const [text, cardFrame] = fake.frames('aibot_send_msg');
    expect(text?.body).toMatchObject({ chatid: 'lisi', msgtype: 'markdown', markdown: { content: '**价格异议**\n先确认预算，再讲价值。' } });
    const body = cardFrame?.body as { chatid: string; msgtype: string; template_card: Record<string, unknown> };
    expect(body.chatid).toBe('lisi');
    expect(body.msgtype).toBe('template_card');
    expect(body.template_card).toMatchObject({
      card_type: 'button_interaction',
      main_title: { title: '价格异议' },
      button_list: buttons.map((b) => ({ text: b.label, key: b.value, style: 1 })),
    });
    expect(body.template_card.task_id).toMatch(/^[\w\-@]{1,128}$/);

    // The user presses "没用": WeCom sends the button's key back in a template_card_event.
    const pressed = (body.template_card.button_list as { key: string }[])[1]!.key;
    const event = json('bot/card-event.json') as { event: { template_card_event: { event_key: string } } };
    event.event.template_card_event.event_key = pressed;
    fake.pushEvent(event);
    await sink.waitUntil(() => sink.feedbacks.length === 1);
    expect(sink.feedbacks[0]).toEqual({ platform: 'wecom', nudgeId: 'nudge-42', senderId: 'lisi', value: 'not_useful' });
  });

  it('ignores a press on a button that is not ours', async () => {
    const event = json('bot/card-event.json') as { event: { template_card_event: { event_key: string } } };
    event.event.template_card_event.event_key = 'someone_elses_button';
    fake.pushEvent(event);
    fake.pushEvent(json('bot/card-event.json'));
    await sink.waitUntil(() => sink.feedbacks.length === 1);
    expect(sink.feedbacks).toEqual([{ platform: 'wecom', nudgeId: 'nudge-42', senderId: 'lisi', value: 'useful' }]);
  });

  it('turns an error ack into a coded AppError', async () => {
    fake.failNextSend(-1, 'system busy');
    const busy = await adapter.send({ userId: 'lisi' }, { type: 'text', text: 'x' }, 'k3').catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(AppError);
    expect(busy).toMatchObject({ code: 'PLATFORM_API', details: { errcode: -1, retryable: true } });

    fake.failNextSend(45009, 'api freq out of limit');
    await expect(adapter.send({ userId: 'lisi' }, { type: 'text', text: 'x' }, 'k4')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('resumes a card after a failed part: the text WeCom acked is not pushed again', async () => {
    fake.passNextSend();
    fake.failNextSend(-1, 'system busy');
    const progress = { done: 0 };
    const card = { type: 'card', title: '价格异议', text: '先确认预算', buttons: feedbackButtons('nudge-43') } as const;
    await expect(adapter.send({ userId: 'lisi' }, card, 'nudge-43:1', progress)).rejects.toMatchObject({ code: 'PLATFORM_API' });
    expect(progress.done).toBe(1);
    await adapter.send({ userId: 'lisi' }, card, 'nudge-43:1', progress);
    expect(progress.done).toBe(2);
    const types = fake.frames('aibot_send_msg').map((f) => (f.body as { msgtype: string }).msgtype);
    expect(types).toEqual(['markdown', 'template_card', 'template_card']);
  });

  it('refuses to send once stopped, as a retryable PLATFORM_API error', async () => {
    await adapter.stop();
    await expect(adapter.send({ userId: 'lisi' }, { type: 'text', text: 'x' }, 'k5')).rejects.toMatchObject({
      code: 'PLATFORM_API',
      details: { retryable: true },
    });
  });
});

describe('WeCom bot adapter: connection health', () => {
  it('reconnects when the server stops answering pings (two missed pongs)', async () => {
    await startAdapter({ heartbeatIntervalMs: 40 });
    fake.answerPings = false;
    await fake.waitForAuth(2);
    fake.answerPings = true;
    fake.pushMessage(json('bot/text-single.json'));
    await sink.waitForMessages(1);
  });

  it('fails start visibly when WeCom refuses the credentials', async () => {
    const { log } = captureLogger();
    adapter = new WecomBotAdapter({ botId: creds.botId, secret: 'wrong', wsUrl: fake.url, log, reconnectIntervalMs: 20 });
    await expect(adapter.start(sink)).rejects.toMatchObject({ code: 'PLATFORM_API', details: { retryable: false } });
    expect(fake.authCount).toBe(0);
  });

  it('fails start after the timeout when nothing answers', async () => {
    const { log } = captureLogger();
    const url = fake.url;
    await fake.close();
    adapter = new WecomBotAdapter({ ...creds, wsUrl: url, log, reconnectIntervalMs: 20, startTimeoutMs: 300 });
    await expect(adapter.start(sink)).rejects.toMatchObject({ code: 'PLATFORM_API', details: { retryable: true } });
    fake = new FakeWecomWsServer(creds);
    await fake.start();
  });
});
