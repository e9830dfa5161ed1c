/**
 * The same bounds on every way in: the HTTP ingest, the archive, Feishu's webhook, the WeCom app
 * callback and intelligent bot, DingTalk's stream. One app with every platform on, each talking
 * to its loopback fake, the real SDKs and PGlite.
 *  - Text over MAX_TEXT_LENGTH: the HTTP ingest refuses it (400 PAYLOAD_TOO_LARGE: the caller can
 *    fix it); a platform's message and an archive record are stored cut, with a marker, and the
 *    platform is acknowledged.
 *  - A NUL, a lone surrogate, an impossible time: a clear 4xx with a code and a message (never
 *    SQL, never a 5xx) where the way in answers HTTP; acknowledged and logged on a long
 *    connection (the WeCom bot tells the sender); nothing stored either way.
 */
import { TOPIC_ROBOT } from 'dingtalk-stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { eventually, FakeDingtalk } from '../adapters/dingtalk/fake-dingtalk.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { feishuWebhookRequest } from '../adapters/feishu/fake-webhook.ts';
import { CLIENT_ID, CLIENT_SECRET, groupMessage, ROBOT_CODE } from '../e2e/dingtalk/harness.ts';
import { messageEvent } from '../e2e/feishu/feishu-world.ts';
import { appCallback, appEnv, appTextXml, archiveText, BOT, botEnv, CORP, CUSTOMER, storedMessage, until } from '../e2e/wecom/harness.ts';
import { FakeWecomApiServer } from '../fakes/wecom/api-server.ts';
import { FakeWecomWsServer } from '../fakes/wecom/ws-server.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const LIMIT = 300;
const START = new Date('2026-11-23T10:00:00+08:00');
const LONG = '这套方案的价格我们内部还要再讨论一下，'.repeat(40); // 760 characters
const MARKER = `…[truncated: ${LONG.length} characters]`;
const ENCRYPT_KEY = 'every-path-feishu-encrypt-key-01';
const FEISHU_CUSTOMER = 'ou_0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SQL_WORDS = /\b(select|insert|update|params|parameters|jsonb|from messages)\b/i;

let t: TestApp;
let server: FastifyInstance;
let feishu: FakeFeishu;
let wecomApi: FakeWecomApiServer;
let wecomWs: FakeWecomWsServer;
let dingtalk: FakeDingtalk;

beforeAll(async () => {
  feishu = await FakeFeishu.start();
  wecomApi = new FakeWecomApiServer({ corpId: CORP.corpId, secret: CORP.secret });
  wecomWs = new FakeWecomWsServer(BOT);
  await Promise.all([wecomApi.start(), wecomWs.start()]);
  dingtalk = await FakeDingtalk.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  t = await startTestApp({
    start: START,
    env: {
      MAX_TEXT_LENGTH: String(LIMIT),
      FEISHU_APP_ID: FAKE_APP_ID,
      FEISHU_APP_SECRET: FAKE_APP_SECRET,
      FEISHU_DOMAIN: feishu.url,
      FEISHU_MODE: 'webhook',
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      ...botEnv(wecomWs.url),
      ...appEnv(wecomApi.url),
      DINGTALK_CLIENT_ID: CLIENT_ID,
      DINGTALK_CLIENT_SECRET: CLIENT_SECRET,
      DINGTALK_ROBOT_CODE: ROBOT_CODE,
      DINGTALK_API_BASE: dingtalk.baseUrl,
      DINGTALK_GATEWAY_URL: dingtalk.gatewayUrl,
    },
  });
  server = buildServer(t.app);
  await server.ready();
}, 180_000);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
  await Promise.all([feishu?.close(), wecomApi?.close(), wecomWs?.close(), dingtalk?.close()]);
}, 60_000);

/** A 4xx whose body names a code and says why, and carries no SQL. */
function clear4xx(res: { statusCode: number; body: string }, code: string, why: RegExp): void {
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, res.body).toBeLessThan(500);
  expect(res.body).toContain(code);
  expect(res.body).toMatch(why);
  expect(res.body).not.toMatch(SQL_WORDS);
}

const stored = async (id: string) => (await storedMessage(t.app, id))?.text;

