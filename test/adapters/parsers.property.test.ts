/**
 * Property-based: every platform parser, given any input (recorded payloads with fields replaced
 * by hostile values, or anything at all), either returns its result or throws a coded 4xx
 * AppError: never a TypeError, a RangeError or a 5xx. A message it returns passes the checks of
 * ingest or fails them with a 4xx, and what it keeps as `raw` can be stored as JSON.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDingtalkCardCallback, parseDingtalkMessage } from '../../adapters/dingtalk/parse.ts';
import { parseFeishuCardAction, parseFeishuMessage } from '../../adapters/feishu/parse.ts';
import { parseLocalMessage } from '../../adapters/local/parse.ts';
import { parseAppCallback } from '../../adapters/wecom/app-parse.ts';
import { parseArchiveRecord } from '../../adapters/wecom/archive.ts';
import { parseBotCardEvent, parseBotMessage } from '../../adapters/wecom/bot-parse.ts';
import { parseFlatXml, XmlError } from '../../adapters/wecom/xml.ts';
import { parseCardValue } from '../../core/card-actions.ts';
import { AppError } from '../../core/errors.ts';
import { checkInbound } from '../../core/inbound.ts';
import { type InboundMessage, MESSAGE_KINDS } from '../../core/types.ts';
import { storableJson } from '../../db/queries/json.ts';
import { hostile, mutated, nastyString } from '../helpers/arbitraries.ts';
import { fixture as dingtalkFixture } from './dingtalk/helpers.ts';
import { fixture as feishuFixture } from './feishu/helpers.ts';
import { json as wecomJson, text as wecomText } from './wecom/fixtures.ts';

const RUNS = { numRuns: 400 };
const NOW = Date.parse('2026-11-27T10:00:00+08:00');

/** Runs `parse`; whatever it throws must be a coded 4xx. Returns its result, or null when it threw. */
function parsedOr4xx<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch (err) {
    expect(err, String(err)).toBeInstanceOf(AppError);
    const status = (err as AppError).httpStatus;
    expect(status, (err as AppError).message).toBeGreaterThanOrEqual(400);
    expect(status, (err as AppError).message).toBeLessThan(500);
    return null;
  }
}

/** What ingest does next with a parsed message: its checks pass or refuse with a 4xx; raw is storable JSON. */
function ingestable(msg: InboundMessage | null): void {
  if (!msg) return;
  expect(MESSAGE_KINDS).toContain(msg.kind);
  parsedOr4xx(() => checkInbound(msg, 8_000, NOW));
  storable(storableJson(msg.raw ?? null));
}

/** What PostgreSQL's jsonb takes: no NUL and no lone surrogate in any string, key or value. */
function storable(v: unknown): void {
  if (typeof v === 'string') {
    expect(v.includes('\u0000'), JSON.stringify(v)).toBe(false);
    expect(v.isWellFormed(), JSON.stringify(v)).toBe(true);
  } else if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      storable(k);
      storable(x);
    }
  }
}

