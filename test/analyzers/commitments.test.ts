import { describe, expect, it } from 'vitest';
import { findCommitment } from '../../analyzers/commitments.ts';
import { normalize } from '../../analyzers/text.ts';

const SH = 'Asia/Shanghai';
// Monday 2026-11-23 10:21 in Shanghai; Thursday 2026-11-26 09:30; late December; a month's last day.
const MONDAY = new Date('2026-11-23T10:21:00+08:00');
const THURSDAY = new Date('2026-11-26T09:30:00+08:00');
const DECEMBER = new Date('2026-12-20T15:00:00+08:00');
const SUNDAY = new Date('2026-11-29T11:00:00+08:00');

const find = (text: string, at = MONDAY) => findCommitment(normalize(text), at, SH, text);
/** The start of a day in Shanghai, as an ISO instant. */
const day = (ymd: string) => new Date(`${ymd}T00:00:00+08:00`).toISOString();
const time = (ymdhm: string) => new Date(`${ymdhm}:00+08:00`).toISOString();

describe('findCommitment: Chinese, said on Monday 2026-11-23 10:21', () => {
  it.each([
    ['1月8号再聊', '2027-01-08'],
    ['下周一给您答复', '2026-11-30'],
    ['院长周四开会', '2026-11-26'],
    ['明天给您回复', '2026-11-24'],
    ['后天我们内部讨论一下再联系您', '2026-11-25'],
    ['大后天出结果', '2026-11-26'],
    ['月底前给您确认', '2026-11-30'],
    ['下个月初签合同', '2026-12-01'],
    ['下月初再沟通', '2026-12-01'],
    ['这周五之前给您反馈', '2026-11-27'],
    ['过两天再联系', '2026-11-25'],
    ['过几天给您消息', '2026-11-26'],
    ['3个工作日内给您答复', '2026-11-26'],
    ['三天内给您回复', '2026-11-26'],
    ['这周内给您答复', '2026-11-27'],
    ['周五领导审批', '2026-11-27'],
    ['星期三上会讨论', '2026-11-25'],
    ['礼拜天我考虑一下', '2026-11-29'],
    ['下下周二定下来', '2026-12-08'],
    ['12月5日开标', '2026-12-05'],
    ['30号确认', '2026-11-30'],
    ['5号再说吧', '2026-12-05'],
    ['合同12月31号到期', '2026-12-31'],
    ['下个月底之前拍板', '2026-12-31'],
    ['月中给您反馈', '2026-12-15'],
    ['年底前决定', '2026-12-31'],
    ['好的，下周三给您准信', '2026-12-02'],
    ['1月8号吧，到时候再聊', '2027-01-08'],
    ['老板出差了，周四回来再定下来', '2026-11-26'],
    ['我们财务下周二付款', '2026-12-01'],
    // A named meeting held (开X会): the demo's 华东医疗 director, a board, a weekly meeting.
    ['院长这周四开办公会，会上一起讨论预算的事', '2026-11-26'],
    ['周三开党委会', '2026-11-25'],
    ['这周五开董事会定', '2026-11-27'],
    ['下周一开个周会', '2026-11-30'],
    ['12月3号召开评审会', '2026-12-03'],
    ['周四开个会', '2026-11-26'],
  ])('%s → %s, all day', (text, ymd) => {
    const c = find(text);
    expect(c).not.toBeNull();
    expect(c?.at.toISOString()).toBe(day(ymd));
    expect(c?.allDay).toBe(true);
  });

  it.each([
    ['明天下午三点给您回电话', '2026-11-24T15:00'],
    ['周三上午10:30开会讨论', '2026-11-25T10:30'],
    ['今天下午五点前给您答复', '2026-11-23T17:00'],
    ['明天上午给您答复', '2026-11-24T10:00'],
  ])('%s → %s (a time is stated)', (text, at) => {
    const c = find(text);
    expect(c?.at.toISOString()).toBe(time(at));
    expect(c?.allDay).toBe(false);
  });

  it('quotes the words that stated it', () => {
    expect(find('好的，院长周四开会，开完告诉您')?.phrase).toBe('院长周四开会');
    expect(find('1月8号吧，到时候再聊')?.phrase).toBe('1月8号吧，到时候再聊');
    expect(find('收到。院长这周四开办公会，会上一起讨论预算的事。')?.phrase).toBe('院长这周四开办公会');
  });

  it('keeps the text as written in the phrase (full-width digits, case)', () => {
    expect(find('１月８号再聊')?.phrase).toBe('１月８号再聊');
  });
});

describe('findCommitment: Chinese, none', () => {
  it.each([
    ['发票日期是1月8号'],
    ['上周四开会说的'],
    ['上次周三开会提过这个'],
    ['周四不开会'],
    ['明天不用回复我'],
    ['周四开会吗？'],
    ['你们周四开会吗'],
    ['好的，收到'],
    ['下周给您答复'],
    ['下周一定给您答复'],
    ['我们明年再考虑'],
    ['3号楼2号线出口见面再说不合适'],
    ['明天发货'],
    ['合同1月8号签的，去年的事了'],
    ['我们每月8号开例会'],
    ['20号已经答复过您了'],
    // 开 … 会 where 会 is "will", not a meeting.
    ['周四开车会晚一点到'],
    ['下周一开始会有新的价格政策'],
    ['明天开票会慢一点'],
    // A named meeting that recurs, was held, is called off or asked about.
    ['我们每周四开周会'],
    ['每周一开例会'],
    ['上周四开办公会说的'],
    ['周四不开董事会了'],
    ['你们周四开办公会吗'],
    // A day that recurs is a habit, not a date.
    ['每周四开会'],
    ['每个星期一再沟通进度'],
    [''],
  ])('%s → null', (text) => {
    expect(find(text)).toBeNull();
  });
});

