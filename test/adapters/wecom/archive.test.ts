/** Chat-archive records (recorded fixtures) → InboundMessage, skips and rejections. */
import { describe, expect, it } from 'vitest';
import { isExternalSender, parseArchiveRecord } from '../../../adapters/wecom/archive.ts';
import { AppError } from '../../../core/errors.ts';
import { json } from './fixtures.ts';

const customer = 'wmErxtDgAA9AW32YyyuYRimKr7D1KWlw';

function message(name: string) {
  const result = parseArchiveRecord(json(name));
  if (result.status !== 'message') throw new Error(`expected a message, got ${result.reason}`);
  return result.message;
}

describe('parseArchiveRecord', () => {
  it('parses a text from an employee in a 1:1 chat', () => {
    const record = json('archive/text-employee.json');
    expect(parseArchiveRecord(record)).toEqual({
      status: 'message',
      message: {
        platform: 'wecom',
        messageId: 'CAQQluDa4QUY0On2rYSAgAMgzPrShAE=',
        conversationId: `single:XuJinSheng:${customer}`,
        chatType: 'single',
        direct: false,
        senderId: 'XuJinSheng',
        senderExternal: false,
        kind: 'text',
        text: '这套是 12.8 万，报价单稍后发您',
        attachments: [],
        sentAt: new Date(1732700000783),
        raw: record,
      },
    });
  });

  it('marks an _external message as external, in the same conversation as the reply', () => {
    const msg = message('archive/text-external.json');
    expect(msg).toMatchObject({ senderId: customer, senderExternal: true, kind: 'text', text: '能再便宜点吗？别家报价低不少' });
    expect(msg.conversationId).toBe(message('archive/text-employee.json').conversationId);
  });

  it('parses a file in a group chat with its file name as attachment', () => {
    expect(message('archive/file-group.json')).toMatchObject({
      conversationId: 'wrErxtDgAAO5XaZ3m0XYZsp2rEcQwbQA',
      chatType: 'group',
      direct: false,
      kind: 'file',
      text: '',
      attachments: [{ name: '报价单_v2.pdf', type: 'file' }],
    });
  });

  it('parses an image as kind image with no text, its sender external by id', () => {
    expect(message('archive/image-external.json')).toMatchObject({ kind: 'image', text: '', attachments: [], senderExternal: true });
  });

  it('skips a recall, a switch and an unsupported msgtype with a reason', () => {
    expect(parseArchiveRecord(json('archive/recall.json'))).toEqual({
      status: 'skipped',
      msgid: '15775510700152506326_1732700315',
      reason: expect.stringContaining('recall'),
      // Its revoke.pre_msgid: the message the import keeps from analysis if it is not analysed yet.
      recalls: 'CAQQluDa4QUY0On2rYSAgAMgzPrShAE=',
    });
    expect(parseArchiveRecord(json('archive/switch.json'))).toMatchObject({ status: 'skipped', reason: expect.stringContaining('switch') });
    expect(parseArchiveRecord(json('archive/agree.json'))).toMatchObject({ status: 'skipped', reason: 'msgtype agree is not supported' });
  });

  it('rejects a malformed record with BAD_REQUEST naming the field', () => {
    const err = (() => {
      try {
        parseArchiveRecord(json('archive/malformed-text.json'));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('text.content') });
  });

  it('names missing fields: msgid, from, the body of the msgtype, the 1:1 recipient', () => {
    const base = json('archive/text-employee.json');
    expect(() => parseArchiveRecord({ ...base, msgid: undefined })).toThrow(/msgid/);
    expect(() => parseArchiveRecord({ ...base, from: '' })).toThrow(/from/);
    expect(() => parseArchiveRecord({ ...base, text: undefined })).toThrow(/text: required for msgtype text/);
    expect(() => parseArchiveRecord({ ...base, tolist: [] })).toThrow(/tolist/);
    expect(() => parseArchiveRecord({ ...base, msgtime: 'yesterday' })).toThrow(/msgtime/);
    expect(() => parseArchiveRecord('not a record')).toThrow(AppError);
  });

  it('reads text out of a mixed record and links with their titles', () => {
    const base = json('archive/text-employee.json');
    const mixed = parseArchiveRecord({
      ...base,
      msgtype: 'mixed',
      text: undefined,
      mixed: {
        item: [
          { type: 'text', content: '{"content":"案例视频见下"}' },
          { type: 'image', content: '{"md5sum":"x"}' },
        ],
      },
    });
    expect(mixed).toMatchObject({ status: 'message', message: { kind: 'text', text: '案例视频见下' } });
    const link = parseArchiveRecord({
      ...base,
      msgtype: 'link',
      link: { title: '华东医疗案例', description: '三甲医院落地', link_url: 'https://example.com/case' },
    });
    expect(link).toMatchObject({
      status: 'message',
      message: { kind: 'link', text: '华东医疗案例\n三甲医院落地\nhttps://example.com/case', attachments: [{ name: '华东医疗案例', type: 'link' }] },
    });
  });
});

describe('isExternalSender', () => {
  it('recognises external ids and _external msgids but not an employee id starting with wo', () => {
    expect(isExternalSender('m1', customer)).toBe(true);
    expect(isExternalSender('m1', 'woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA')).toBe(true);
    expect(isExternalSender('m1_external', 'anyone')).toBe(true);
    expect(isExternalSender('m1', 'wong')).toBe(false);
    expect(isExternalSender('m1', 'XuJinSheng')).toBe(false);
  });
});
