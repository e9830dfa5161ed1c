import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../bots/http/server.ts';
import { feedbackButtons } from '../../core/card-actions.ts';
import { conversations, deliveries, messages, nudges, opportunities } from '../../db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const good = {
  platform: 'local',
  messageId: 'm-1',
  conversationId: 'c-1',
  chatType: 'group',
  senderId: 'zhangsan',
  text: '报价单发您了，请查收。',
  attachments: [{ name: '报价单.pdf' }],
  sentAt: '2026-11-27T10:00:00+08:00',
};

describe('POST /v1/messages', () => {
  let t: TestApp;
  let server: FastifyInstance;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-27T10:00:00+08:00'), env: { MAX_TEXT_LENGTH: '200' } });
    server = buildServer(t.app);
  });
  afterAll(async () => {
    await server.close();
    await t.cleanup();
  });

  const stored = async () => {
    const [m] = await t.app.database.db.select({ n: count() }).from(messages);
    const [c] = await t.app.database.db.select({ n: count() }).from(conversations);
    const [o] = await t.app.database.db.select({ n: count() }).from(opportunities);
    return { messages: m!.n, conversations: c!.n, opportunities: o!.n };
  };
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    server.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { 'content-type': 'application/json', ...headers },
    });

  it.each([
    ['malformed JSON', '{"platform": "local", ', /JSON/i],
    ['a missing field', { ...good, senderId: undefined }, /senderId/],
    ['an unknown platform', { ...good, platform: 'wechat' }, /platform/],
    ['text over the limit', { ...good, text: '贵'.repeat(201) }, /longer than 200/],
    ['a bad time', { ...good, sentAt: 'yesterday' }, /sentAt/],
    ['an unknown field', { ...good, extra: 1 }, /extra|unrecognized/i],
    ['a batch with one bad message', [good, { ...good, messageId: 'm-2', chatType: 'channel' }], /message 1: chatType/],
    ['an empty batch', [], /1 to 500/],
  ])('rejects %s with 400 and a clear message, storing nothing', async (_name, payload, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(await stored()).toEqual({ messages: 0, conversations: 0, opportunities: 0 });
  });

  it('health is up', async () => {
    const res = await server.inject({ method: 'GET', url: '/healthz' });
    expect(res.json()).toEqual({ ok: true });
  });

  it('stores a good message before answering, and a redelivery is a duplicate', async () => {
    const first = await post(good);
    expect(first.statusCode).toBe(200);
    expect(first.json().results[0]).toMatchObject({ messageId: 'm-1', status: 'stored' });
    expect((await stored()).messages).toBe(1);
    const again = await post([good]);
    expect(again.json().results[0]).toMatchObject({ messageId: 'm-1', status: 'duplicate' });
    expect((await stored()).messages).toBe(1);
  });

  it('shows what the local adapter sent in the outbox, addressed to the person', async () => {
    // A minute after zhangsan's message, so he owns the deal when it is analysed: at the same
    // instant the two are ordered by their random row ids, and half the time the customer would
    // speak first, before anyone owned the deal, and nobody would be nudged.
    await post({ ...good, messageId: 'm-3', senderId: 'cust-1', senderName: '王总', text: '太贵了，超预算了', sentAt: '2026-11-27T10:01:00+08:00' });
    await t.app.drain();
    const res = await server.inject({ method: 'GET', url: '/v1/outbox' });
    const outbox = res.json().items as Array<{ to: unknown; message: { type: string; title: string }; nudgeId: string }>;
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to: { personId: 'zhangsan' }, message: { type: 'card', title: '💡 客户提出价格异议' } });
    // The delivery keeps no copy of the card: the card sent and listed is the nudge's own.
    const [n0] = await t.app.database.db.select().from(nudges);
    const [d0] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, n0!.id));
    expect(d0).toMatchObject({ status: 'sent', message: null });
    expect(outbox[0]!.message).toEqual({ type: 'card', title: n0!.title, text: n0!.body, buttons: feedbackButtons(n0!.id) });
    expect(n0!.body).toContain('**客户原话**：「太贵了，超预算了」');

    const fb = await server.inject({
      method: 'POST',
      url: '/v1/feedback',
      payload: { platform: 'local', nudgeId: outbox[0]!.nudgeId, senderId: 'zhangsan', value: 'useful' },
    });
    expect(fb.statusCode).toBe(204);
    // Someone else cannot rate zhangsan's nudge.
    const forged = await server.inject({
      method: 'POST',
      url: '/v1/feedback',
      payload: { platform: 'local', nudgeId: outbox[0]!.nudgeId, senderId: 'lisi', value: 'not_useful' },
    });
    expect(forged.statusCode).toBe(403);
    const [n] = await t.app.database.db.select().from(nudges);
    expect(n!.feedback).toBe('useful');
  });
});

describe('API token', () => {
  it('requires the bearer token on /v1 when API_TOKEN is set, never on /healthz', async () => {
    const t = await startTestApp({ env: { API_TOKEN: 's3cret-token-0123456789' } });
    const server = buildServer(t.app);
    try {
      const denied = await server.inject({ method: 'GET', url: '/v1/outbox' });
      expect(denied.statusCode).toBe(401);
      expect(denied.body).not.toContain('s3cret-token');
      const ok = await server.inject({ method: 'GET', url: '/v1/outbox', headers: { authorization: 'Bearer s3cret-token-0123456789' } });
      expect(ok.statusCode).toBe(200);
      expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await server.close();
      await t.cleanup();
    }
  });
});