describe('findCommitment: the day said relative to today', () => {
  it('院长周四开会 said on Thursday morning is next Thursday', () => {
    expect(find('院长周四开会', THURSDAY)?.at.toISOString()).toBe(day('2026-12-03'));
  });

  it('周四下午三点开会 said on Thursday morning is this afternoon', () => {
    const c = find('周四下午三点开会', THURSDAY);
    expect(c?.at.toISOString()).toBe(time('2026-11-26T15:00'));
    expect(c?.allDay).toBe(false);
  });

  it('周四早上八点开会 said on Thursday at 9:30 is next Thursday at eight', () => {
    expect(find('周四早上8点开会', THURSDAY)?.at.toISOString()).toBe(time('2026-12-03T08:00'));
  });

  it('这周四给您答复 said on Thursday is today', () => {
    expect(find('这周四给您答复', THURSDAY)?.at.toISOString()).toBe(day('2026-11-26'));
  });

  it('今天给您答复 is today', () => {
    expect(find('今天给您答复', THURSDAY)?.at.toISOString()).toBe(day('2026-11-26'));
  });

  it('下周一给您答复 said on a Sunday is tomorrow', () => {
    expect(find('下周一给您答复', SUNDAY)?.at.toISOString()).toBe(day('2026-11-30'));
  });

  it('这周五之前 said on a Sunday has passed → null', () => {
    expect(find('这周五之前给您答复', SUNDAY)).toBeNull();
  });

  it('1月8号再聊 said in December is next January', () => {
    expect(find('1月8号再聊', DECEMBER)?.at.toISOString()).toBe(day('2027-01-08'));
  });

  it('明天 said late on 31 December is 1 January', () => {
    expect(find('明天再联系', new Date('2026-12-31T22:00:00+08:00'))?.at.toISOString()).toBe(day('2027-01-01'));
  });

  it('月底 said on the last day of the month is that day', () => {
    expect(find('月底前给您确认', new Date('2026-11-30T09:00:00+08:00'))?.at.toISOString()).toBe(day('2026-11-30'));
  });

  it('月初 said mid-month is the first of next month', () => {
    expect(find('月初再联系', new Date('2026-11-16T09:00:00+08:00'))?.at.toISOString()).toBe(day('2026-12-01'));
  });

  it('reads today in the organisation zone: 00:30 Tuesday in Shanghai is Monday in UTC', () => {
    expect(find('明天给您答复', new Date('2026-11-23T16:30:00Z'))?.at.toISOString()).toBe(day('2026-11-25'));
  });

  it('resolves in another zone (New York)', () => {
    const c = findCommitment(normalize('明天给您答复'), new Date('2026-11-23T12:00:00-05:00'), 'America/New_York');
    expect(c?.at.toISOString()).toBe(new Date('2026-11-24T00:00:00-05:00').toISOString());
  });
});

describe('findCommitment: English, said on Monday 2026-11-23 10:21', () => {
  it.each([
    ["let's talk on Jan 8", '2027-01-08'],
    ["I'll get back to you next Monday", '2026-11-30'],
    ['board meets Thursday', '2026-11-26'],
    ['We will decide by Friday', '2026-11-27'],
    ["I'll confirm tomorrow", '2026-11-24'],
    ['Let me review it with legal and revert on December 3rd', '2026-12-03'],
    ['We should hear back from procurement by the end of the month', '2026-11-30'],
    ['Let us reconnect in two days', '2026-11-25'],
    ["We'll circle back early next month", '2026-12-01'],
    ['The contract expires on 12/31', '2026-12-31'],
    ['Approval meeting is on the 28th', '2026-11-28'],
    ['Our CFO will approve it this Wednesday', '2026-11-25'],
    ["Let's catch up on 3 Dec", '2026-12-03'],
    ["I'll let you know by end of the week", '2026-11-27'],
  ])('%s → %s, all day', (text, ymd) => {
    const c = find(text);
    expect(c?.at.toISOString()).toBe(day(ymd));
    expect(c?.allDay).toBe(true);
  });

  it('a stated time: "call you tomorrow at 3pm"', () => {
    const c = find("I'll call you tomorrow at 3pm");
    expect(c?.at.toISOString()).toBe(time('2026-11-24T15:00'));
    expect(c?.allDay).toBe(false);
  });

  it.each([
    ['The invoice is dated Jan 8'],
    ['We talked last Thursday'],
    ['We had a meeting on Monday about it'],
    ['Can we talk on Thursday?'],
    ["We won't be able to decide by Friday"],
    ['Thanks for the call'],
    ['Sounds good, talk soon'],
    ['We sat down with them'],
    ['The market 5 years ago was smaller'],
    ['We meet every Thursday'],
  ])('%s → null', (text) => {
    expect(find(text)).toBeNull();
  });

  it('a confirmation tag after the commitment still commits', () => {
    expect(find("I'll get back to you Monday, ok?")?.at.toISOString()).toBe(day('2026-11-30'));
    expect(find('下周一给您答复，可以吗？')?.at.toISOString()).toBe(day('2026-11-30'));
  });
});
