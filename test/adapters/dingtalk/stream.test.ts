/**
 * Inbound over Stream mode: the real dingtalk-stream SDK (through the adapter's DWClient subclass)
 * against the loopback fake gateway and WebSocket.
 */
import { TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDingtalkAdapter, type DingtalkAdapter } from '../../../adapters/dingtalk/index.ts';
import { loadConfig } from '../../../core/config.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { eventually, FakeDingtalk } from './fake-dingtalk.ts';
import { deferred, fixture, memoryLogger, RecordingSink } from './helpers.ts';

const CLIENT_ID = 'dingfakeclientid';
const CLIENT_SECRET = 'fake-secret-5f2c1e9a7b';

let fake: FakeDingtalk;
let adapter: DingtalkAdapter;
let sink: RecordingSink;
let logs: ReturnType<typeof memoryLogger>;

async function makeAdapter(secret = CLIENT_SECRET, tuning = {}): Promise<DingtalkAdapter> {
  const config = loadConfig({
    DINGTALK_CLIENT_ID: CLIENT_ID,
    DINGTALK_CLIENT_SECRET: secret,
    DINGTALK_API_BASE: fake.baseUrl,
    DINGTALK_GATEWAY_URL: fake.gatewayUrl,
  });
  const made = await createDingtalkAdapter(config, logs.log, { reconnectDelayMs: 50, timeoutMs: 2_000, ...tuning });
  if (!made) throw new Error('adapter not configured');
  return made;
}

beforeEach(async () => {
  // The SDK prints "connect success" / "Disconnecting." with console.info; keep test output clean.
  vi.spyOn(console, 'info').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
  fake = await FakeDingtalk.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  logs = memoryLogger();
  sink = new RecordingSink();
  adapter = await makeAdapter();
});

afterEach(async () => {
  await adapter.stop();
  await fake.close();
  vi.restoreAllMocks();
  // Whatever happened, no credential or webhook URL reached a log line.
  const all = logs.lines.join('\n');
  expect(all).not.toContain(CLIENT_SECRET);
  expect(all).not.toContain('sendBySession');
  for (const t of fake.tokensIssued) expect(all).not.toContain(t);
});

