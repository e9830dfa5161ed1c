import { describe, expect, it } from 'vitest';
import { meetingTypeOf } from '../../analyzers/meeting-time.ts';
import { normalize } from '../../analyzers/text.ts';
import type { MeetingType } from '../../core/types.ts';

const type = (text: string) => meetingTypeOf(normalize(text));

describe('meetingTypeOf', () => {
  it.each<[string, MeetingType]>([
    ['周三下午两点线上演示', 'demo'],
    ['那就周四上午10点给您做个产品演示', 'demo'],
    ['明天下午两点给大家展示一下系统', 'demo'],
    ['周五下午三点上门演示', 'demo'],
    ["Let's book the demo for Thursday at 3pm", 'demo'],
    ['Walkthrough of the platform on Monday 10am', 'demo'],
    ['明天上午我去您公司拜访一下？', 'visit'],
    ['周三下午两点我们上门', 'visit'],
    ['下周二上午来贵司面谈', 'visit'],
    ['周四下午到厂里看看', 'visit'],
    ['I will visit your office on Tuesday at 2pm', 'visit'],
    ['Onsite meeting Friday 10am', 'visit'],
    ['明天下午三点电话沟通', 'call'],
    ['周五上午十点语音聊一下', 'call'],
    ["Let's have a call Thursday at 4pm", 'call'],
    ['Phone sync tomorrow 9:30am', 'call'],
    ['周三下午两点腾讯会议', 'meeting'],
    ['下周一上午十点开会过一下方案', 'meeting'],
    ['Zoom meeting Wednesday at 11am', 'meeting'],
    ['Meeting confirmed for Monday 3pm', 'meeting'],
  ])('%s → %s', (text, expected) => {
    expect(type(text)).toBe(expected);
  });

  it.each<[string, MeetingType]>([
    // Words that contain a type word but are not one.
    ['周三下午两点开会，演示视频我先发您', 'meeting'],
    ['Meeting on Monday 10am to set up your demo account', 'meeting'],
    ['Meeting Monday 10am with the call center team', 'meeting'],
  ])('%s → %s (not fooled by a look-alike)', (text, expected) => {
    expect(type(text)).toBe(expected);
  });
});
