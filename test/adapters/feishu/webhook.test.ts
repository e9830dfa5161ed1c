import { AESCipher, EventDispatcher } from '@larksuiteoapi/node-sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { FeishuAdapter } from '../../../adapters/feishu/adapter.ts';
import type { HttpRoute } from '../../../adapters/types.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, waitFor } from './fake-feishu.ts';
import { encryptForFeishu, feishuWebhookRequest, signForFeishu } from './fake-webhook.ts';
import { capturingLogger, fixture } from './helpers.ts';
import { RecordingSink } from './recording-sink.ts';

const ENCRYPT_KEY = 'fake-encrypt-key-0123456789';
const VERIFICATION_TOKEN = 'v_token_fake'; // what the fixtures carry in header.token
const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

let sink: RecordingSink;
let route: HttpRoute;

beforeEach(async () => {
  sink = new RecordingSink();
  const adapter = new FeishuAdapter(
    { appId: FAKE_APP_ID, appSecret: FAKE_APP_SECRET, mode: 'webhook', encryptKey: ENCRYPT_KEY, verificationToken: VERIFICATION_TOKEN },
    capturingLogger().log,
  );
  await adapter.start(sink);
  const routes = adapter.routes();
  expect(routes.map((r) => [r.method, r.url])).toEqual([['POST', '/feishu/webhook']]);
  route = routes[0] as HttpRoute;
});

describe('the fake signs and encrypts the way the SDK expects', () => {
  it('is decrypted by the SDK AESCipher and accepted by its signature check', async () => {
    const plaintext = JSON.stringify(fixture('text-group'));
    expect(new AESCipher(ENCRYPT_KEY).decrypt(encryptForFeishu(plaintext, ENCRYPT_KEY))).toBe(plaintext);

    const req = feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY });
    let handled = 0;
    const sdk = new EventDispatcher({ encryptKey: ENCRYPT_KEY, logger: quiet }).register({ 'im.message.receive_v1': () => void handled++ });
    // The SDK reads the signature headers from the prototype of the parsed body (adaptDefault).
    await sdk.invoke(Object.assign(Object.create({ headers: req.headers }), JSON.parse(req.rawBody)));
    expect(handled).toBe(1);
  });

  it('shows the trap: the SDK alone skips a forged request without failing it', async () => {
    const req = feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY, signature: 'f'.repeat(64) });
    let handled = 0;
    const sdk = new EventDispatcher({ encryptKey: ENCRYPT_KEY, logger: quiet }).register({ 'im.message.receive_v1': () => void handled++ });
    const result = await sdk.invoke(Object.assign(Object.create({ headers: req.headers }), JSON.parse(req.rawBody)));
    expect(result).toBeUndefined(); // adaptDefault would answer this with HTTP 200
    expect(handled).toBe(0);
  });
});

