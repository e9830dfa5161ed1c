import { describe, expect, it } from 'vitest';
import { parseMeetingTime } from '../../analyzers/meeting-time.ts';

const SH = 'Asia/Shanghai';
// Monday 2026-11-23 10:21 in Shanghai, and Thursday of the same week.
const MONDAY = new Date('2026-11-23T10:21:00+08:00');
const THURSDAY = new Date('2026-11-26T16:05:00+08:00');
const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const expected = (s: string) => new Date(s).toISOString();

describe('parseMeetingTime: Chinese, said on Monday 2026-11-23 10:21', () => {
  it.each([
    ['周三下午两点', '2026-11-25T14:00:00+08:00'],
    ['那就周三下午两点线上演示吧', '2026-11-25T14:00:00+08:00'],
    ['今天下午两点', '2026-11-23T14:00:00+08:00'],
    ['明天上午10:30', '2026-11-24T10:30:00+08:00'],
    ['明天上午10：30 可以吗', '2026-11-24T10:30:00+08:00'],
    ['后天晚上8点', '2026-11-25T20:00:00+08:00'],
    ['下周一上午', '2026-11-30T10:00:00+08:00'],
    ['下周三下午', '2026-12-02T14:00:00+08:00'],
    ['下下周二', '2026-12-08T09:00:00+08:00'],
    ['12月2日下午3点', '2026-12-02T15:00:00+08:00'],
    ['30号下午', '2026-11-30T14:00:00+08:00'],
    ['5号', '2026-12-05T09:00:00+08:00'],
    ['周五', '2026-11-27T09:00:00+08:00'],
    ['星期天', '2026-11-29T09:00:00+08:00'],
    ['礼拜二中午12点', '2026-11-24T12:00:00+08:00'],
    ['周日上午九点半', '2026-11-29T09:30:00+08:00'],
    ['这周五下午三点一刻', '2026-11-27T15:15:00+08:00'],
    ['周四 3点', '2026-11-26T15:00:00+08:00'],
  ])('%s → %s', (text, when) => {
    expect(iso(parseMeetingTime(text, MONDAY, SH))).toBe(expected(when));
  });

  it.each([['找时间再约'], ['两点吧'], ['好的，收到'], ['']])('%s → null (no day named)', (text) => {
    expect(parseMeetingTime(text, MONDAY, SH)).toBeNull();
  });
});

describe('parseMeetingTime: relative to the day it was said', () => {
  it("周二下午 said on Thursday is next week's Tuesday", () => {
    expect(iso(parseMeetingTime('周二下午', THURSDAY, SH))).toBe(expected('2026-12-01T14:00:00+08:00'));
  });

  it('周四 said on Thursday is that same day', () => {
    expect(iso(parseMeetingTime('周四下午五点', THURSDAY, SH))).toBe(expected('2026-11-26T17:00:00+08:00'));
  });

  it('1月5日 said in December is next January', () => {
    expect(iso(parseMeetingTime('1月5日上午10点', new Date('2026-12-20T10:00:00+08:00'), SH))).toBe(expected('2027-01-05T10:00:00+08:00'));
  });

  it('明天 said late on 31 December is 1 January of the next year', () => {
    expect(iso(parseMeetingTime('明天下午两点', new Date('2026-12-31T22:00:00+08:00'), SH))).toBe(expected('2027-01-01T14:00:00+08:00'));
  });

  it('reads "today" in the organisation\'s zone, not UTC (00:30 Tuesday in Shanghai is still Monday in UTC)', () => {
    expect(iso(parseMeetingTime('今天下午两点', new Date('2026-11-23T16:30:00Z'), SH))).toBe(expected('2026-11-24T14:00:00+08:00'));
  });
});

describe('parseMeetingTime: English, said on Monday 2026-11-23 10:21', () => {
  it.each([
    ['Thursday at 3pm', '2026-11-26T15:00:00+08:00'],
    ["Let's book the demo for Thursday at 3pm", '2026-11-26T15:00:00+08:00'],
    ['tomorrow 10:30', '2026-11-24T10:30:00+08:00'],
    ['next Monday', '2026-11-30T09:00:00+08:00'],
    ['today at 4:30 pm', '2026-11-23T16:30:00+08:00'],
    ['Wed 12pm', '2026-11-25T12:00:00+08:00'],
  ])('%s → %s', (text, when) => {
    expect(iso(parseMeetingTime(text, MONDAY, SH))).toBe(expected(when));
  });

  it('"next Monday" said on a Wednesday is the coming Monday', () => {
    expect(iso(parseMeetingTime('next Monday', new Date('2026-11-25T10:00:00+08:00'), SH))).toBe(expected('2026-11-30T09:00:00+08:00'));
  });

  it.each([['sounds good, talk soon'], ['at 3pm then']])('%s → null (no day named)', (text) => {
    expect(parseMeetingTime(text, MONDAY, SH)).toBeNull();
  });

  // Words that merely begin like a day name ("month", "friend", "satisfied") are not days.
  it('"next month" names no day it can place → null', () => {
    expect(parseMeetingTime("Let's book the demo next month", MONDAY, SH)).toBeNull();
  });

  it('"friend" is not Friday: the demo is on Thursday at 3pm', () => {
    expect(iso(parseMeetingTime('My friend from IT will join the demo on Thursday at 3pm', MONDAY, SH))).toBe(expected('2026-11-26T15:00:00+08:00'));
  });
});
