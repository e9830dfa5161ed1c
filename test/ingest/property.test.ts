/**
 * Property-based, through the whole app on PGlite: whatever arrives (recorded payloads with
 * fields replaced by hostile values, or anything at all), the answer is a 2xx or a clear 4xx,
 * never a 5xx, and a 4xx carries a code and a message without SQL. That covers the HTTP ingest,
 * card presses over HTTP, the archive, Feishu's signed webhook (messages and card presses) and
 * the WeCom app callback. For the long connections (DingTalk, the WeCom bot), whatever their
 * parser returns, the sink answers (stored, duplicate or refused) and never throws: a throw
 * would mean a database refusal, and a redelivery that can never succeed.
 */
import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDingtalkCardCallback, parseDingtalkMessage } from '../../adapters/dingtalk/parse.ts';
import { parseBotCardEvent, parseBotMessage } from '../../adapters/wecom/bot-parse.ts';
import { buildServer } from '../../bots/http/server.ts';
import { fixture as dingtalkFixture } from '../adapters/dingtalk/helpers.ts';
import { fixture as feishuFixture } from '../adapters/feishu/helpers.ts';
import { feishuWebhookRequest } from '../adapters/feishu/fake-webhook.ts';
import { json as wecomJson, text as wecomText } from '../adapters/wecom/fixtures.ts';
import { appEnv, CORP, AES_KEY, CALLBACK_TOKEN, AGENT_ID } from '../e2e/wecom/harness.ts';
import { hostile, mutated, nastyString, nastyValue } from '../helpers/arbitraries.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const RUNS = { numRuns: 120 };
const ENCRYPT_KEY = 'property-feishu-encrypt-key-0001';
const SQL_WORDS = /\b(select|insert|update|params|parameters|jsonb)\b|failed query/i;

let t: TestApp;
let server: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp({
    start: new Date('2026-11-27T10:00:00+08:00'),
    env: {
      FEISHU_APP_ID: 'cli_0123456789abcdef',
      FEISHU_APP_SECRET: 'property-secret',
      // Never called: nothing is sent, the jobs are not run.
      FEISHU_DOMAIN: 'http://127.0.0.1:9',
      FEISHU_MODE: 'webhook',
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      ...appEnv('http://127.0.0.1:9'),
    },
  });
  server = buildServer(t.app);
  await server.ready();
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

