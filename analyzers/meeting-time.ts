/**
 * Reads the meeting time a message states ("周三下午两点", "明天上午10:30", "Thursday at 3pm"),
 * relative to when the message was sent, in the organisation's time zone. Used to start the
 * "after the demo" window at the demo rather than at the message that booked it. Also: what kind
 * of meeting was booked (`meetingTypeOf`), and the day and clock helpers ./commitments.ts shares,
 * with a cached zone offset so the message path does not pay Intl on every call.
 */
import type { MeetingType } from '../core/types.ts';
import { localClock, localInstant, type WallClock } from '../core/zoned-time.ts';

const ZH_DIGITS: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10, 日: 7, 天: 7 };
const EN_DAYS: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** A small number in digits or Chinese numerals (八, 十二, 二十): NaN when it is neither. */
export function zhNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === '十') return 10;
  if (s.startsWith('十')) return 10 + (ZH_DIGITS[s.slice(1)] ?? 0);
  if (s.endsWith('十')) return (ZH_DIGITS[s.slice(0, -1)] ?? 0) * 10;
  if (s.length === 3 && s[1] === '十') return (ZH_DIGITS[s[0]!] ?? 0) * 10 + (ZH_DIGITS[s[2]!] ?? 0);
  return ZH_DIGITS[s] ?? NaN;
}

const ZH_DAY = /(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])|(今天|明天|后天|大后天)|(\d{1,2})月(\d{1,2})[日号]|(\d{1,2})[日号]/;
const ZH_TIME = /(上午|早上|中午|下午|晚上)?\s*(\d{1,2}|[零一二两三四五六七八九十]{1,3})(?:[:：](\d{2})|点(半|一刻|三刻|(\d{1,2})分?)?)/;
const ZH_HALF_DAY = /(上午|下午)/;
const EN_DAY = /\b(?:(next|this)\s+)?(mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday|s|r|rs)?\b\.?|\b(today|tomorrow)\b/i;
const EN_TIME = /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(\d{1,2}):(\d{2})\b/i;

/** The stated meeting time, or null when the text names no day it can place. */
export function parseMeetingTime(text: string, sentAt: Date, timeZone: string): Date | null {
  const base = localClock(sentAt, timeZone);
  const day = /[\u4e00-\u9fff]/.test(text) ? zhDay(text, base) : enDay(text, base);
  if (!day) return null;
  const time = /[\u4e00-\u9fff]/.test(text) ? zhTime(text) : enTime(text);
  return localInstant(timeZone, day.year, day.month, day.day, time?.hour ?? 9, time?.minute ?? 0);
}

export type Ymd = { year: number; month: number; day: number };

