import { describe, expect, it } from 'vitest';
import { newcombe, wilson, Z95, zFor } from '../../bots/reports/stats.ts';

const round = (x: number) => Math.round(x * 10_000) / 10_000;

describe('wilson', () => {
  it("matches Newcombe's published single-proportion examples", () => {
    // Newcombe 1998 (Stat Med 17:857), 81/263 and 15/148, score method without correction.
    expect([round(wilson(81, 263).low), round(wilson(81, 263).high)]).toEqual([0.2553, 0.3662]);
    expect([round(wilson(15, 148).low), round(wilson(15, 148).high)]).toEqual([0.0624, 0.1605]);
  });

  it('is exact at the edges and undefined without trials', () => {
    expect(wilson(0, 20)).toMatchObject({ rate: 0, low: 0 });
    expect(wilson(20, 20)).toMatchObject({ rate: 1, high: 1 });
    expect(wilson(0, 0)).toEqual({ k: 0, n: 0, rate: null, low: 0, high: 1 });
    expect(() => wilson(3, 2)).toThrow(RangeError);
  });
});

describe('newcombe', () => {
  it('matches method 10 of Newcombe 1998 (Stat Med 17:873), table II', () => {
    const cases: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.809],
      [6, 7, 2, 7, 0.0582, 0.8062],
      [5, 56, 0, 29, -0.0381, 0.1926],
      [0, 10, 0, 20, -0.1611, 0.2775],
      [0, 10, 0, 10, -0.2775, 0.2775],
      [10, 10, 0, 20, 0.6791, 1],
      [10, 10, 0, 10, 0.6075, 1],
    ];
    for (const [k1, n1, k2, n2, low, high] of cases) {
      const r = newcombe(k1, n1, k2, n2);
      expect([round(r.low), round(r.high)], `${k1}/${n1} − ${k2}/${n2}`).toEqual([low, high]);
      expect(r.diff).toBeCloseTo(k1 / n1 - k2 / n2, 12);
    }
  });

  it('has no difference when a side is empty', () => {
    expect(newcombe(3, 10, 0, 0)).toEqual({ diff: null, low: -1, high: 1 });
  });
});

describe('zFor', () => {
  it('inverts the normal distribution', () => {
    expect(zFor(0.95)).toBeCloseTo(Z95, 7);
    expect(zFor(0.99)).toBeCloseTo(2.5758293, 6);
    expect(zFor(0.999)).toBeCloseTo(3.2905267, 6);
  });
});