describe('DingTalk stream inbound', () => {
  it('opens the gateway with the robot and card callback subscriptions only', async () => {
    await adapter.start(sink);
    expect(fake.opens).toHaveLength(1);
    expect(fake.opens[0]!.clientId).toBe(CLIENT_ID);
    expect(fake.opens[0]!.subscriptions).toEqual([
      { type: 'CALLBACK', topic: TOPIC_ROBOT },
      { type: 'CALLBACK', topic: TOPIC_CARD },
    ]);
    expect(fake.connected).toBe(true);
  });

  it('delivers a customer text in a group to the sink and acks it with the frame id after the sink resolved', async () => {
    await adapter.start(sink);
    const gate = deferred();
    sink.hold = gate.promise;
    const frameId = fake.pushCallback(TOPIC_ROBOT, fixture('robot-text-group'));

    await eventually(() => expect(sink.messages).toHaveLength(1));
    expect(sink.messages[0]).toMatchObject({
      platform: 'dingtalk',
      messageId: 'msgD4x6e2WJ0bwZ0tgCvuY5Xw==',
      chatType: 'group',
      senderId: '$:LWCP_v1:$customerSender01',
      text: '能报个价吗？我们预算大概 50 万',
    });
    // The sink has not answered: nothing may be acked yet.
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.acksFor(frameId)).toHaveLength(0);

    gate.resolve();
    const [ack] = await eventually(() => {
      const acks = fake.acksFor(frameId);
      expect(acks).toHaveLength(1);
      return acks;
    });
    expect(ack!.code).toBe(200);
    expect(JSON.parse(ack!.data)).toEqual({ response: {} });
    expect(ack!.at).toBeGreaterThanOrEqual(sink.resolvedAt[0]!);
  });

  it('hands a redelivered frame to the sink again and acks both deliveries', async () => {
    await adapter.start(sink);
    const payload = fixture('robot-text-group');
    const frameId = fake.pushCallback(TOPIC_ROBOT, payload);
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    fake.pushCallback(TOPIC_ROBOT, payload, frameId);
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(2));
    expect(sink.messages.map((m) => m.messageId)).toEqual(['msgD4x6e2WJ0bwZ0tgCvuY5Xw==', 'msgD4x6e2WJ0bwZ0tgCvuY5Xw==']);
  });

  it('leaves a message unacked when the sink fails, so DingTalk redelivers it', async () => {
    await adapter.start(sink);
    sink.failures = 1;
    const frameId = fake.pushCallback(TOPIC_ROBOT, fixture('robot-text-single'));
    await eventually(() => expect(sink.messages).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.acksFor(frameId)).toHaveLength(0);
    fake.pushCallback(TOPIC_ROBOT, fixture('robot-text-single'), frameId);
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(logs.lines.some((l) => l.includes('left unacknowledged for the platform to redeliver'))).toBe(true);
  });

  it('acks a malformed payload without bothering the sink', async () => {
    await adapter.start(sink);
    const { msgId: _drop, ...broken } = fixture('robot-text-group');
    const frameId = fake.pushCallback(TOPIC_ROBOT, broken);
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(sink.messages).toHaveLength(0);
    expect(logs.lines.some((l) => l.includes('dingtalk robot message rejected') && l.includes('msgId'))).toBe(true);
  });

  it('survives a garbled frame and keeps receiving', async () => {
    await adapter.start(sink);
    fake.sendRaw('{not json');
    const frameId = fake.pushCallback(TOPIC_ROBOT, fixture('robot-text-single'));
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(fake.connections).toBe(1);
    expect(logs.lines.some((l) => l.includes('frame unreadable'))).toBe(true);
  });

  it('delivers a picture as a non-text kind without error', async () => {
    await adapter.start(sink);
    const frameId = fake.pushCallback(TOPIC_ROBOT, fixture('robot-picture-single'));
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(sink.messages[0]).toMatchObject({ kind: 'image', text: '', chatType: 'single', senderId: 'rep001' });
  });

  it('echoes the gateway ping frames', async () => {
    await adapter.start(sink);
    const pingId = fake.sendPing();
    const [echo] = await eventually(() => {
      expect(fake.pingEchoes).toHaveLength(1);
      return fake.pingEchoes;
    });
    expect(echo).toMatchObject({ code: 200, message: 'OK', headers: { messageId: pingId, topic: 'ping' } });
    expect(JSON.parse(echo!.data)).toEqual({ opaque: pingId });
  });

  it('reconnects after the connection drops and receives the next message', async () => {
    await adapter.start(sink);
    fake.dropConnection();
    await eventually(() => expect(fake.connections).toBe(2));
    await eventually(() => expect(fake.connected).toBe(true));
    expect(fake.opens).toHaveLength(2);
    const frameId = fake.pushCallback(TOPIC_ROBOT, fixture('robot-text-single'));
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(sink.messages.map((m) => m.messageId)).toEqual(['msgSingle0001AbC==']);
    expect(logs.lines.some((l) => l.includes('reconnecting'))).toBe(true);
  });

  it('keeps retrying with a visible log when the gateway fails during a reconnect', async () => {
    await adapter.start(sink);
    fake.failNext('open', 503, { code: 'ServiceUnavailable', message: 'busy' }, 2);
    fake.dropConnection();
    await eventually(() => expect(fake.connections).toBe(2));
    expect(fake.opens).toHaveLength(4);
    expect(logs.lines.filter((l) => l.includes('dingtalk stream reconnect failed'))).toHaveLength(2);
  });

  it('drops a half-open connection whose pongs stop and reconnects', async () => {
    await adapter.stop();
    await fake.close();
    fake = await FakeDingtalk.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, autoPong: false });
    adapter = await makeAdapter(CLIENT_SECRET, { heartbeatMs: 100 });
    await adapter.start(sink);
    await eventually(() => expect(fake.connections).toBeGreaterThanOrEqual(2));
  });

  it('turns a feedback button press, sent back as chat text, into sink.feedback', async () => {
    await adapter.start(sink);
    // Send a real nudge card, then press its first button the way the DingTalk client does.
    await adapter.send({ userId: 'rep001' }, { type: 'card', title: '价格异议', text: '…', buttons: feedbackButtons('n-9') }, 'k-1');
    const url = fake.batchSends[0]!.param.actionURL1!;
    const content = new URL(url).searchParams.get('content')!;
    const frameId = fake.pushCallback(TOPIC_ROBOT, fixture('robot-text-single', { msgId: 'msgPress01', text: { content } }));
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(sink.feedbacks).toEqual([{ platform: 'dingtalk', nudgeId: 'n-9', value: 'useful', senderId: 'rep001' }]);
    expect(sink.messages).toHaveLength(0);
  });

  it('turns an interactive card callback into sink.feedback and acks it', async () => {
    await adapter.start(sink);
    const frameId = fake.pushCallback(TOPIC_CARD, fixture('card-callback'));
    await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
    expect(sink.feedbacks).toEqual([{ platform: 'dingtalk', nudgeId: 'n-42', value: 'used', senderId: 'rep001' }]);
  });

  it('stops cleanly: the socket closes and nothing reconnects', async () => {
    await adapter.start(sink);
    await adapter.stop();
    await eventually(() => expect(fake.connected).toBe(false));
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.connections).toBe(1);
    expect(fake.opens).toHaveLength(1);
  });
});

describe('DingTalk stream start failures', () => {
  it('rejects start on refused credentials and does not spin', async () => {
    adapter = await makeAdapter('wrong-secret-0000');
    const err = await adapter.start(sink).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((err as Error).message).toContain('DINGTALK_CLIENT_SECRET');
    expect((err as Error).message).not.toContain('wrong-secret-0000');
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.opens).toHaveLength(1);
    expect(fake.connections).toBe(0);
  });

  it('rejects start when the gateway answer has no ticket', async () => {
    fake.failNext('open', 200, { endpoint: 'ws://127.0.0.1:1/connect' });
    await expect(adapter.start(sink)).rejects.toMatchObject({ code: 'PLATFORM_API', message: expect.stringContaining('endpoint/ticket') });
  });

  it('rejects start when the WebSocket refuses the ticket, without a retry loop behind it', async () => {
    fake.refuseUpgrade = true;
    await expect(adapter.start(sink)).rejects.toMatchObject({ code: 'PLATFORM_API', message: expect.stringContaining('403') });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.opens).toHaveLength(1);
  });

  it('can start again after a failed start', async () => {
    fake.failNext('open', 500);
    await expect(adapter.start(sink)).rejects.toMatchObject({ code: 'PLATFORM_API' });
    await adapter.start(sink);
    expect(fake.connected).toBe(true);
  });
});