/** The calendar day `n` days after `b` (wall-clock arithmetic, no time zone involved). */
export function addDays(b: Ymd, n: number): Ymd {
  const d = new Date(Date.UTC(b.year, b.month - 1, b.day + n));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The next given weekday: "周三" said on a Monday is this Wednesday, on a Thursday next week's. */
function weekday(b: WallClock, target: number, modifier: string | undefined): Ymd {
  let delta = target - b.weekday;
  if (modifier?.startsWith('下下')) delta += 14;
  else if (modifier?.startsWith('下') || modifier === 'next') delta += 7;
  else if (delta < 0 && !(modifier?.startsWith('这') || modifier === '本' || modifier === 'this')) delta += 7;
  return addDays(b, delta);
}

function zhDay(text: string, b: WallClock): Ymd | null {
  const m = ZH_DAY.exec(text);
  if (!m) return null;
  if (m[2]) return weekday(b, zhNumber(m[2]) || Number(m[2]), m[1]);
  if (m[3]) return addDays(b, { 今天: 0, 明天: 1, 后天: 2, 大后天: 3 }[m[3]] ?? 0);
  if (m[4] && m[5]) {
    const month = Number(m[4]);
    const year = month < b.month - 6 ? b.year + 1 : b.year;
    return { year, month, day: Number(m[5]) };
  }
  if (m[6]) {
    const d = Number(m[6]);
    return d >= b.day ? { year: b.year, month: b.month, day: d } : { ...nextMonth(b), day: d };
  }
  return null;
}

function nextMonth(b: WallClock): { year: number; month: number } {
  return b.month === 12 ? { year: b.year + 1, month: 1 } : { year: b.year, month: b.month + 1 };
}

/** The first Chinese clock time or half-day in `text` (下午两点 → 14:00, 上午 → 10:00). */
export function zhTime(text: string): { hour: number; minute: number } | null {
  const m = ZH_TIME.exec(text);
  if (!m) {
    const half = ZH_HALF_DAY.exec(text);
    return half ? { hour: half[1] === '上午' ? 10 : 14, minute: 0 } : null;
  }
  let hour = zhNumber(m[2]!);
  if (Number.isNaN(hour) || hour > 24) return null;
  const period = m[1];
  if ((period === '下午' || period === '晚上') && hour < 12) hour += 12;
  if (period === '中午' && hour < 6) hour += 12;
  // "两点" with no period in a business chat means the afternoon.
  if (!period && hour >= 1 && hour <= 6) hour += 12;
  let minute = m[3] ? Number(m[3]) : 0;
  if (m[4] === '半') minute = 30;
  else if (m[4] === '一刻') minute = 15;
  else if (m[4] === '三刻') minute = 45;
  else if (m[5]) minute = Number(m[5]);
  return { hour, minute };
}

function enDay(text: string, b: WallClock): Ymd | null {
  const m = EN_DAY.exec(text);
  if (!m) return null;
  if (m[3]) return addDays(b, m[3].toLowerCase() === 'tomorrow' ? 1 : 0);
  return weekday(b, EN_DAYS[m[2]!.toLowerCase()] ?? 1, m[1]?.toLowerCase());
}

/** The first English clock time in `text` (3pm, 10:30). */
export function enTime(text: string): { hour: number; minute: number } | null {
  const m = EN_TIME.exec(text);
  if (!m) return null;
  if (m[1]) {
    let hour = Number(m[1]) % 12;
    if (m[3]!.toLowerCase() === 'pm') hour += 12;
    return { hour, minute: m[2] ? Number(m[2]) : 0 };
  }
  return { hour: Number(m[4]), minute: Number(m[5]) };
}

// ---- what kind of meeting -------------------------------------------------------------------

// Checked in this order: a demo on site is still a demo (only a demo moves a deal to the demo
// stage), a visit by phone is not a thing, and anything else booked is a plain meeting.
const DEMO =
  /演示(?!文稿|视频|账号|帐号)|(?<![a-z])demo(?! ?(?:账号|帐号|视频|video|account|login|environment))|展示|(?:讲解|介绍)(?:一下)?(?:产品|系统|功能|平台|方案)|产品介绍|路演|walk-?through|presentation|show you (?:the|how|our)/;
const VISIT =
  /拜访|上门|登门|来访|(?:来|去|到)(?:您|你们|贵|我们?)?(?:司|公司|工厂|厂里|现场|医院|学校|园区|办公室|门店)|(?:过来|过去)(?:拜访|一趟|看看|找您|坐坐|聊)|见面|见个面|面谈|当面|\bvisit|on-?site|in person|come (?:over|by)|(?:drop|stop) by|(?:your|our) office/;
const CALL = /电话|通话|语音|打给您|(?<![a-z])call(?!\s*cent)|phone|\bring (?:you|me)\b|dial in/;

/**
 * What kind of meeting a meeting_scheduled message books, from normalised text: demo (演示, demo,
 * 展示), visit (拜访, 上门, 去您公司, visit, onsite), call (电话, 语音, call), else meeting.
 */
export function meetingTypeOf(text: string): MeetingType {
  if (DEMO.test(text)) return 'demo';
  if (VISIT.test(text)) return 'visit';
  if (CALL.test(text)) return 'call';
  return 'meeting';
}

// The cached zone arithmetic lives in core/zoned-time.ts; the analyzers read it from here.
export { localClock, localInstant } from '../core/zoned-time.ts';
