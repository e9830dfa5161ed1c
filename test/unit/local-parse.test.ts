import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { parseLocalMessage, parseLocalUpload } from '../../adapters/local/parse.ts';
import { AppError } from '../../core/errors.ts';

const MAX = 200;
// The shape POST /v1/messages takes (see test/http/ingest.test.ts).
const example = {
  platform: 'local',
  messageId: 'm-1',
  conversationId: 'c-1',
  conversationTitle: '华东医疗 · 患者随访平台项目',
  chatType: 'group',
  senderId: 'zhangsan',
  senderName: '张三',
  text: '报价单发您了，请查收。',
  attachments: [{ name: '报价单.pdf' }],
  sentAt: '2026-11-27T10:00:00+08:00',
};

function parseError(body: unknown): AppError {
  try {
    parseLocalMessage(body, MAX);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('parseLocalMessage did not fail');
}

describe('parseLocalMessage', () => {
  it('parses the example payload, keeping the raw body', () => {
    expect(parseLocalMessage(example, MAX)).toEqual({
      platform: 'local',
      messageId: 'm-1',
      conversationId: 'c-1',
      conversationTitle: '华东医疗 · 患者随访平台项目',
      chatType: 'group',
      direct: false,
      senderId: 'zhangsan',
      senderName: '张三',
      kind: 'text',
      text: '报价单发您了，请查收。',
      attachments: [{ name: '报价单.pdf' }],
      sentAt: new Date('2026-11-27T02:00:00.000Z'),
      raw: example,
    });
  });

  it('a single chat is a customer chat unless the message says direct: true', () => {
    expect(parseLocalMessage({ ...example, chatType: 'single' }, MAX).direct).toBe(false);
    expect(parseLocalMessage({ ...example, chatType: 'single', direct: true }, MAX).direct).toBe(true);
    expect(parseLocalMessage({ ...example, chatType: 'single', direct: false }, MAX).direct).toBe(false);
    expect(parseLocalMessage({ ...example, chatType: 'group', direct: true }, MAX).direct).toBe(true);
  });

  it('a message with only an attachment is a file with empty text', () => {
    const { text: _text, ...noText } = example;
    const m = parseLocalMessage(noText, MAX);
    expect(m.kind).toBe('file');
    expect(m.text).toBe('');
  });

  it('accepts text of exactly the limit', () => {
    expect(parseLocalMessage({ ...example, text: '价'.repeat(MAX) }, MAX).text).toHaveLength(MAX);
  });

  it('text over the limit → PAYLOAD_TOO_LARGE naming text', () => {
    const err = parseError({ ...example, text: '价'.repeat(MAX + 1) });
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
    expect(err.message).toMatch(/^text /);
  });

  it('an unknown platform → UNKNOWN_PLATFORM', () => {
    const err = parseError({ ...example, platform: 'slack' });
    expect(err.code).toBe('UNKNOWN_PLATFORM');
    expect(err.message).toContain('platform');
  });

  it.each([['messageId'], ['conversationId'], ['senderId'], ['chatType'], ['sentAt']])('a missing %s → BAD_REQUEST naming it', (field) => {
    const body: Record<string, unknown> = { ...example };
    delete body[field];
    const err = parseError(body);
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(new RegExp(`^${field}: `));
    expect(err.httpStatus).toBe(400);
  });

  it('a blank id → BAD_REQUEST naming it', () => {
    expect(parseError({ ...example, senderId: '   ' }).message).toMatch(/^senderId: /);
  });

  it('a sentAt without an offset → BAD_REQUEST naming sentAt', () => {
    const err = parseError({ ...example, sentAt: '2026-11-27 10:00' });
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/^sentAt: /);
  });

  it('an unknown field → BAD_REQUEST', () => {
    expect(parseError({ ...example, secretToken: 'x' }).code).toBe('BAD_REQUEST');
  });

  it('a message with no text, no attachment and no kind → BAD_REQUEST', () => {
    const err = parseError({ ...example, text: '', attachments: [] });
    expect(err.code).toBe('BAD_REQUEST');
  });

  it('a non-object body → BAD_REQUEST', () => {
    expect(parseError('hello').code).toBe('BAD_REQUEST');
    expect(parseError(null).code).toBe('BAD_REQUEST');
  });

  it('takes an inline file out of the message: a storage key named by its hash, its size, no bytes in raw', () => {
    const pdf = Buffer.from('%PDF-1.7 a tiny stand-in');
    const sha = createHash('sha256').update(pdf).digest('hex');
    const { message, files } = parseLocalUpload(
      { ...example, chatType: 'single', direct: true, text: '', attachments: [{ name: '报价单.pdf', data: pdf.toString('base64') }] },
      MAX,
    );
    expect(files).toEqual([{ key: `inbox-${sha}`, body: pdf }]);
    expect(message.attachments).toEqual([{ name: '报价单.pdf', type: 'file', fileRef: `inbox-${sha}`, size: pdf.length }]);
    expect(message.kind).toBe('file');
    expect(JSON.stringify(message.raw)).not.toContain(pdf.toString('base64'));
  });

  it('inline data that is not base64 → BAD_REQUEST naming the attachment', () => {
    const err = parseError({ ...example, attachments: [{ name: '报价单.pdf', data: 'not base64!' }] });
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/^attachments\.0\.data: /);
  });
});
