import { describe, expect, it } from 'vitest';
import { addWorkingMinutes, isWorkingTime, startOfDay, wallClock, zonedInstant, type WorkingHours } from '../../core/zoned-time.ts';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';
const wh: WorkingHours = { timeZone: SH, start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };
// 2026-11-23 is a Monday.
const at = (iso: string) => new Date(iso);

describe('wallClock', () => {
  it('reads the Shanghai wall clock and ISO weekday of an instant', () => {
    expect(wallClock(at('2026-11-23T02:21:05Z'), SH)).toEqual({ year: 2026, month: 11, day: 23, hour: 10, minute: 21, second: 5, weekday: 1 });
  });

  it('crosses midnight into the next local day (hour 0, not 24)', () => {
    expect(wallClock(at('2026-11-28T16:30:00Z'), SH)).toEqual({ year: 2026, month: 11, day: 29, hour: 0, minute: 30, second: 0, weekday: 7 });
  });

  it('reads New York on both sides of the March DST change', () => {
    expect(wallClock(at('2026-03-08T06:59:00Z'), NY)).toMatchObject({ day: 8, hour: 1, minute: 59, weekday: 7 });
    expect(wallClock(at('2026-03-08T07:00:00Z'), NY)).toMatchObject({ day: 8, hour: 3, minute: 0 });
  });
});

describe('zonedInstant', () => {
  it('gives the instant of a Shanghai wall time', () => {
    expect(zonedInstant(SH, 2026, 11, 25, 14, 0).toISOString()).toBe('2026-11-25T06:00:00.000Z');
  });

  it('defaults to midnight and rolls an overflowing day into the next month', () => {
    expect(zonedInstant(SH, 2026, 11, 31).toISOString()).toBe('2026-11-30T16:00:00.000Z');
  });

  it('uses EST before and EDT after the March 2026 change in New York', () => {
    expect(zonedInstant(NY, 2026, 3, 7, 9, 0).toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(zonedInstant(NY, 2026, 3, 8, 1, 0).toISOString()).toBe('2026-03-08T06:00:00.000Z');
    expect(zonedInstant(NY, 2026, 3, 8, 3, 0).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(zonedInstant(NY, 2026, 3, 8, 4, 0).toISOString()).toBe('2026-03-08T08:00:00.000Z');
    expect(zonedInstant(NY, 2026, 3, 9, 9, 0).toISOString()).toBe('2026-03-09T13:00:00.000Z');
  });

  it('uses EDT before and EST after the November 2026 change in New York', () => {
    expect(zonedInstant(NY, 2026, 10, 31, 9, 0).toISOString()).toBe('2026-10-31T13:00:00.000Z');
    expect(zonedInstant(NY, 2026, 11, 1, 9, 0).toISOString()).toBe('2026-11-01T14:00:00.000Z');
  });
});

describe('startOfDay', () => {
  it('is local midnight of the day containing the instant', () => {
    // 23:30 on Tue 24 Nov in Shanghai.
    expect(startOfDay(at('2026-11-24T15:30:00Z'), SH).toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });

  it('shifts by whole days, across a month end', () => {
    expect(startOfDay(at('2026-11-30T04:00:00Z'), SH, 1).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(startOfDay(at('2026-11-30T04:00:00Z'), SH, -1).toISOString()).toBe('2026-11-28T16:00:00.000Z');
  });

  it('is a 23-hour day in New York on the March change', () => {
    expect(startOfDay(at('2026-03-08T17:00:00Z'), NY).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfDay(at('2026-03-08T17:00:00Z'), NY, 1).toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });
});

describe('addWorkingMinutes (Shanghai, 09:00–18:00, Mon–Fri)', () => {
  it.each([
    ['Tue 10:12 + 120 → Tue 12:12', '2026-11-24T10:12:00+08:00', 120, '2026-11-24T12:12:00+08:00'],
    ['Fri 17:00 + 120 → Mon 10:00', '2026-11-27T17:00:00+08:00', 120, '2026-11-30T10:00:00+08:00'],
    ['Sat 11:00 + 60 → Mon 10:00', '2026-11-28T11:00:00+08:00', 60, '2026-11-30T10:00:00+08:00'],
    ['Sun 23:00 + 60 → Mon 10:00', '2026-11-29T23:00:00+08:00', 60, '2026-11-30T10:00:00+08:00'],
    ['Tue 08:00 + 30 → Tue 09:30', '2026-11-24T08:00:00+08:00', 30, '2026-11-24T09:30:00+08:00'],
    ['Tue 17:59 + 2 → Wed 09:01', '2026-11-24T17:59:00+08:00', 2, '2026-11-25T09:01:00+08:00'],
    ['Tue 19:30 + 10 → Wed 09:10', '2026-11-24T19:30:00+08:00', 10, '2026-11-25T09:10:00+08:00'],
    ['Mon 10:00 + 600 → Tue 11:00', '2026-11-23T10:00:00+08:00', 600, '2026-11-24T11:00:00+08:00'],
    ['Thu 16:00 + 2 days of work (1080) → Mon 16:00', '2026-11-26T16:00:00+08:00', 1080, '2026-11-30T16:00:00+08:00'],
  ])('%s', (_name, from, minutes, expected) => {
    expect(addWorkingMinutes(at(from), minutes, wh).toISOString()).toBe(at(expected).toISOString());
  });

  it('keeps the seconds of a start inside working hours', () => {
    expect(addWorkingMinutes(at('2026-11-24T10:12:30+08:00'), 120, wh).toISOString()).toBe(at('2026-11-24T12:12:30+08:00').toISOString());
  });

  it('works in New York across the March change (Fri 17:00 EST + 120 → Mon 10:00 EDT)', () => {
    const nyWh: WorkingHours = { ...wh, timeZone: NY };
    expect(addWorkingMinutes(at('2026-03-06T17:00:00-05:00'), 120, nyWh).toISOString()).toBe('2026-03-09T14:00:00.000Z');
  });

  it('reads an end of 24:00 as open until midnight (WORK_END may say so: core/config.ts)', () => {
    const late = { ...wh, end: '24:00' };
    // Tue 23:30 + 60 working minutes: 30 before midnight, 30 from Wednesday's 09:00.
    expect(addWorkingMinutes(at('2026-11-24T23:30:00+08:00'), 60, late).toISOString()).toBe(at('2026-11-25T09:30:00+08:00').toISOString());
    expect(isWorkingTime(at('2026-11-24T23:59:00+08:00'), late)).toBe(true);
    expect(isWorkingTime(at('2026-11-25T00:00:00+08:00'), late)).toBe(false);
  });

  it('throws when the working days never open', () => {
    expect(() => addWorkingMinutes(at('2026-11-24T10:00:00+08:00'), 60, { ...wh, days: [] })).toThrow(/working hours never open/);
  });
});

describe('isWorkingTime (Shanghai, 09:00–18:00, Mon–Fri)', () => {
  it.each([
    ['Tue 09:00', '2026-11-24T09:00:00+08:00', true],
    ['Tue 08:59', '2026-11-24T08:59:00+08:00', false],
    ['Tue 17:59', '2026-11-24T17:59:00+08:00', true],
    ['Tue 18:00', '2026-11-24T18:00:00+08:00', false],
    ['Sat 11:00', '2026-11-28T11:00:00+08:00', false],
    ['Sun 10:00', '2026-11-29T10:00:00+08:00', false],
    ['Mon 10:00 written as 02:00Z', '2026-11-30T02:00:00Z', true],
  ])('%s → %s', (_name, t, expected) => {
    expect(isWorkingTime(at(t), wh)).toBe(expected);
  });
});
