/**
 * Report periods (本周, 上周, 本月, 上月, 今天) read on the organisation's wall clock. Weeks start
 * on Monday, as they do in Chinese workplaces. Periods are half-open: `from <= t < to`.
 */
import { AppError } from '../../core/errors.ts';
import { wallClock, zonedInstant } from '../../core/zoned-time.ts';

export interface Period {
  from: Date;
  to: Date;
  /** Chinese label for titles: 本周, 上周, 本月, 上月, 今天. */
  label: string;
}

type PeriodKind = 'this_week' | 'last_week' | 'this_month' | 'last_month' | 'this_quarter' | 'last_quarter' | 'today';

const LABELS: Record<PeriodKind, string> = {
  this_week: '本周',
  last_week: '上周',
  this_month: '本月',
  last_month: '上月',
  this_quarter: '本季度',
  last_quarter: '上季度',
  today: '今天',
};

// Keys are compared after lower-casing and collapsing spaces, so "Last  Week" works too.
const ALIASES: Record<string, PeriodKind> = {
  本周: 'this_week',
  这周: 'this_week',
  'this week': 'this_week',
  上周: 'last_week',
  'last week': 'last_week',
  本月: 'this_month',
  这个月: 'this_month',
  'this month': 'this_month',
  上月: 'last_month',
  上个月: 'last_month',
  'last month': 'last_month',
  本季度: 'this_quarter',
  这个季度: 'this_quarter',
  'this quarter': 'this_quarter',
  上季度: 'last_quarter',
  上个季度: 'last_quarter',
  'last quarter': 'last_quarter',
  今天: 'today',
  今日: 'today',
  today: 'today',
};

/** What `parsePeriod` accepts, for help texts and error messages. */
export const PERIOD_ARGUMENTS = [
  '本周',
  '上周',
  '本月',
  '上月',
  '本季度',
  '上季度',
  '今天',
  'this week',
  'last week',
  'this month',
  'last month',
  'this quarter',
  'last quarter',
  'today',
] as const;

const periodKey = (arg: string): string => arg.trim().toLowerCase().replace(/\s+/g, ' ');

/** Whether `parsePeriod` reads the words as a period (本季度, 上个月, last week …). */
export const isPeriod = (arg: string): boolean => ALIASES[periodKey(arg)] !== undefined;

// Words that name a time without being one `parsePeriod` reads: 去年, 下周, 昨天, 上上周, 最近7天,
// 2025年, 11月, next week, yesterday.
const CN_PERIOD_LIKE = /^(?:[今去前明后昨上下这本近]|最近|过去|未来|\d+)\S{0,3}(?:年|月|周|星期|礼拜|季度|季|天|日)$/;
const EN_PERIOD_LIKE = /(?:^|\s)((?:this|last|next|past|previous)\s+(?:\d+\s+)?(?:days?|weeks?|months?|quarters?|years?)|yesterday|tomorrow)$/i;

/**
 * The trailing word(s) of a command's argument when they look like a period `parsePeriod` does not
 * read: a `/rep 张三 去年` whose person is not found is told about the period, not about 「张三 去年」.
 */
export function periodLikeTail(arg: string): string | null {
  const en = EN_PERIOD_LIKE.exec(arg);
  const last = arg.trim().split(/\s+/).pop() ?? '';
  const tail = en ? en[1]! : CN_PERIOD_LIKE.test(last) ? last : null;
  return tail !== null && !isPeriod(tail) ? tail : null;
}

/** The BAD_REQUEST for a period `parsePeriod` does not read, listing what it does. */
export function unknownPeriod(arg: string): AppError {
  return new AppError('BAD_REQUEST', `不认识的时间范围「${arg}」，可用：${PERIOD_ARGUMENTS.join('、')}`, {
    details: { accepted: PERIOD_ARGUMENTS },
  });
}

/**
 * Turns a command argument into a period ending at `now` (or, for 上周 and 上月, at the start of the
 * current week or month). No argument means 本周. An unknown argument is a BAD_REQUEST that lists
 * what is accepted.
 */
export function parsePeriod(arg: string | undefined, now: Date, timeZone: string): Period {
  const key = periodKey(arg ?? '');
  const kind: PeriodKind | undefined = key === '' ? 'this_week' : ALIASES[key];
  if (kind === undefined) throw unknownPeriod(arg ?? '');
  const today = wallDate(now, timeZone);
  const label = LABELS[kind];
  switch (kind) {
    case 'today':
      return { from: startOfDay(today, timeZone), to: now, label };
    case 'this_week':
      return { from: startOfDay(mondayOf(today), timeZone), to: now, label };
    case 'last_week': {
      const monday = mondayOf(today);
      return { from: startOfDay(addDays(monday, -7), timeZone), to: startOfDay(monday, timeZone), label };
    }
    case 'this_month':
      return { from: startOfDay({ ...today, day: 1 }, timeZone), to: now, label };
    case 'last_month': {
      const first = { ...today, day: 1 };
      return { from: startOfDay(addMonths(first, -1), timeZone), to: startOfDay(first, timeZone), label };
    }
    case 'this_quarter':
      return { from: startOfDay(quarterStart(today), timeZone), to: now, label };
    case 'last_quarter': {
      const first = quarterStart(today);
      return { from: startOfDay(addMonths(first, -3), timeZone), to: startOfDay(first, timeZone), label };
    }
  }
}

/** A calendar date on the wall clock (month 1..12). */
export interface WallDate {
  year: number;
  month: number;
  day: number;
}

function wallDate(at: Date, timeZone: string): WallDate {
  const { year, month, day } = wallClock(at, timeZone);
  return { year, month, day };
}

/** The instant when the wall clock in `timeZone` shows midnight of `date`. */
export function startOfDay(date: WallDate, timeZone: string): Date {
  return zonedInstant(timeZone, date.year, date.month, date.day);
}

function mondayOf(d: WallDate): WallDate {
  const dow = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 = Sunday
  return addDays(d, -((dow + 6) % 7));
}

function addDays(d: WallDate, n: number): WallDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** The first day of the calendar quarter (Jan, Apr, Jul, Oct) containing `d`. */
function quarterStart(d: WallDate): WallDate {
  return { year: d.year, month: d.month - ((d.month - 1) % 3), day: 1 };
}

function addMonths(d: WallDate, n: number): WallDate {
  const t = new Date(Date.UTC(d.year, d.month - 1 + n, d.day));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}
