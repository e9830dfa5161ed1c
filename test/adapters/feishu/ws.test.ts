import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeishuAdapter } from '../../../adapters/feishu/adapter.ts';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu, waitFor } from './fake-feishu.ts';
import { capturingLogger, fixture } from './helpers.ts';
import { RecordingSink } from './recording-sink.ts';

let fake: FakeFeishu;
let sink: RecordingSink;
let adapter: FeishuAdapter;

function makeAdapter(appSecret = FAKE_APP_SECRET): FeishuAdapter {
  return new FeishuAdapter({ appId: FAKE_APP_ID, appSecret, domain: fake.url, mode: 'ws', readyTimeoutMs: 5_000 }, capturingLogger().log);
}

beforeEach(async () => {
  fake = await FakeFeishu.start();
  sink = new RecordingSink();
  adapter = makeAdapter();
});
afterEach(async () => {
  await adapter.stop();
  await fake.close();
});

describe('Feishu long connection (real WSClient against the fake)', () => {
  it('connects through /callback/ws/endpoint and answers the first ping', async () => {
    await adapter.start(sink);
    expect(fake.endpointRequests).toBe(1);
    expect(fake.connections).toBe(1);
    await waitFor(() => fake.pings >= 1, 2_000, 'a ping');
  });

  it('delivers a customer text in a group, acked 200 only after the sink resolved', async () => {
    await adapter.start(sink);
    const release = sink.hold();
    const acked = fake.pushEvent(fixture('text-group'));
    await waitFor(() => sink.messages.length === 1, 2_000, 'the message at the sink');
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.acks).toHaveLength(0); // still storing: nothing acked yet
    release();
    const ack = await acked;
    expect(ack.code).toBe(200);
    expect(ack.at).toBeGreaterThan(sink.resolvedAt[0] ?? Infinity);
    expect(sink.messages[0]).toMatchObject({
      platform: 'feishu',
      messageId: 'om_dc13264520392913993dd051dba21dcf',
      conversationId: 'oc_5ad11d72b830411d72b836c20',
      chatType: 'group',
      direct: false,
      senderId: 'ou_customer_1',
      kind: 'text',
      text: '你们这套系统多少钱？能报个价吗',
    });
  });

  it('hands a redelivered event to the sink again and acks both', async () => {
    await adapter.start(sink);
    const first = await fake.pushEvent(fixture('text-group'));
    const second = await fake.pushEvent(fixture('text-group'));
    expect([first.code, second.code]).toEqual([200, 200]);
    expect(sink.messages.map((m) => m.messageId)).toEqual(['om_dc13264520392913993dd051dba21dcf', 'om_dc13264520392913993dd051dba21dcf']);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
  });

  it('reassembles an event split over two frames (sum/seq)', async () => {
    await adapter.start(sink);
    const ack = await fake.pushEvent(fixture('post'), { parts: 2 });
    expect(ack.code).toBe(200);
    expect(sink.messages[0]?.text).toBe('方案跟进\n上次的方案您看得怎么样了？\n资料在这里：客户案例');
  });

  it('reconnects after the connection drops and receives the next message', async () => {
    await adapter.start(sink);
    fake.dropConnection();
    // The server counts a connection before the SDK has seen its 'open' and attached its frame
    // handler; the SDK pings from inside that 'open', so a ping on the new connection means a
    // frame sent now is read by a listening client (a frame sent earlier is dropped unread).
    await waitFor(() => fake.connections === 2 && fake.pingedConnection === 2, 10_000, 'the reconnect and its first ping');
    expect(fake.endpointRequests).toBe(2);
    const ack = await fake.pushEvent(fixture('text-p2p'));
    expect(ack.code).toBe(200);
    expect(sink.messages[0]).toMatchObject({ chatType: 'single', direct: true, text: '/kb 价格异议' });
  });

  it('delivers an image and a sticker as non-text kinds without error', async () => {
    await adapter.start(sink);
    const acks = [await fake.pushEvent(fixture('image')), await fake.pushEvent(fixture('sticker'))];
    expect(acks.map((a) => a.code)).toEqual([200, 200]);
    expect(sink.messages.map((m) => [m.kind, m.text])).toEqual([
      ['image', ''],
      ['sticker', ''],
    ]);
  });

  it('acks 500 when the sink fails, so Feishu redelivers', async () => {
    await adapter.start(sink);
    sink.failNext(new Error('database down'));
    expect((await fake.pushEvent(fixture('text-group'))).code).toBe(500);
    expect(sink.outcomes).toHaveLength(0);
  });

  it('acks a malformed event instead of having it redelivered for hours', async () => {
    await adapter.start(sink);
    const broken = fixture('text-group') as { event: { message: Record<string, unknown> } };
    delete broken.event.message.chat_id;
    expect((await fake.pushEvent(broken)).code).toBe(200);
    expect(sink.messages).toHaveLength(0);
  });

  it('sends a card with buttons, and a button press comes back as feedback', async () => {
    await adapter.start(sink);
    await adapter.send({ userId: 'ou_rep_zhang' }, { type: 'card', title: '价格异议', text: '先问预算', buttons: feedbackButtons('nudge-42') }, 'nudge-42');
    const card = fake.sends[0]?.content as { elements: Array<{ actions?: Array<{ value: unknown }> }> };
    expect(fake.sends[0]).toMatchObject({ msgType: 'interactive', uuid: 'nudge-42' });
    // Feishu hands back the pressed button's `value` exactly as it was sent.
    const pressed = card.elements[1]?.actions?.[1]?.value;
    const event = fixture('card-action') as { event: { action: { value: unknown } } };
    event.event.action.value = pressed;
    const ack = await fake.pushEvent(event);
    expect(ack.code).toBe(200);
    expect(ack.data).toEqual({ toast: { type: 'success', content: '已收到反馈' } });
    expect(sink.feedbacks).toEqual([{ platform: 'feishu', nudgeId: 'nudge-42', senderId: 'ou_rep_zhang', value: 'not_useful' }]);
  });

  it('fails start with PLATFORM_API when the endpoint refuses the credentials', async () => {
    adapter = makeAdapter('wrong-secret');
    const err = await adapter.start(sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'PLATFORM_API' });
    expect((err as AppError).message).toContain('514');
    expect(fake.connections).toBe(0);
  });

  it('refuses an app id WSClient would silently ignore', () => {
    expect(() => new FeishuAdapter({ appId: 'cli_short', appSecret: 's', mode: 'ws' }, capturingLogger().log)).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
