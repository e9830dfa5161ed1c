import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { parsePeriod, startOfDay } from '../../bots/reports/period.ts';
import { wallClock as wallTime } from '../../core/zoned-time.ts';

const TZ = 'Asia/Shanghai';
const at = (iso: string) => new Date(iso);

describe('parsePeriod in Asia/Shanghai', () => {
  const now = at('2026-11-27T10:00:00+08:00'); // a Friday

  it('defaults to 本周: Monday 00:00 on the org clock up to now', () => {
    for (const arg of [undefined, '', '本周', 'this week', '  This   Week ']) {
      const p = parsePeriod(arg, now, TZ);
      expect(p.from.toISOString()).toBe(at('2026-11-23T00:00:00+08:00').toISOString());
      expect(p.to).toEqual(now);
      expect(p.label).toBe('本周');
    }
  });

  it('上周 is the whole previous Monday to Monday, half-open', () => {
    const p = parsePeriod('上周', now, TZ);
    expect(p.from.toISOString()).toBe(at('2026-11-16T00:00:00+08:00').toISOString());
    expect(p.to.toISOString()).toBe(at('2026-11-23T00:00:00+08:00').toISOString());
    expect(p.label).toBe('上周');
    expect(parsePeriod('last week', now, TZ)).toEqual(p);
  });

  it('本季度 from the first of October, 上季度 July to October; January rolls back a year', () => {
    const q = parsePeriod('本季度', now, TZ);
    expect(q.from.toISOString()).toBe(at('2026-10-01T00:00:00+08:00').toISOString());
    expect(q.to).toEqual(now);
    expect(parsePeriod('this quarter', now, TZ)).toEqual(q);
    const last = parsePeriod('上季度', now, TZ);
    expect(last.from.toISOString()).toBe(at('2026-07-01T00:00:00+08:00').toISOString());
    expect(last.to.toISOString()).toBe(at('2026-10-01T00:00:00+08:00').toISOString());
    const january = parsePeriod('上季度', at('2027-01-15T10:00:00+08:00'), TZ);
    expect(january.from.toISOString()).toBe(at('2026-10-01T00:00:00+08:00').toISOString());
    expect(january.label).toBe('上季度');
  });

  it('本月, 上月 and 今天', () => {
    const month = parsePeriod('本月', now, TZ);
    expect(month.from.toISOString()).toBe(at('2026-11-01T00:00:00+08:00').toISOString());
    expect(month.to).toEqual(now);
    expect(parsePeriod('this month', now, TZ)).toEqual(month);

    const last = parsePeriod('上月', now, TZ);
    expect(last.from.toISOString()).toBe(at('2026-10-01T00:00:00+08:00').toISOString());
    expect(last.to.toISOString()).toBe(at('2026-11-01T00:00:00+08:00').toISOString());

    const today = parsePeriod('今天', now, TZ);
    expect(today.from.toISOString()).toBe(at('2026-11-27T00:00:00+08:00').toISOString());
    expect(today.label).toBe('今天');
  });

  it('Sunday night still belongs to the week that began six days before', () => {
    const sunday = at('2026-11-29T23:59:59+08:00');
    expect(parsePeriod('本周', sunday, TZ).from.toISOString()).toBe(at('2026-11-23T00:00:00+08:00').toISOString());
    expect(parsePeriod('上周', sunday, TZ).from.toISOString()).toBe(at('2026-11-16T00:00:00+08:00').toISOString());
  });

  it('Monday 01:00 in Shanghai is a new week although it is still Sunday in UTC', () => {
    const monday = at('2026-11-29T17:00:00Z'); // 2026-11-30 01:00 +08:00
    const p = parsePeriod('本周', monday, TZ);
    expect(p.from.toISOString()).toBe(at('2026-11-30T00:00:00+08:00').toISOString());
    expect(parsePeriod('上周', monday, TZ).to).toEqual(p.from);
  });

  it('January asks for December of the year before', () => {
    const p = parsePeriod('上月', at('2027-01-05T09:00:00+08:00'), TZ);
    expect(p.from.toISOString()).toBe(at('2026-12-01T00:00:00+08:00').toISOString());
    expect(p.to.toISOString()).toBe(at('2027-01-01T00:00:00+08:00').toISOString());
  });

  it('rejects an unknown argument with BAD_REQUEST listing what is accepted', () => {
    let err: unknown;
    try {
      parsePeriod('下周', now, TZ);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_REQUEST');
    expect((err as AppError).message).toContain('下周');
    for (const accepted of ['本周', '上周', '本月', '上月', '今天', 'this week', 'last week', 'this month']) {
      expect((err as AppError).message).toContain(accepted);
    }
  });
});

describe('wall clock in a zone with daylight saving', () => {
  const NY = 'America/New_York';

  it('finds midnight on either side of a DST change', () => {
    // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT.
    expect(startOfDay({ year: 2026, month: 3, day: 8 }, NY).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfDay({ year: 2026, month: 3, day: 9 }, NY).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    // Thursday 03-12: this week began Monday 03-09 in EDT, last week Monday 03-02 in EST.
    const p = parsePeriod('本周', new Date('2026-03-12T15:00:00Z'), NY);
    expect(p.from.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    const last = parsePeriod('上周', new Date('2026-03-12T15:00:00Z'), NY);
    expect(last.from.toISOString()).toBe('2026-03-02T05:00:00.000Z');
  });

  it('reads wall-clock parts', () => {
    expect(wallTime(new Date('2026-11-29T17:00:00Z'), TZ)).toMatchObject({ year: 2026, month: 11, day: 30, hour: 1, minute: 0, second: 0 });
  });
});
