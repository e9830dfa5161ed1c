import { describe, expect, it } from 'vitest';
import { clampText, findTextProblem } from '../../core/text.ts';

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

describe('findTextProblem', () => {
  it('names the first unstorable string or key in the order written, an object’s own strings first', () => {
    expect(findTextProblem({ a: 'ok', b: [{ c: 'x' }, { d: 'a\u0000' }], e: '\ud800' })).toEqual({
      path: ['e'],
      inKey: false,
      problem: expect.stringMatching(/lone surrogate/),
    });
    expect(findTextProblem([{ x: [{ y: '\u0000' }] }, { z: '\u0000' }])).toEqual({
      path: [0, 'x', 0, 'y'],
      inKey: false,
      problem: expect.stringMatching(/NUL/),
    });
    expect(findTextProblem({ a: { 'b\u0000': 1 } })).toEqual({ path: ['a'], inKey: true, problem: expect.stringMatching(/NUL/) });
    expect(findTextProblem('\udc00')?.path).toEqual([]);
    expect(findTextProblem({ a: '好的 😀', b: [1, null, true] })).toBeNull();
  });

  it('walks a body nested a million deep, and passes over bytes', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(findTextProblem(deep)?.path).toHaveLength(1_000_000);
    // A file's bytes on a multipart body: not walked index by index.
    const started = performance.now();
    expect(findTextProblem({ name: 'a.pdf', file: { body: Buffer.alloc(20 * 1024 * 1024) } })).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