describe('POST /feishu/webhook', () => {
  it('hands a valid encrypted, signed event to the sink and answers 200', async () => {
    const res = await route.handler(feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY }));
    expect(res).toEqual({ status: 200, body: {} });
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]).toMatchObject({ messageId: 'om_dc13264520392913993dd051dba21dcf', text: '你们这套系统多少钱？能报个价吗' });
  });

  it('answers 200 only after the sink resolved', async () => {
    const release = sink.hold();
    let answered = false;
    const pending = route.handler(feishuWebhookRequest(fixture('text-p2p'), { encryptKey: ENCRYPT_KEY })).then((r) => {
      answered = true;
      return r;
    });
    await waitFor(() => sink.messages.length === 1, 2_000, 'the message at the sink');
    // The sink has not answered: nor may the webhook.
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(200);
  });

  it('acknowledges a redelivery too', async () => {
    const a = await route.handler(feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY }));
    const b = await route.handler(feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY }));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
  });

  it('answers the url_verification challenge, which Feishu sends encrypted but unsigned', async () => {
    const challenge = { challenge: 'ajls384kdjx98XX', token: VERIFICATION_TOKEN, type: 'url_verification' };
    const res = await route.handler(feishuWebhookRequest(challenge, { encryptKey: ENCRYPT_KEY, sign: false }));
    expect(res).toEqual({ status: 200, body: { challenge: 'ajls384kdjx98XX' } });
  });

  it('refuses a challenge with the wrong verification token', async () => {
    const challenge = { challenge: 'x', token: 'not-ours', type: 'url_verification' };
    const res = await route.handler(feishuWebhookRequest(challenge, { encryptKey: ENCRYPT_KEY, sign: false }));
    expect(res.status).toBe(401);
  });

  it('answers 401 to a forged signature and hands the sink nothing', async () => {
    const res = await route.handler(feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY, signingKey: 'attacker-key' }));
    expect(res).toEqual({ status: 401, body: { code: 'SIGNATURE_INVALID', message: 'Feishu request signature (X-Lark-Signature) does not match' } });
    expect(sink.messages).toHaveLength(0);
  });

  it('answers 401 to a stale timestamp even when correctly signed', async () => {
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const res = await route.handler(feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY, timestamp: tenMinutesAgo }));
    expect(res.status).toBe(401);
    expect((res.body as { message: string }).message).toMatch(/outside the 300s window/);
    expect(sink.messages).toHaveLength(0);
  });

  it('answers 401 to an event without signature headers', async () => {
    const res = await route.handler(feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY, sign: false }));
    expect(res.status).toBe(401);
    expect(sink.messages).toHaveLength(0);
  });

  it('answers 401 to a signed event whose verification token is not ours', async () => {
    const event = fixture('text-group') as { header: { token: string } };
    event.header.token = 'someone-else';
    const res = await route.handler(feishuWebhookRequest(event, { encryptKey: ENCRYPT_KEY }));
    expect(res.status).toBe(401);
    expect(sink.messages).toHaveLength(0);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const rawBody = 'not json';
    const headers = { 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': signForFeishu(ts, 'n', ENCRYPT_KEY, rawBody) };
    expect((await route.handler({ headers, query: {}, rawBody })).status).toBe(400);
  });

  it('answers 500 when the sink fails, so Feishu retries, and lets that retry of the same request through', async () => {
    sink.failNext(new Error('database down'));
    const req = feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY });
    const res = await route.handler(req);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect((await route.handler(req)).status).toBe(200);
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored']);
  });

  it('refuses the very same signed request again within its window (a replay), before the sink sees it', async () => {
    const req = feishuWebhookRequest(fixture('card-action'), { encryptKey: ENCRYPT_KEY });
    expect((await route.handler(req)).status).toBe(200);
    const replay = await route.handler(req);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'REPLAYED' });
    expect(sink.presses).toHaveLength(1);
    // Feishu's own redelivery is a new request (new timestamp, nonce and signature): accepted.
    expect((await route.handler(feishuWebhookRequest(fixture('card-action'), { encryptKey: ENCRYPT_KEY }))).status).toBe(200);
  });

  it('refuses a replayed message event as well; its replay check runs beside the store, which only finds it a duplicate', async () => {
    const req = feishuWebhookRequest(fixture('text-group'), { encryptKey: ENCRYPT_KEY });
    expect((await route.handler(req)).status).toBe(200);
    const replay = await route.handler(req);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'REPLAYED' });
    expect(sink.outcomes.map((o) => o.status)).toEqual(['stored', 'duplicate']);
  });

  it('turns a card button press into feedback and answers with the toast', async () => {
    const res = await route.handler(feishuWebhookRequest(fixture('card-action'), { encryptKey: ENCRYPT_KEY }));
    expect(res).toEqual({ status: 200, body: { toast: { type: 'success', content: '已收到反馈' } } });
    expect(sink.feedbacks).toEqual([{ platform: 'feishu', nudgeId: 'nudge-42', senderId: 'ou_rep_zhang', value: 'useful' }]);
  });
});