/** 2xx, or a 4xx with a code and a message and no SQL; never a 5xx. */
function answered(res: { statusCode: number; body: string }, what: string): void {
  expect(res.statusCode, `${what}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(res.body).toMatch(/BAD_REQUEST|PAYLOAD_TOO_LARGE|UNKNOWN_PLATFORM|SIGNATURE_INVALID|FORBIDDEN|NOT_FOUND|UNAUTHORIZED|UNSUPPORTED_MESSAGE/);
    expect(res.body).not.toMatch(SQL_WORDS);
  }
}

const nested = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : { x: nested(depth - 1, leaf) });

const LOCAL = {
  platform: 'local',
  messageId: 'pm-1',
  conversationId: 'c-prop',
  conversationTitle: '属性科技',
  chatType: 'group',
  senderId: 'cust-1',
  senderName: '王总',
  text: '报价单收到了，太贵了',
  attachments: [{ name: '报价单.pdf', type: 'file' }],
  sentAt: '2026-11-27T09:00:00+08:00',
};

describe('property: any input gets a 2xx or a 4xx, never a 5xx', () => {
  it('POST /v1/messages: one message, a batch, or a body that is not JSON', async () => {
    const body = fc.oneof(
      hostile(LOCAL).map((b) => JSON.stringify(b) ?? 'null'),
      fc.array(hostile(LOCAL), { minLength: 1, maxLength: 4 }).map((b) => JSON.stringify(b)),
      nastyString,
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await server.inject({ method: 'POST', url: '/v1/messages', payload, headers: { 'content-type': 'application/json' } });
        answered(res, 'POST /v1/messages');
      }),
      RUNS,
    );
  });

  it('POST /v1/feedback and /v1/confirmations with hostile ids and values', async () => {
    const feedback = mutated({ platform: 'local', nudgeId: 'n-1', senderId: 'zhangsan', value: 'useful' });
    const confirm = mutated({ platform: 'local', confirmationId: 'c-1', senderId: 'zhangsan', answer: 'yes' });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          feedback.map((p) => ['/v1/feedback', p] as const),
          confirm.map((p) => ['/v1/confirmations', p] as const),
        ),
        async ([url, p]) => {
          const res = await server.inject({ method: 'POST', url, payload: JSON.stringify(p) ?? 'null', headers: { 'content-type': 'application/json' } });
          answered(res, url);
        },
      ),
      {
        ...RUNS,
        examples: [
          [['/v1/confirmations', { platform: 'local', confirmationId: 'c\u0000', senderId: 'zhangsan', answer: 'yes' }]],
          [['/v1/feedback', { platform: 'local', nudgeId: '\ud800', senderId: 'zhangsan', value: 'useful' }]],
        ],
      },
    );
  });

  it('POST /v1/wecom/archive', async () => {
    const records = ['text-external', 'text-employee', 'file-group', 'recall'].map((n) => wecomJson(`archive/${n}.json`));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...records).chain(hostile), { minLength: 1, maxLength: 3 }), async (batch) => {
        const res = await server.inject({
          method: 'POST',
          url: '/v1/wecom/archive',
          payload: JSON.stringify(batch),
          headers: { 'content-type': 'application/json' },
        });
        answered(res, 'POST /v1/wecom/archive');
      }),
      RUNS,
    );
  });

  it('Feishu webhook: signed, encrypted messages and card presses with hostile fields', async () => {
    const events = ['text-group', 'text-p2p', 'post', 'file', 'card-action'].map(feishuFixture);
    // The card press's value stays an object mostly, so its ids and values reach the database.
    const press = mutated({ nudgeId: 'n-1', value: 'useful' }).map((value) => {
      const e = feishuFixture('card-action') as { event: { action: { value: unknown } } };
      e.event.action.value = value;
      return e;
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...events).chain((e) => mutated(e)),
          press,
        ),
        async (event) => {
          const req = feishuWebhookRequest(event as object, { encryptKey: ENCRYPT_KEY });
          const res = await server.inject({ method: 'POST', url: '/feishu/webhook', headers: req.headers as Record<string, string>, payload: req.rawBody });
          answered(res, 'POST /feishu/webhook');
        },
      ),
      // A NUL nested deeper than `raw` was cleaned used to reach PostgreSQL.
      { ...RUNS, examples: [[{ ...events[0], deep: nested(40, 'a\u0000b') }]] },
    );
  });

  it('WeCom app callback: any decrypted XML, signed for our corp', async () => {
    const field = (name: string, valid: string) =>
      fc
        .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, nastyString), fc.constantFrom('cdata', 'plain', 'missing'))
        .map(([v, how]) => (how === 'missing' ? '' : how === 'cdata' ? `<${name}><![CDATA[${v}]]></${name}>` : `<${name}>${v}</${name}>`));
    const message = fc
      .tuple(
        field('ToUserName', CORP.corpId),
        field('FromUserName', 'zhangsan'),
        field('CreateTime', String(Math.floor(Date.now() / 1000))),
        field('MsgType', 'text'),
        field('Content', '报价单发您了'),
        field('MsgId', '7453287350127458304'),
        field('Event', 'template_card_event'),
        field('EventKey', '{"nudgeId":"n-1","value":"useful"}'),
      )
      .map((parts) => `<xml>${parts.join('')}<AgentID>${AGENT_ID}</AgentID></xml>`);
    const xml = fc.oneof({ weight: 6, arbitrary: message }, nastyString, fc.constant(wecomText('app/card-event.xml')));
    await fc.assert(
      fc.asyncProperty(xml, async (inner) => {
        const encrypted = encrypt(AES_KEY, inner, CORP.corpId);
        const timestamp = String(Math.floor(Date.now() / 1000));
        const nonce = randomBytes(6).toString('hex');
        const query = new URLSearchParams({ msg_signature: getSignature(CALLBACK_TOKEN, timestamp, nonce, encrypted), timestamp, nonce });
        const res = await server.inject({
          method: 'POST',
          url: `/wecom/callback?${query}`,
          payload: `<xml><ToUserName><![CDATA[${CORP.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
          headers: { 'content-type': 'text/xml' },
        });
        answered(res, 'POST /wecom/callback');
      }),
      {
        ...RUNS,
        examples: [
          [
            `<xml><ToUserName>${CORP.corpId}</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType>constructor</MsgType><MsgId>77</MsgId></xml>`,
          ],
          [
            `<xml><ToUserName>${CORP.corpId}</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>&#x110000;</CreateTime><MsgType>text</MsgType><MsgId>78</MsgId></xml>`,
          ],
        ],
      },
    );
  });

  it('any request to an unknown route, method or content type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.constantFrom('/v1/messages', '/v1/outbox', '/v1/deals', '/v1/deals/x', '/feishu/webhook', '/wecom/callback', '/v1/nope'),
        fc.constantFrom('application/json', 'text/plain', 'text/xml', 'application/x-www-form-urlencoded'),
        nastyString,
        async (method, url, type, payload) => {
          const res = await server.inject({ method, url, payload, headers: { 'content-type': type } });
          expect(res.statusCode, `${method} ${url}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      RUNS,
    );
  });
});

describe('property: the sink answers whatever a long-connection parser returns', () => {
  const sinkAnswers = async (work: () => Promise<{ status: string }>) => {
    const r = await work();
    expect(['stored', 'duplicate', 'refused', 'applied']).toContain(r.status);
  };

  it('DingTalk robot messages and card callbacks', async () => {
    const messages = ['robot-text-group', 'robot-text-single', 'robot-richtext-single', 'robot-file-single'].map((n) => dingtalkFixture(n));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...messages).chain(hostile), hostile(dingtalkFixture('card-callback'))), async (data) => {
        let parsed: ReturnType<typeof parseDingtalkMessage> | null = null;
        try {
          parsed = parseDingtalkMessage(data);
        } catch {
          const press = (() => {
            try {
              return parseDingtalkCardCallback(data);
            } catch {
              return null;
            }
          })();
          if (press) await sinkAnswers(() => t.app.sink.press(press));
          return;
        }
        const { message, press } = parsed;
        await sinkAnswers(() => (press ? t.app.sink.press(press) : t.app.sink.message(message)));
      }),
      RUNS,
    );
  });

  it('WeCom bot messages and card events', async () => {
    const messages = ['text-group', 'text-single', 'mixed-group', 'voice-single'].map((n) => wecomJson(`bot/${n}.json`));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...messages).chain(hostile), hostile(wecomJson('bot/card-event.json')), nastyValue), async (body) => {
        const press = parseBotCardEvent(body);
        if (press) return sinkAnswers(() => t.app.sink.press(press));
        let msg: ReturnType<typeof parseBotMessage>;
        try {
          msg = parseBotMessage(body);
        } catch {
          return;
        }
        await sinkAnswers(() => t.app.sink.message(msg));
      }),
      RUNS,
    );
  });
});
