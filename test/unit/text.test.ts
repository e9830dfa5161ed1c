import { describe, expect, it } from 'vitest';
import { clampText } from '../../core/text.ts';

describe('clampText', () => {
  it('keeps text within the limit as it is', () => {
    expect(clampText('报价单', 3)).toBe('报价单');
    expect(clampText('', 1)).toBe('');
  });

  it('cuts longer text to the limit, ending with a marker that gives the length', () => {
    const text = '价'.repeat(1000);
    const cut = clampText(text, 100);
    expect(cut).toHaveLength(100);
    expect(cut).toMatch(/^价+…\[truncated: 1000 characters\]$/);
  });

  it('never splits a surrogate pair, so the result is always well formed', () => {
    for (let max = 1; max < 80; max++) {
      const cut = clampText('😀'.repeat(200), max);
      expect(cut.length, String(max)).toBeLessThanOrEqual(max);
      expect(cut.isWellFormed(), String(max)).toBe(true);
    }
  });
});
