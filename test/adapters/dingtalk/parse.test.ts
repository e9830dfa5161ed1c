import { describe, expect, it } from 'vitest';
import { parseDingtalkCardCallback, parseDingtalkMessage } from '../../../adapters/dingtalk/parse.ts';
import { feedbackMessageContent } from '../../../adapters/dingtalk/feedback-link.ts';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { fixture } from './helpers.ts';

describe('parseDingtalkMessage', () => {
  it('parses a customer text in a group, falling back to senderId without a staff id', () => {
    const { message, press, session } = parseDingtalkMessage(JSON.stringify(fixture('robot-text-group')));
    expect(message).toMatchObject({
      platform: 'dingtalk',
      messageId: 'msgD4x6e2WJ0bwZ0tgCvuY5Xw==',
      conversationId: 'cidqO7Ne8p4MKDQ8JnpbgFbwQ==',
      conversationTitle: '华东医疗-采购项目群',
      chatType: 'group',
      direct: false,
      senderId: '$:LWCP_v1:$customerSender01',
      senderName: '李总（客户）',
      senderExternal: true,
      kind: 'text',
      text: '能报个价吗？我们预算大概 50 万',
      attachments: [],
    });
    expect(message.sentAt.toISOString()).toBe(new Date(1767222000000).toISOString());
    expect(press).toBeNull();
    expect(session).toEqual({ url: 'https://oapi.dingtalk.com/robot/sendBySession?session=fixture-session-group', expiresAt: 1767225600000 });
  });

  it('keeps the raw payload but not the session webhook URL', () => {
    const { message } = parseDingtalkMessage(fixture('robot-text-group'));
    expect(message.raw).toMatchObject({ msgId: 'msgD4x6e2WJ0bwZ0tgCvuY5Xw==', sessionWebhookExpiredTime: 1767225600000 });
    expect(JSON.stringify(message.raw)).not.toContain('sendBySession');
  });

  it('parses a 1:1 text from a colleague as a direct message with the staff id', () => {
    const { message } = parseDingtalkMessage(fixture('robot-text-single'));
    expect(message).toMatchObject({ chatType: 'single', direct: true, senderId: 'rep001', text: '/kb 价格异议', kind: 'text' });
    expect(message.senderExternal).toBeUndefined();
    expect(message.conversationTitle).toBeUndefined();
  });

  it('maps media messages to non-text kinds', () => {
    expect(parseDingtalkMessage(fixture('robot-picture-single')).message).toMatchObject({ kind: 'image', text: '', attachments: [] });
    expect(parseDingtalkMessage(fixture('robot-file-single')).message).toMatchObject({
      kind: 'file',
      text: '',
      attachments: [{ name: '报价单_v2.pdf', type: 'file' }],
    });
    expect(parseDingtalkMessage(fixture('robot-audio-single')).message).toMatchObject({ kind: 'voice', text: '明天下午两点线上演示' });
    expect(parseDingtalkMessage(fixture('robot-video-single')).message).toMatchObject({ kind: 'video', text: '' });
  });

  it('reads the text runs of a richText message; pictures alone make it an image', () => {
    expect(parseDingtalkMessage(fixture('robot-richtext-single')).message).toMatchObject({ kind: 'text', text: '这是我们的方案截图，请查收' });
    const picturesOnly = fixture('robot-richtext-single', { content: { richText: [{ type: 'picture', downloadCode: 'x' }] } });
    expect(parseDingtalkMessage(picturesOnly).message).toMatchObject({ kind: 'image', text: '' });
  });

  it('turns an unknown msgtype, or a known one with an odd content, into kind other / empty, never an error', () => {
    expect(parseDingtalkMessage(fixture('robot-unknown-group')).message).toMatchObject({ kind: 'other', text: '' });
    expect(parseDingtalkMessage(fixture('robot-file-single', { content: 'not an object' })).message).toMatchObject({ kind: 'file', attachments: [] });
  });

  it('rejects a malformed payload with BAD_REQUEST naming the fields', () => {
    const { msgId: _m, ...noId } = fixture('robot-text-group');
    const err = catchErr(() => parseDingtalkMessage(noId));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BAD_REQUEST' });
    expect(err.message).toContain('msgId');
    expect(catchErr(() => parseDingtalkMessage(fixture('robot-text-group', { conversationType: '3' }))).message).toContain('conversationType');
    expect(catchErr(() => parseDingtalkMessage('{not json')).message).toContain('not JSON');
    expect(catchErr(() => parseDingtalkMessage(null))).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('recognises a feedback button press sent back as chat text', () => {
    const [useful] = feedbackButtons('n-7');
    const text = feedbackMessageContent(useful!.label, useful!.value);
    const { message, press } = parseDingtalkMessage(fixture('robot-text-single', { text: { content: ` ${text} ` } }));
    expect(press).toEqual({ platform: 'dingtalk', senderId: 'rep001', action: { kind: 'feedback', nudgeId: 'n-7', value: 'useful' }, at: message.sentAt });
    expect(message.text).toBe(text);
  });

  it('treats a forged or foreign #feedback text as an ordinary message', () => {
    for (const content of [
      '#feedback {"nudgeId":"n-7","value":"great"}',
      '#feedback not-json',
      'we discussed #feedback {"nudgeId":"n","value":"used"} later',
    ]) {
      expect(parseDingtalkMessage(fixture('robot-text-single', { text: { content } })).press).toBeNull();
    }
  });
});

describe('parseDingtalkCardCallback', () => {
  it('reads the feedback value from the pressed button params', () => {
    expect(parseDingtalkCardCallback(JSON.stringify(fixture('card-callback')))).toEqual({
      platform: 'dingtalk',
      senderId: 'rep001',
      action: { kind: 'feedback', nudgeId: 'n-42', value: 'used' },
    });
  });

  it('dates the press by the frame DingTalk stamped, so presses are ordered by when they were made', () => {
    const press = parseDingtalkCardCallback(fixture('card-callback'), '1764900000123');
    expect(press?.at?.toISOString()).toBe(new Date(1_764_900_000_123).toISOString());
    for (const bad of [undefined, '', 'soon', '-5', '0', '1e20', '99999999999999999']) {
      expect(parseDingtalkCardCallback(fixture('card-callback'), bad), String(bad)).not.toHaveProperty('at');
    }
  });

  it('accepts the value nested under params.value, and ignores foreign buttons', () => {
    const nested = JSON.stringify({ cardPrivateData: { params: { value: '{"nudgeId":"n-1","value":"not_useful"}' } } });
    expect(parseDingtalkCardCallback(fixture('card-callback', { content: nested }))?.action).toMatchObject({ nudgeId: 'n-1', value: 'not_useful' });
    const foreign = JSON.stringify({ cardPrivateData: { actionIds: ['approve'], params: { action: 'approve' } } });
    expect(parseDingtalkCardCallback(fixture('card-callback', { content: foreign }))).toBeNull();
  });

  it('rejects a callback without a user or with unreadable content', () => {
    expect(catchErr(() => parseDingtalkCardCallback(fixture('card-callback', { userId: undefined })))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(catchErr(() => parseDingtalkCardCallback(fixture('card-callback', { content: '{' }))).message).toContain('not JSON');
  });
});

function catchErr(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a throw');
}
