import { describe, expect, it } from 'vitest';
import { chooseThresholds } from '../../analyzers/classifier/cross-validate.ts';
import { K } from '../../analyzers/classifier/labels.ts';
import type { Example } from '../../analyzers/classifier/train.ts';

// Synthetic calibrated scores for action 0: `n` lines at each probability p in `levels`, of which
// a share p carry the action (so the probabilities mean what they say). Other actions never fire.
function calibratedLines(levels: number[], n: number): { examples: Example[]; probs: Float64Array[] } {
  const examples: Example[] = [];
  const probs: Float64Array[] = [];
  for (const p of levels) {
    const positives = Math.round(p * n);
    for (let i = 0; i < n; i++) {
      const labels = new Array<boolean>(K).fill(false);
      labels[0] = i < positives;
      examples.push({
        id: `x-${examples.length}`,
        lang: 'zh',
        role: 'rep',
        buckets: new Uint32Array(0),
        textEnd: 0,
        labels,
        objection: -1,
        hits: [],
        group: 'x',
        objectionWeight: 0,
      });
      const row = new Float64Array(K).fill(0.01);
      row[0] = p;
      probs.push(row);
    }
  }
  return { examples, probs };
}

/** F1 of action 0 at threshold t, computed directly. */
function f1At(levels: number[], n: number, t: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of levels) {
    const pos = Math.round(p * n);
    if (p >= t) {
      tp += pos;
      fp += n - pos;
    } else fn += pos;
  }
  return (2 * tp) / (2 * tp + fp + fn);
}

describe('chooseThresholds', () => {
  const levels = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95];
  const { examples, probs } = calibratedLines(levels, 40);
  const all = examples.map((_, i) => i);

  it('half-f1: half the best F1 of calibrated scores, rounded to 0.025', () => {
    const best = Math.max(...[0.2, 0.3, 0.4, 0.5, 0.6].map((t) => f1At(levels, 40, t)));
    const t = chooseThresholds(examples, probs, all, 'half-f1')[0] ?? NaN;
    // The smoothed best F1 is at most the best, so the threshold is at most half of it (+ rounding).
    expect(t).toBeLessThanOrEqual(Math.round(best / 2 / 0.025) * 0.025 + 1e-9);
    expect(t).toBeGreaterThanOrEqual(0.3);
    expect(Math.abs(t - best / 2)).toBeLessThan(0.05);
  });

  it('half-f1 barely moves when lines of the same kind are added, where it reads the curve it is given', () => {
    const more = calibratedLines([...levels, 0.35, 0.45], 40);
    const a = chooseThresholds(examples, probs, all, 'half-f1')[0] ?? NaN;
    const b = chooseThresholds(
      more.examples,
      more.probs,
      more.examples.map((_, i) => i),
      'half-f1',
    )[0];
    expect(Math.abs((b ?? NaN) - a)).toBeLessThanOrEqual(0.025 + 1e-9);
  });

  it('argmax (the default) is the threshold where the smoothed F1 peaks', () => {
    const t = chooseThresholds(examples, probs, all)[0] ?? NaN;
    const onGrid = Array.from({ length: 29 }, (_, i) => 0.2 + i * 0.025);
    const f1s = onGrid.map((x) => f1At(levels, 40, x));
    const smooth = f1s.map((v, i) => (v + (f1s[i - 1] ?? v) + (f1s[i + 1] ?? v)) / 3);
    expect(smooth[onGrid.findIndex((x) => Math.abs(x - t) < 1e-9)]).toBeCloseTo(Math.max(...smooth), 12);
  });

  it('a floor of 0.3 for half-f1 when the action is hard', () => {
    const hard = calibratedLines([0.05, 0.15, 0.25, 0.35], 40);
    const t = chooseThresholds(
      hard.examples,
      hard.probs,
      hard.examples.map((_, i) => i),
      'half-f1',
    )[0];
    expect(t).toBe(0.3);
  });
});
