/**
 * The app adapter's callback routes, fed with callbacks built by @wecom/crypto's own
 * encrypt/getSignature (the real library WeCom's scheme is implemented in, not a mock).
 */
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { WecomAppAdapter } from '../../../adapters/wecom/app.ts';
import type { HttpRequest, HttpRoute } from '../../../adapters/types.ts';
import { text as fixture } from './fixtures.ts';
import { captureLogger } from './log-capture.ts';
import { RecordingSink } from './recording-sink.ts';

const corpId = 'ww3e5f0123456789ab';
const token = 'QDG6eK-callback-token';
const encodingAESKey = randomBytes(32).toString('base64').slice(0, 43);
const now = 1_732_700_100_000;

let adapter: WecomAppAdapter;
let sink: RecordingSink;
let logs: string[];

function route(method: 'GET' | 'POST'): HttpRoute {
  const r = adapter.routes().find((x) => x.method === method);
  if (!r) throw new Error(`no ${method} route`);
  return r;
}

/** A POST exactly as WeCom sends it: the inner XML encrypted for `receiveId`, then signed. */
function callback(inner: string, opts: { receiveId?: string; signToken?: string; timestamp?: number } = {}): HttpRequest {
  const encrypted = encrypt(encodingAESKey, inner, opts.receiveId ?? corpId);
  const timestamp = String(opts.timestamp ?? now / 1000);
  const nonce = '1372623149';
  return {
    headers: { 'content-type': 'text/xml' },
    query: { msg_signature: getSignature(opts.signToken ?? token, timestamp, nonce, encrypted), timestamp, nonce },
    rawBody: `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  };
}

beforeEach(async () => {
  const captured = captureLogger();
  logs = captured.lines;
  adapter = new WecomAppAdapter({ corpId, agentId: '1000002', secret: 'app-secret-DO-NOT-LOG', token, encodingAESKey, log: captured.log, now: () => now });
  sink = new RecordingSink();
  await adapter.start(sink);
});

describe('WeCom app callback: URL verification (GET)', () => {
  it('answers the decrypted echostr when the signature is right', async () => {
    const echostr = encrypt(encodingAESKey, '5927782489442352469', corpId);
    const timestamp = String(now / 1000);
    const res = await route('GET').handler({
      headers: {},
      query: { msg_signature: getSignature(token, timestamp, 'n1', echostr), timestamp, nonce: 'n1', echostr },
      rawBody: '',
    });
    expect(res).toMatchObject({ status: 200, body: '5927782489442352469' });
  });

  it('refuses a forged signature with 401', async () => {
    const echostr = encrypt(encodingAESKey, '5927782489442352469', corpId);
    const timestamp = String(now / 1000);
    const res = await route('GET').handler({
      headers: {},
      query: { msg_signature: getSignature('guessed-token', timestamp, 'n1', echostr), timestamp, nonce: 'n1', echostr },
      rawBody: '',
    });
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('5927782489442352469');
  });

  it('refuses a missing echostr with 400', async () => {
    const res = await route('GET').handler({ headers: {}, query: { msg_signature: 'x', timestamp: '1', nonce: 'n' }, rawBody: '' });
    expect(res).toMatchObject({ status: 400, body: expect.stringContaining('echostr') });
  });
});

describe('WeCom app callback: messages (POST)', () => {
  it('verifies, decrypts and hands a text message to the sink, then answers success', async () => {
    const res = await route('POST').handler(callback(fixture('app/text.xml')));
    expect(res).toMatchObject({ status: 200, body: 'success' });
    expect(sink.messages).toEqual([
      {
        platform: 'wecom',
        messageId: '7453287350127458304',
        conversationId: 'zhangsan',
        chatType: 'single',
        direct: true,
        senderId: 'zhangsan',
        kind: 'text',
        text: '/kb 价格异议',
        attachments: [],
        sentAt: new Date(1732700000 * 1000),
        raw: fixture('app/text.xml'),
      },
    ]);
  });

  it('acknowledges a redelivery too; the sink decides it is a duplicate', async () => {
    expect((await route('POST').handler(callback(fixture('app/text.xml')))).status).toBe(200);
    expect((await route('POST').handler(callback(fixture('app/text.xml')))).status).toBe(200);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
  });

  it('refuses the very same signed message request again within its window (a replay); its store beside the check only finds a duplicate', async () => {
    const req = callback(fixture('app/text.xml'));
    expect((await route('POST').handler(req)).status).toBe(200);
    const replay = await route('POST').handler(req);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatch(/^REPLAYED: /);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
  });

  it('lets the retry of a request it could not store through', async () => {
    const req = callback(fixture('app/text.xml'));
    sink.failWith = new Error('database down');
    expect((await route('POST').handler(req)).status).toBe(503);
    sink.failWith = null;
    expect((await route('POST').handler(req)).status).toBe(200);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored']);
  });

  it('parses an image as kind image with empty text', async () => {
    await route('POST').handler(callback(fixture('app/image.xml')));
    expect(sink.messages[0]).toMatchObject({ kind: 'image', text: '', messageId: '7453287350127458305' });
  });

  it('hands a template card press to sink.feedback', async () => {
    const res = await route('POST').handler(callback(fixture('app/card-event.xml')));
    expect(res.status).toBe(200);
    expect(sink.feedbacks).toEqual([{ platform: 'wecom', nudgeId: 'nudge-7', senderId: 'zhangsan', value: 'not_useful' }]);
    expect(sink.messages).toEqual([]);
  });

  it('refuses a replayed card press before the sink sees it (a replayed press could undo a later one)', async () => {
    const req = callback(fixture('app/card-event.xml'));
    expect((await route('POST').handler(req)).status).toBe(200);
    const replay = await route('POST').handler(req);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatch(/^REPLAYED: /);
    expect(sink.presses).toHaveLength(1);
  });

  it('acknowledges other events without giving the sink anything', async () => {
    const res = await route('POST').handler(callback(fixture('app/enter-agent.xml')));
    expect(res).toMatchObject({ status: 200, body: 'success' });
    expect(sink.messages).toEqual([]);
    expect(sink.feedbacks).toEqual([]);
  });
});

describe('WeCom app callback: forged and malformed requests', () => {
  it('refuses a forged signature with 401 and gives the sink nothing', async () => {
    const res = await route('POST').handler(callback(fixture('app/text.xml'), { signToken: 'guessed-token' }));
    expect(res).toMatchObject({ status: 401, body: expect.stringContaining('SIGNATURE_INVALID') });
    expect(sink.messages).toEqual([]);
  });

  it('refuses a body altered after signing', async () => {
    const req = callback(fixture('app/text.xml'));
    const other = encrypt(encodingAESKey, fixture('app/image.xml'), corpId);
    req.rawBody = req.rawBody.replace(/<Encrypt><!\[CDATA\[.*\]\]><\/Encrypt>/, `<Encrypt><![CDATA[${other}]]></Encrypt>`);
    expect((await route('POST').handler(req)).status).toBe(401);
    expect(sink.messages).toEqual([]);
  });

  it('refuses a payload encrypted for another corp id', async () => {
    const res = await route('POST').handler(callback(fixture('app/text.xml'), { receiveId: 'wwOtherCorp000000' }));
    expect(res).toMatchObject({ status: 401, body: expect.stringContaining('corp id') });
    expect(sink.messages).toEqual([]);
  });

  it('refuses a replay outside the timestamp window', async () => {
    const res = await route('POST').handler(callback(fixture('app/text.xml'), { timestamp: now / 1000 - 3600 }));
    expect(res.status).toBe(401);
    expect(sink.messages).toEqual([]);
  });

  it('answers 400 to a body that is not the callback XML, and to missing parameters', async () => {
    const req = callback(fixture('app/text.xml'));
    expect(await route('POST').handler({ ...req, rawBody: '{"encrypt":"x"}' })).toMatchObject({ status: 400 });
    expect(await route('POST').handler({ ...req, rawBody: '<xml><ToUserName>a</ToUserName></xml>' })).toMatchObject({
      status: 400,
      body: expect.stringContaining('Encrypt'),
    });
    expect(await route('POST').handler({ ...req, query: { timestamp: '1', nonce: 'n' } })).toMatchObject({
      status: 400,
      body: expect.stringContaining('msg_signature'),
    });
    expect(sink.messages).toEqual([]);
  });

  it('answers 400 to a correctly signed payload whose inner XML is malformed', async () => {
    const res = await route('POST').handler(callback('<xml><MsgType>text</MsgType></xml>'));
    expect(res).toMatchObject({ status: 400, body: expect.stringContaining('FromUserName') });
    expect(sink.messages).toEqual([]);
  });

  it('answers 503 when the sink cannot store, so WeCom delivers again', async () => {
    sink.failWith = new Error('database down');
    const res = await route('POST').handler(callback(fixture('app/text.xml')));
    expect(res.status).toBe(503);
  });

  it('answers 503 before start', async () => {
    await adapter.stop();
    expect((await route('POST').handler(callback(fixture('app/text.xml')))).status).toBe(503);
  });

  it('never logs the callback token or the AES key', async () => {
    await route('POST').handler(callback(fixture('app/text.xml'), { signToken: 'guessed-token' }));
    await route('POST').handler(callback(fixture('app/text.xml')));
    const all = logs.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(encodingAESKey);
  });

  it('round-trips through @wecom/crypto as used here (sanity of the test helper)', () => {
    const enc = encrypt(encodingAESKey, 'hello', corpId);
    expect(decrypt(encodingAESKey, enc)).toMatchObject({ message: 'hello', id: corpId });
  });
});

describe('WeCom app adapter: configuration', () => {
  it('refuses a non-numeric agent id and a malformed EncodingAESKey', () => {
    const { log } = captureLogger();
    const base = { corpId, agentId: '1000002', secret: 's', token, encodingAESKey, log };
    expect(() => new WecomAppAdapter({ ...base, agentId: 'abc' })).toThrow(/WECOM_AGENT_ID/);
    expect(() => new WecomAppAdapter({ ...base, encodingAESKey: 'short' })).toThrow(/WECOM_ENCODING_AES_KEY/);
  });

  it('names every bad variable at once, not only the first', () => {
    const { log } = captureLogger();
    const base = { corpId, agentId: '1000002', secret: 's', token, encodingAESKey, log };
    expect(() => new WecomAppAdapter({ ...base, agentId: 'abc', encodingAESKey: 'short' })).toThrow(
      /WECOM_AGENT_ID: expected the numeric AgentId\n {2}WECOM_ENCODING_AES_KEY: expected 43 base64 characters/,
    );
  });
});
