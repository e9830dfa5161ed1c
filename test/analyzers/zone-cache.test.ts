import { describe, expect, it } from 'vitest';
import { localClock, localInstant } from '../../analyzers/meeting-time.ts';
import { wallClock, zonedInstant } from '../../core/zoned-time.ts';

// Zones with whole-hour DST changes, a half-hour one (Lord Howe), none (Shanghai, Kathmandu).
const ZONES = ['Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
// Around the 2026 transitions: March (US, EU), April and October (Lord Howe), November (US).
const STARTS = ['2026-03-08T00:00:00Z', '2026-03-29T00:00:00Z', '2026-04-04T12:00:00Z', '2026-10-03T12:00:00Z', '2026-11-01T00:00:00Z'];

describe('the cached zone arithmetic agrees with core/zoned-time', () => {
  it.each(ZONES)('localClock = wallClock every 10 minutes (and odd seconds) across transitions in %s', (zone) => {
    for (const start of STARTS) {
      for (let i = 0; i < 6 * 24 * 2; i++) {
        const t = new Date(Date.parse(start) + i * 600_000 + (i % 7) * 1_013);
        expect(localClock(t, zone)).toEqual(wallClock(t, zone));
      }
    }
  });

  it.each(ZONES)('localInstant = zonedInstant for every half hour of the transition days in %s', (zone) => {
    for (const [y, m, d] of [
      [2026, 3, 8],
      [2026, 3, 29],
      [2026, 4, 5],
      [2026, 10, 4],
      [2026, 11, 1],
    ] as const) {
      for (let h = 0; h < 24; h++) {
        for (const min of [0, 30]) expect(localInstant(zone, y, m, d, h, min).toISOString()).toBe(zonedInstant(zone, y, m, d, h, min).toISOString());
      }
    }
  });
});
