import { describe, expect, it } from 'vitest';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { parseFeishuCardAction, parseFeishuMessage } from '../../../adapters/feishu/parse.ts';
import { fixture } from './helpers.ts';

describe('parseFeishuMessage', () => {
  it('parses a customer text in a group, mention placeholder stripped, raw kept without the token', () => {
    const raw = fixture('text-group') as { header: Record<string, unknown> };
    const msg = parseFeishuMessage(raw);
    delete raw.header.token;
    expect(msg).toEqual({
      platform: 'feishu',
      messageId: 'om_dc13264520392913993dd051dba21dcf',
      conversationId: 'oc_5ad11d72b830411d72b836c20',
      chatType: 'group',
      direct: false,
      senderId: 'ou_customer_1',
      kind: 'text',
      text: '你们这套系统多少钱？能报个价吗',
      attachments: [],
      sentAt: new Date(1718000000123),
      raw,
    });
    expect(msg.conversationTitle).toBeUndefined();
  });

  it('accepts the flattened event the SDK hands a handler', () => {
    const { header, event } = fixture('text-p2p') as { header: object; event: object };
    const msg = parseFeishuMessage({ ...header, ...event });
    expect(msg).toMatchObject({ chatType: 'single', direct: true, senderId: 'ou_rep_zhang', text: '/kb 价格异议' });
    expect(JSON.stringify(msg.raw)).not.toContain('v_token_fake');
  });

  it('concatenates the text runs of a post, one line per paragraph', () => {
    const msg = parseFeishuMessage(fixture('post'));
    expect(msg.kind).toBe('text');
    expect(msg.text).toBe('方案跟进\n上次的方案您看得怎么样了？\n资料在这里：客户案例');
  });

  it('takes a file name as the attachment', () => {
    const msg = parseFeishuMessage(fixture('file'));
    expect(msg).toMatchObject({ kind: 'file', text: '', attachments: [{ name: '报价单_v2.pdf', type: 'file' }] });
  });

  it.each([
    ['image', 'image', []],
    ['sticker', 'sticker', []],
    ['audio', 'voice', []],
    ['media', 'video', [{ name: '产品演示.mp4', type: 'video' }]],
    ['location', 'other', []],
  ])('%s → kind %s with empty text', (name, kind, attachments) => {
    const msg = parseFeishuMessage(fixture(name));
    expect(msg).toMatchObject({ kind, text: '', attachments });
  });

  it('maps an unknown message type, even one named like a prototype key, to other', () => {
    const raw = fixture('location') as { event: { message: { message_type: string } } };
    raw.event.message.message_type = 'constructor';
    expect(parseFeishuMessage(raw).kind).toBe('other');
  });

  it('survives content that is not JSON', () => {
    const raw = fixture('text-group') as { event: { message: { content: string } } };
    raw.event.message.content = 'not json';
    expect(parseFeishuMessage(raw)).toMatchObject({ kind: 'text', text: '' });
  });

  it('rejects an event without a message id with BAD_REQUEST', () => {
    const raw = fixture('text-group') as { event: { message: Record<string, unknown> } };
    delete raw.event.message.message_id;
    expect(() => parseFeishuMessage(raw)).toThrow(AppError);
    expect(() => parseFeishuMessage(raw)).toThrow(/message_id/);
  });
});

describe('parseFeishuCardAction', () => {
  it('reads our feedback button value back', () => {
    expect(parseFeishuCardAction(fixture('card-action'))).toEqual({
      platform: 'feishu',
      senderId: 'ou_rep_zhang',
      action: { kind: 'feedback', nudgeId: 'nudge-42', value: 'useful' },
      // header.create_time: a redelivered older press must not undo a newer one.
      at: new Date(1718000000000),
    });
  });

  it('accepts the value as the string our buttons carry', () => {
    const raw = fixture('card-action') as { event: { action: { value: unknown } } };
    raw.event.action.value = feedbackButtons('n-7')[2]?.value;
    expect(parseFeishuCardAction(raw)?.action).toMatchObject({ nudgeId: 'n-7', value: 'used' });
  });

  it('returns null for a button that is not ours', () => {
    const raw = fixture('card-action') as { event: { action: { value: unknown } } };
    raw.event.action.value = { approve: 'yes' };
    expect(parseFeishuCardAction(raw)).toBeNull();
  });
});
