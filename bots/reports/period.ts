/**
 * Report periods (本周, 上周, 本月, 上月, 今天) read on the organisation's wall clock. Weeks start
 * on Monday, as they do in Chinese workplaces. Periods are half-open: `from <= t < to`.
 */
import { AppError } from '../../core/errors.ts';

export interface Period {
  from: Date;
  to: Date;
  /** Chinese label for titles: 本周, 上周, 本月, 上月, 今天. */
  label: string;
}

type PeriodKind = 'this_week' | 'last_week' | 'this_month' | 'last_month' | 'today';

const LABELS: Record<PeriodKind, string> = {
  this_week: '本周',
  last_week: '上周',
  this_month: '本月',
  last_month: '上月',
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
  今天: 'today',
  今日: 'today',
  today: 'today',
};

/** What `parsePeriod` accepts, for help texts and error messages. */
export const PERIOD_ARGUMENTS = ['本周', '上周', '本月', '上月', '今天', 'this week', 'last week', 'this month', 'last month', 'today'] as const;

/**
 * Turns a command argument into a period ending at `now` (or, for 上周 and 上月, at the start of the
 * current week or month). No argument means 本周. An unknown argument is a BAD_REQUEST that lists
 * what is accepted.
 */
export function parsePeriod(arg: string | undefined, now: Date, timeZone: string): Period {
  const key = (arg ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
  const kind: PeriodKind | undefined = key === '' ? 'this_week' : ALIASES[key];
  if (kind === undefined) {
    throw new AppError('BAD_REQUEST', `不认识的时间范围「${arg ?? ''}」，可用：${PERIOD_ARGUMENTS.join('、')}`, {
      details: { accepted: PERIOD_ARGUMENTS },
    });
  }
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
  }
}

/** A calendar date on the wall clock (month 1..12). */
export interface WallDate {
  year: number;
  month: number;
  day: number;
}

/** Wall-clock parts of an instant in a time zone. */
export interface WallTime extends WallDate {
  hour: number;
  minute: number;
  second: number;
}

// Building a DateTimeFormat is slow (tens of microseconds); one per zone is enough.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (err) {
      throw new AppError('BAD_REQUEST', `unknown time zone ${timeZone}`, { cause: err });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of `at` in `timeZone`. */
export function wallTime(at: Date, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts['year'] ?? 0,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

function wallDate(at: Date, timeZone: string): WallDate {
  const { year, month, day } = wallTime(at, timeZone);
  return { year, month, day };
}

/** Milliseconds the zone is ahead of UTC at `at`. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallTime(new Date(at), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  // The formatter drops milliseconds, so compare with the instant cut to the second.
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant when the wall clock in `timeZone` shows midnight of `date`. Where midnight is
 * skipped by a DST change, the first instant after the gap.
 */
export function startOfDay(date: WallDate, timeZone: string): Date {
  const naive = Date.UTC(date.year, date.month - 1, date.day);
  // Two guesses: the offset at the first may differ from the offset at the answer when a DST
  // change falls between them. Take the earliest that really shows midnight (a repeated
  // midnight), else the later one (midnight skipped: the end of the gap).
  const first = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(first, timeZone);
  const exact = [first, second].filter((at) => {
    const w = wallTime(new Date(at), timeZone);
    return w.year === date.year && w.month === date.month && w.day === date.day && w.hour === 0 && w.minute === 0;
  });
  return new Date(exact.length > 0 ? Math.min(...exact) : Math.max(first, second));
}

function mondayOf(d: WallDate): WallDate {
  const dow = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 = Sunday
  return addDays(d, -((dow + 6) % 7));
}

function addDays(d: WallDate, n: number): WallDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function addMonths(d: WallDate, n: number): WallDate {
  const t = new Date(Date.UTC(d.year, d.month - 1 + n, d.day));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}
