/**
 * Wall-clock arithmetic in the organisation's time zone with Intl only: working hours, report
 * periods and meeting times are all read in that zone, whatever the server's TZ is. The helpers
 * the message path calls (working time, day keys) read the zone from an offset cached per hour.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, 1 = Monday. */
  weekday: number;
}

export function wallClock(t: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(t)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
  };
}

/** The instant at which the zone's wall clock shows the given date and time. */
export function zonedInstant(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset, including across a DST change.
  let t = asUtc;
  for (let i = 0; i < 2; i++) {
    const w = wallClock(new Date(t), timeZone);
    const shown = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    t += asUtc - shown;
  }
  return new Date(t);
}

// ---- the same, from a cached offset: the message path -------------------------------------

// wallClock reads the zone through Intl.DateTimeFormat#formatToParts, microseconds a call; a
// message's analysis needs a few and a timer's working-day window dozens. Offsets change only at
// a zone's transitions, so the offset of each UTC hour is cached, and an hour that holds a
// transition (one that does not fall on the hour, e.g. Lord Howe's half hour) is never cached.
// Results are those of wallClock and zonedInstant (test/analyzers/zone-cache.test.ts compares them).
const HOUR = 3_600_000;
/** By zone, then by UTC hour: no key string is built on a call that finds its offset. */
const OFFSETS = new Map<string, Map<number, number>>();
const MAX_OFFSETS = 10_000;

/** Zone time minus UTC at `t` (whole seconds), exactly as wallClock reads it. */
function offsetNow(timeZone: string, t: number): number {
  const w = wallClock(new Date(t), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (t - (((t % 1000) + 1000) % 1000));
}

function offsetAt(timeZone: string, t: number): number {
  const hour = Math.floor(t / HOUR);
  let zone = OFFSETS.get(timeZone);
  const cached = zone?.get(hour);
  if (cached !== undefined) return cached;
  const first = offsetNow(timeZone, hour * HOUR);
  if (first !== offsetNow(timeZone, hour * HOUR + HOUR - 1000)) return offsetNow(timeZone, t);
  if (!zone) {
    zone = new Map();
    OFFSETS.set(timeZone, zone);
  }
  // The zones are the configured few; each keeps at most MAX_OFFSETS hours (a year is 8,760).
  if (zone.size >= MAX_OFFSETS) zone.clear();
  zone.set(hour, first);
  return first;
}

/** wallClock(t, timeZone), from the cached offset. */
export function localClock(t: Date, timeZone: string): WallClock {
  const ms = t.getTime();
  const d = new Date(ms - (((ms % 1000) + 1000) % 1000) + offsetAt(timeZone, ms));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay() || 7,
  };
}

/** zonedInstant(timeZone, …), from the cached offset: the same two passes settle a DST change. */
export function localInstant(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  let t = asUtc;
  for (let i = 0; i < 2; i++) t = asUtc - offsetAt(timeZone, t);
  return new Date(t);
}

/** Midnight that starts the zone's calendar day containing `t`, shifted by `days`. */
export function startOfDay(t: Date, timeZone: string, days = 0): Date {
  const w = localClock(t, timeZone);
  return localInstant(timeZone, w.year, w.month, w.day + days);
}

export interface WorkingHours {
  timeZone: string;
  /** "HH:MM" */
  start: string;
  end: string;
  /** ISO weekdays. */
  days: number[];
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Adds working time: `addWorkingMinutes(Friday 17:00, 120)` lands on Monday 10:00 with 9–18
 * working hours. Time outside working hours does not count.
 */
export function addWorkingMinutes(from: Date, minutes: number, wh: WorkingHours): Date {
  const open = minutesOf(wh.start);
  const close = minutesOf(wh.end);
  let left = minutes;
  let t = from;
  // A year of days is plenty for any sane window; the bound only guards a bad config.
  for (let guard = 0; guard < 366; guard++) {
    const w = localClock(t, wh.timeZone);
    const nowMin = w.hour * 60 + w.minute + w.second / 60;
    if (wh.days.includes(w.weekday) && nowMin < close) {
      const begin = Math.max(nowMin, open);
      const available = close - begin;
      const dayStart = begin === nowMin ? t : localInstant(wh.timeZone, w.year, w.month, w.day, Math.floor(open / 60), open % 60);
      if (left <= available) return new Date(dayStart.getTime() + left * 60_000);
      left -= available;
    }
    t = localInstant(wh.timeZone, w.year, w.month, w.day + 1, 0, 0);
  }
  throw new Error('working hours never open: check WORK_DAYS / WORK_START / WORK_END');
}

/** True when `t` falls inside working hours. */
export function isWorkingTime(t: Date, wh: WorkingHours): boolean {
  const w = localClock(t, wh.timeZone);
  const m = w.hour * 60 + w.minute;
  return wh.days.includes(w.weekday) && m >= minutesOf(wh.start) && m < minutesOf(wh.end);
}

/** The next time the zone's clock shows `weekday` (ISO, 1 = Monday) at `hhmm`, strictly after `now`. */
export function nextWeekly(now: Date, weekday: number, hhmm: string, timeZone: string): Date {
  const w = localClock(now, timeZone);
  const [h, m] = [Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5))];
  let days = (weekday - w.weekday + 7) % 7;
  let at = localInstant(timeZone, w.year, w.month, w.day + days, h, m);
  if (at.getTime() <= now.getTime()) {
    days += 7;
    at = localInstant(timeZone, w.year, w.month, w.day + days, h, m);
  }
  return at;
}

/**
 * Adds working days: the same wall-clock time `days` working days later. A start outside working
 * hours counts from the next opening (a Saturday message's "3 working days" ends Wednesday at
 * opening time).
 */
export function addWorkingDays(from: Date, days: number, wh: WorkingHours): Date {
  const anchor = addWorkingMinutes(from, 0, wh);
  const a = localClock(anchor, wh.timeZone);
  let left = days;
  let offset = 0;
  for (let guard = 0; left > 0 && guard < 3660; guard++) {
    offset++;
    const d = localClock(localInstant(wh.timeZone, a.year, a.month, a.day + offset, 12), wh.timeZone);
    if (wh.days.includes(d.weekday)) left--;
  }
  return localInstant(wh.timeZone, a.year, a.month, a.day + offset, a.hour, a.minute);
}

/** Opening time of the first working day on or after the calendar day of `t` in the zone. */
export function workingDayStart(t: Date, wh: WorkingHours): Date {
  const w = localClock(t, wh.timeZone);
  return addWorkingMinutes(localInstant(wh.timeZone, w.year, w.month, w.day, 0, 0), 0, wh);
}

/** The zone's calendar day of `t` as YYYY-MM-DD. */
export function dayKey(t: Date, timeZone: string): string {
  const w = localClock(t, timeZone);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
