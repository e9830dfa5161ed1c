import { describe, expect, it } from 'vitest';
import { encodeRobotTemplate, encodeWebhookBody } from '../../../adapters/dingtalk/encode.ts';
import { readFeedbackText } from '../../../adapters/dingtalk/feedback-link.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import type { OutboundMessage } from '../../../core/types.ts';

const card: OutboundMessage = { type: 'card', title: '价格异议', text: '**建议**：先确认预算', buttons: feedbackButtons('n-1') };

/** What pressing a button makes the DingTalk client send back. */
function pressed(url: string): string {
  expect(url.startsWith('dtmd://dingtalkclient/sendMessage?content=')).toBe(true);
  return new URL(url).searchParams.get('content') ?? '';
}

describe('encodeRobotTemplate', () => {
  it('encodes text and markdown as sampleText / sampleMarkdown', () => {
    expect(encodeRobotTemplate({ type: 'text', text: '你好' })).toEqual({ msgKey: 'sampleText', msgParam: { content: '你好' } });
    expect(encodeRobotTemplate({ type: 'markdown', title: 'T', text: '# x' })).toEqual({ msgKey: 'sampleMarkdown', msgParam: { title: 'T', text: '# x' } });
  });

  it('encodes the three feedback buttons as sampleActionCard3 with links that send the feedback back', () => {
    const { msgKey, msgParam } = encodeRobotTemplate(card);
    expect(msgKey).toBe('sampleActionCard3');
    expect(msgParam).toMatchObject({ title: '价格异议', text: '**建议**：先确认预算', actionTitle1: '有用', actionTitle2: '没用', actionTitle3: '已使用' });
    expect(readFeedbackText(pressed(msgParam.actionURL1!))).toEqual({ kind: 'feedback', nudgeId: 'n-1', value: 'useful' });
    expect(readFeedbackText(pressed(msgParam.actionURL2!))).toEqual({ kind: 'feedback', nudgeId: 'n-1', value: 'not_useful' });
    expect(readFeedbackText(pressed(msgParam.actionURL3!))).toEqual({ kind: 'feedback', nudgeId: 'n-1', value: 'used' });
  });

  it('uses sampleActionCard for one button and markdown for none; refuses more than five', () => {
    const one = encodeRobotTemplate({ ...card, buttons: feedbackButtons('n-2').slice(0, 1) });
    expect(one.msgKey).toBe('sampleActionCard');
    expect(one.msgParam).toMatchObject({ singleTitle: '有用' });
    expect(pressed(one.msgParam.singleURL!)).toContain('#feedback');
    expect(encodeRobotTemplate({ ...card, buttons: [] }).msgKey).toBe('sampleMarkdown');
    const six = [...feedbackButtons('a'), ...feedbackButtons('b')];
    expect(() => encodeRobotTemplate({ ...card, buttons: six })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});

describe('encodeWebhookBody', () => {
  it('encodes text, markdown and an action card with link buttons', () => {
    expect(encodeWebhookBody({ type: 'text', text: 'hi' })).toEqual({ msgtype: 'text', text: { content: 'hi' } });
    expect(encodeWebhookBody({ type: 'markdown', title: 'T', text: 'x' })).toEqual({ msgtype: 'markdown', markdown: { title: 'T', text: 'x' } });
    const body = encodeWebhookBody(card) as { msgtype: string; actionCard: { btns: { title: string; actionURL: string }[] } };
    expect(body.msgtype).toBe('actionCard');
    expect(body.actionCard.btns.map((b) => b.title)).toEqual(['有用', '没用', '已使用']);
    expect(readFeedbackText(pressed(body.actionCard.btns[2]!.actionURL))).toEqual({ kind: 'feedback', nudgeId: 'n-1', value: 'used' });
  });
});