describe('HTTP ingest', () => {
  const msg = (id: string, extra: Record<string, unknown>) => ({
    platform: 'local',
    messageId: id,
    conversationId: 'c-http',
    chatType: 'group',
    senderId: 'cust-1',
    text: '报价收到了',
    sentAt: '2026-11-23T10:00:00+08:00',
    ...extra,
  });
  const post = (body: unknown) =>
    server.inject({ method: 'POST', url: '/v1/messages', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('refuses text over the limit, a NUL, a lone surrogate and an impossible time, each with its reason', async () => {
    clear4xx(await post(msg('h-1', { text: LONG })), 'PAYLOAD_TOO_LARGE', /text is longer than 300 characters/);
    clear4xx(await post(msg('h-2', { text: 'a\u0000b' })), 'BAD_REQUEST', /text contains a NUL character/);
    clear4xx(await post(msg('h-3', { text: 'a\ud800b' })), 'BAD_REQUEST', /text contains a lone surrogate/);
    clear4xx(await post(msg('h-4', { senderName: '王\u0000总' })), 'BAD_REQUEST', /senderName contains a NUL/);
    clear4xx(await post(msg('h-5', { conversationTitle: '\udc00群' })), 'BAD_REQUEST', /conversationTitle contains a lone surrogate/);
    clear4xx(await post(msg('h-6', { attachments: [{ name: '报价\u0000.pdf' }] })), 'BAD_REQUEST', /attachments\[0\]\.name contains a NUL/);
    clear4xx(await post(msg('h-7', { attachments: [{ name: '报价.pdf', type: 'pdf\u0000' }] })), 'BAD_REQUEST', /attachments\[0\]\.type contains a NUL/);
    clear4xx(await post(msg('h-8', { sentAt: '0000-01-01T00:00:00Z' })), 'BAD_REQUEST', /sentAt/);
    clear4xx(await post(msg('h-9', { sentAt: '+275760-09-13T00:00:00.001Z' })), 'BAD_REQUEST', /sentAt/);
    clear4xx(await post(msg('h-10', { messageId: 'm\u0000' })), 'BAD_REQUEST', /messageId contains a NUL/);
    for (let i = 1; i <= 10; i++) expect(await stored(`h-${i}`)).toBeUndefined();
  });
});

describe('WeCom chat archive (POST /v1/wecom/archive)', () => {
  const record = (msgid: string, text: string, msgtime = START.getTime()) =>
    archiveText({ msgid, from: CUSTOMER, to: ['zhangsan'], room: 'wrEveryPathRoom0001', at: new Date(msgtime), text });
  const post = (records: unknown[]) => server.inject({ method: 'POST', url: '/v1/wecom/archive', payload: records as object[] });

  it('stores an over-long record cut with a marker', async () => {
    const res = await post([record('arc-long_external', LONG)]);
    expect(res.json()).toEqual({ stored: 1, duplicate: 0, skipped: [] });
    const text = await stored('arc-long_external');
    expect(text).toHaveLength(LIMIT);
    expect(text!.startsWith(LONG.slice(0, 100))).toBe(true);
    expect(text!.endsWith(MARKER)).toBe(true);
  });

  it('rejects a msgtime past the Date range with a 400 naming the record, and skips unstorable text with its reason', async () => {
    clear4xx(await post([record('arc-ok', '好的'), { ...record('arc-far', '好的'), msgtime: 9e15 }]), 'BAD_REQUEST', /record 1: .*msgtime/);
    expect(await stored('arc-ok')).toBeUndefined();
    const res = await post([record('arc-nul', 'a\u0000b'), record('arc-old', '好的', 1), record('arc-surrogate', '\ud83d')]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      stored: 0,
      duplicate: 0,
      skipped: [
        { msgid: 'arc-old', reason: 'sentAt is not a plausible time' },
        { msgid: 'arc-nul', reason: 'text contains a NUL character' },
        { msgid: 'arc-surrogate', reason: 'text contains a lone surrogate (invalid UTF-16)' },
      ],
    });
  });
});

describe('Feishu webhook', () => {
  const call = async (event: object) => {
    const req = feishuWebhookRequest(event, { encryptKey: ENCRYPT_KEY });
    return server.inject({ method: 'POST', url: '/feishu/webhook', headers: req.headers as Record<string, string>, payload: req.rawBody });
  };
  const event = (messageId: string, text: string, at = START) =>
    messageEvent({ messageId, chatId: 'oc_every_path', chatType: 'group', from: FEISHU_CUSTOMER, at, text });

  it('acknowledges an over-long message and stores it cut', async () => {
    const res = await call(event('om_long', LONG));
    expect(res.statusCode, res.body).toBe(200);
    expect((await stored('om_long'))!.endsWith(MARKER)).toBe(true);
  });

  it('answers a NUL, a lone surrogate and a create_time of 1e20 with a 400 and stores nothing', async () => {
    clear4xx(await call(event('om_nul', 'a\u0000b')), 'BAD_REQUEST', /text contains a NUL character/);
    clear4xx(await call(event('om_surrogate', 'a\udfffb')), 'BAD_REQUEST', /text contains a lone surrogate/);
    const far = event('om_far', '好的');
    (far.event.message as Record<string, unknown>).create_time = '100000000000000000000';
    clear4xx(await call(far), 'BAD_REQUEST', /sentAt is not a plausible time/);
    for (const id of ['om_nul', 'om_surrogate', 'om_far']) expect(await stored(id)).toBeUndefined();
  });
});

describe('WeCom app callback', () => {
  const call = async (msgId: string, text: string, at = START) => {
    const cb = appCallback(appTextXml({ from: 'zhangsan', msgId, text, at }));
    return server.inject({ method: 'POST', url: cb.url, payload: cb.payload, headers: { 'content-type': 'text/xml' } });
  };

  it('answers success to an over-long message and stores it cut', async () => {
    const res = await call('9100000001', LONG);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('success');
    expect((await stored('9100000001'))!.endsWith(MARKER)).toBe(true);
  });

  it('answers a NUL and an impossible CreateTime with a 400 and stores nothing', async () => {
    clear4xx(await call('9100000002', 'a\u0000b'), 'BAD_REQUEST', /NUL/);
    clear4xx(await call('9100000004', '好的', new Date(8e15)), 'BAD_REQUEST', /sentAt is not a plausible time/);
    for (const id of ['9100000002', '9100000004']) expect(await stored(id)).toBeUndefined();
    // The callback is UTF-8 bytes: a lone surrogate cannot cross that wire, it arrives replaced.
    expect((await call('9100000003', 'a\ud800b')).statusCode).toBe(200);
    expect(await stored('9100000003')).toBe('a\ufffdb');
  });
});

describe('WeCom intelligent bot', () => {
  const group = (msgid: string, text: string, createTime = Math.floor(START.getTime() / 1000)) => ({
    msgid,
    aibotid: BOT.botId,
    chatid: 'wrEveryPathBotGroup',
    chattype: 'group',
    from: { userid: 'zhangsan' },
    create_time: createTime,
    msgtype: 'text',
    text: { content: text },
  });

  it('stores an over-long message cut', async () => {
    wecomWs.pushMessage(group('bot-long', LONG));
    await until(async () => (await stored('bot-long')) !== undefined, 'bot-long stored', 15_000);
    expect((await stored('bot-long'))!.endsWith(MARKER)).toBe(true);
  });

  it('tells the sender a NUL or an impossible time could not be handled, and stores nothing', async () => {
    for (const [id, body] of [
      ['bot-nul', group('bot-nul', 'a\u0000b')],
      ['bot-far', group('bot-far', '好的', 9e15)],
    ] as const) {
      const reqId = wecomWs.pushMessage(body);
      await wecomWs.waitUntil(() => wecomWs.frames('aibot_respond_msg').some((f) => f.headers.req_id === reqId), 15_000);
      expect(await stored(id)).toBeUndefined();
    }
  });
});

describe('DingTalk stream', () => {
  const customer = { nick: '王总', dingtalkId: '$:LWCP_v1:$customerEveryPath' };
  const push = async (msgId: string, text: string, at = START) => {
    const payload = groupMessage(dingtalk, { conversationId: 'cidEveryPath==', title: '每条路科技', msgId, from: customer, at, text });
    const frame = dingtalk.pushCallback(TOPIC_ROBOT, payload);
    await eventually(() => expect(dingtalk.acksFor(frame)).toHaveLength(1), 15_000);
  };

  it('acknowledges an over-long message and stores it cut', async () => {
    await push('dt-long', LONG);
    expect((await stored('dt-long'))!.endsWith(MARKER)).toBe(true);
  });

  it('acknowledges a NUL, a lone surrogate and an impossible createAt without storing them', async () => {
    await push('dt-nul', 'a\u0000b');
    await push('dt-surrogate', '\ud800');
    await push('dt-far', '好的', new Date(8.64e15));
    for (const id of ['dt-nul', 'dt-surrogate', 'dt-far']) expect(await stored(id)).toBeUndefined();
  });
});