describe('property: platform parsers take any input', () => {
  it('local (HTTP ingest) messages', () => {
    const base = {
      platform: 'local',
      messageId: 'm-1',
      conversationId: 'c-1',
      conversationTitle: '测试科技',
      chatType: 'group',
      direct: false,
      senderId: 'cust-1',
      senderName: '王总',
      kind: 'text',
      text: '报价单收到了',
      attachments: [{ name: '报价单.pdf', type: 'file' }],
      sentAt: '2026-11-27T10:00:00+08:00',
    };
    fc.assert(
      fc.property(hostile(base), (body) => {
        parsedOr4xx(() => parseLocalMessage(body, 8_000, NOW));
      }),
      RUNS,
    );
  });

  it('Feishu im.message.receive_v1 (text, post, file) and card.action.trigger', () => {
    const events = ['text-group', 'text-p2p', 'post', 'file', 'image', 'media', 'audio'].map(feishuFixture);
    fc.assert(
      fc.property(fc.constantFrom(...events).chain(hostile), (event) => {
        ingestable(parsedOr4xx(() => parseFeishuMessage(event)));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(hostile(feishuFixture('card-action')), (event) => {
        const press = parsedOr4xx(() => parseFeishuCardAction(event));
        expect(press === null || press.platform === 'feishu').toBe(true);
      }),
      RUNS,
    );
  });

  it('Feishu message content: any JSON string as `content`', () => {
    const base = feishuFixture('text-group') as { event: { message: Record<string, unknown> } };
    const contents = fc.oneof(
      nastyString,
      fc.json(),
      fc.record({ text: nastyString }).map((c) => JSON.stringify(c)),
      fc
        .record({ title: nastyString, content: fc.array(fc.array(fc.record({ tag: fc.constantFrom('text', 'a', 'at', 'md'), text: nastyString }))) })
        .map((c) => JSON.stringify(c)),
    );
    fc.assert(
      fc.property(contents, fc.constantFrom('text', 'post', 'file', 'media', 'constructor'), (content, type) => {
        const event = structuredClone(base);
        event.event.message.content = content;
        event.event.message.message_type = type;
        ingestable(parsedOr4xx(() => parseFeishuMessage(event)));
      }),
      RUNS,
    );
  });

  it('WeCom intelligent bot messages and card events', () => {
    const messages = ['text-group', 'text-single', 'mixed-group', 'voice-single', 'image-single'].map((n) => wecomJson(`bot/${n}.json`));
    fc.assert(
      fc.property(fc.constantFrom(...messages).chain(hostile), (body) => {
        ingestable(parsedOr4xx(() => parseBotMessage(body)));
      }),
      { ...RUNS, examples: [[{ ...messages[0], msgtype: 'constructor' }], [{ ...messages[0], create_time: 9e15 }]] },
    );
    fc.assert(
      fc.property(hostile(wecomJson('bot/card-event.json')), (body) => {
        parsedOr4xx(() => parseBotCardEvent(body));
      }),
      RUNS,
    );
  });

  it('WeCom chat-archive records', () => {
    const records = ['text-external', 'text-employee', 'file-group', 'image-external', 'recall', 'switch', 'agree'].map((n) => wecomJson(`archive/${n}.json`));
    fc.assert(
      fc.property(fc.constantFrom(...records).chain(hostile), (record) => {
        const r = parsedOr4xx(() => parseArchiveRecord(record));
        if (r?.status === 'message') ingestable(r.message);
      }),
      { ...RUNS, examples: [[{ ...records[0], msgtype: 'constructor' }], [{ ...records[0], msgtime: 9e15 }], [{ ...records[0], msgtype: 'toString' }]] },
    );
  });

  it('WeCom app callbacks: any decrypted XML, including hostile fields, entities and CDATA', () => {
    const field = (name: string, valid: string) =>
      fc
        .tuple(fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, nastyString), fc.constantFrom('cdata', 'plain', 'missing'))
        .map(([v, how]) => (how === 'missing' ? '' : how === 'cdata' ? `<${name}><![CDATA[${v}]]></${name}>` : `<${name}>${v}</${name}>`));
    const message = fc
      .tuple(
        field('ToUserName', 'ww3e5f0123456789ab'),
        field('FromUserName', 'zhangsan'),
        field('CreateTime', '1732700000'),
        field('MsgType', 'text'),
        field('Content', '报价单发您了'),
        field('MsgId', '7453287350127458304'),
        field('Event', 'template_card_event'),
        field('EventKey', '{"nudgeId":"n-1","value":"useful"}'),
      )
      .map((parts) => `<xml>${parts.join('')}</xml>`);
    const xml = fc.oneof({ weight: 6, arbitrary: message }, nastyString, fc.constant(wecomText('app/card-event.xml')), fc.constant(wecomText('app/text.xml')));
    fc.assert(
      fc.property(xml, (x) => {
        const r = parsedOr4xx(() => parseAppCallback(x));
        if (r?.type === 'message') ingestable(r.message);
      }),
      {
        ...RUNS,
        // Found by this test: a character reference beyond Unicode threw a RangeError, and a
        // MsgType named like an Object.prototype member became the message's kind.
        examples: [
          ['<xml><ToUserName>w</ToUserName><FromUserName>z</FromUserName><CreateTime>&#x110000;</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId></xml>'],
          [
            '<xml><ToUserName>w</ToUserName><FromUserName>z</FromUserName><CreateTime>1732700000</CreateTime><MsgType>constructor</MsgType><MsgId>1</MsgId></xml>',
          ],
          ['<xml><A>&constructor;</A></xml>'],
        ],
      },
    );
  });

  it('the flat XML reader throws only XmlError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          nastyString,
          nastyString.map((s) => `<xml><A>${s}</A></xml>`),
        ),
        (x) => {
          try {
            parseFlatXml(x);
          } catch (err) {
            expect(err, String(err)).toBeInstanceOf(XmlError);
          }
        },
      ),
      RUNS,
    );
  });

  it('DingTalk robot messages and card callbacks, as objects or as the frame JSON text', () => {
    const messages = ['robot-text-group', 'robot-text-single', 'robot-richtext-single', 'robot-file-single', 'robot-audio-single', 'robot-unknown-group'].map(
      (n) => dingtalkFixture(n),
    );
    const frames = fc.constantFrom(...messages).chain((m) =>
      fc.oneof(
        hostile(m),
        hostile(m).map((v) => JSON.stringify(v) ?? 'null'),
        nastyString,
      ),
    );
    fc.assert(
      fc.property(frames, (data) => {
        const r = parsedOr4xx(() => parseDingtalkMessage(data));
        if (r) ingestable(r.message);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(hostile(dingtalkFixture('card-callback')), (data) => {
        parsedOr4xx(() => parseDingtalkCardCallback(data));
      }),
      RUNS,
    );
  });

  it('card button values: anything reads as one of our actions or as nothing', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), nastyString, mutated({ nudgeId: 'n-1', value: 'useful' }), mutated({ confirmationId: 'c-1', answer: 'yes' })),
        (v) => {
          const action = parseCardValue(v);
          expect(action === null || action.kind === 'feedback' || action.kind === 'confirm').toBe(true);
        },
      ),
      RUNS,
    );
  });
});
