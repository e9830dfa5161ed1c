import { describe, expect, it } from 'vitest';
import { analysedWindow, HEAD_CHARS, TAIL_CHARS } from '../../analyzers/classifier/features.ts';
import { analyze } from '../../analyzers/index.ts';
import { analyzeMessage } from '../../analyzers/message.ts';
import type { AnalyzerInput, DetectedAction } from '../../core/types.ts';
import { ACTION_KINDS } from '../../core/types.ts';

// Time is bounded whatever the input: a message is read on a bounded window (head and tail),
// so a 200,000-character paste costs about what a 5,000-character one does. Asserted as a ratio
// against a short message timed in the same test, never as an absolute time.

/** The fastest of a few runs, in ms: the least disturbed by a busy machine. */
function fastest(input: AnalyzerInput, runs: number): { ms: number; out: DetectedAction[] } {
  let best = Infinity;
  let out: DetectedAction[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    out = analyze(input);
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, out };
}

function sane(out: DetectedAction[]): void {
  for (const a of out) {
    expect(ACTION_KINDS).toContain(a.kind);
    expect(a.confidence).toBeGreaterThan(0);
    expect(a.confidence).toBeLessThanOrEqual(1);
  }
  expect(new Set(out.map((a) => a.kind)).size).toBe(out.length);
}

const SENTENCE = '王总您好，报价单已经发您邮箱了，这套含税价12.8万，您看一下有问题随时联系。';
const repeat = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const BIG: [string, string][] = [
  ['CJK with punctuation', repeat(SENTENCE, 200_000)],
  ['CJK without punctuation', repeat('我们这边还在内部讨论预算和采购流程的事情下周再看', 200_000)],
  ['pure emoji', repeat('😀👍🎉', 200_000)],
  ['pure whitespace', ' \n\t'.repeat(70_000).slice(0, 200_000)],
  ['English without spaces', repeat('quotation', 200_000)],
];

describe('bounded time on huge messages', () => {
  const short = repeat(SENTENCE, 2_000);
  for (const [name, text] of BIG) {
    it(`${name}: 200,000 characters in time at most linear in its size, with sane output`, () => {
      const input = { role: 'rep' as const, text };
      const small = { role: 'rep' as const, text: short };
      fastest(input, 1); // warm-up
      const base = fastest(small, 5);
      const big = fastest(input, 3);
      sane(big.out);
      // Linear growth allows 100× (200,000 / 2,000 characters); the window keeps it near 3×
      // (5,000 characters read). 100× is the generous bound; superlinear growth breaks it.
      const ratio = big.ms / Math.max(base.ms, 0.05);
      expect(ratio, `${name}: ${big.ms.toFixed(2)} ms vs ${base.ms.toFixed(2)} ms`).toBeLessThan(text.length / short.length);
    });
  }

  it('reads a long message by its head and tail: a quote at the very end still counts', () => {
    const text = `${repeat('😀 ', 100_000)}王总，报价单发您了，含税价12.8万，请查收`;
    const out = analyze({ role: 'rep', text });
    expect(out.map((a) => a.kind)).toContain('quote_sent');
  });

  it('the window keeps short texts whole and cuts long ones without splitting an emoji', () => {
    expect(analysedWindow('短消息')).toBe('短消息');
    const emoji = '😀'.repeat(10_000);
    const w = analysedWindow(emoji);
    expect(w.length).toBeLessThanOrEqual(HEAD_CHARS + TAIL_CHARS + 2);
    expect(w.replace(/\n/, '')).toMatch(/^(?:😀)+$/u);
  });

  it('a huge list of attachments is bounded too', () => {
    const attachments = Array.from({ length: 50_000 }, (_, i) => ({ name: `${'照片'.repeat(500)}_${i}.jpg` }));
    const start = performance.now();
    const out = analyze({ role: 'rep', text: '见附件', attachments });
    const ms = performance.now() - start;
    sane(out);
    const base = fastest({ role: 'rep', text: '见附件', attachments: attachments.slice(0, 20) }, 5);
    expect(ms / Math.max(base.ms, 0.05)).toBeLessThan(2_500);
  });

  it('the whole per-message analysis (topics, meeting time, commitments too) reads a bounded window', () => {
    const input = (text: string) => ({
      role: 'customer' as const,
      text,
      attachments: [],
      sentAt: new Date('2026-11-23T10:00:00+08:00'),
      timeZone: 'Asia/Shanghai',
    });
    const time = (text: string, runs: number) => {
      let best = Infinity;
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        analyzeMessage(input(text));
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    const unit = '王总，报价单收到了，下周三下午三点来公司演示一下吧，月底前我们给答复。';
    for (const [name, text] of BIG) {
      time(repeat(unit, 4_000), 2); // warm-up
      const base = time(repeat(unit, 4_000), 3);
      const big = time(text, 2);
      // 200,000 characters cost about what the 4,000 the window reads do; 50× is linear growth.
      expect(big / Math.max(base, 0.05), `${name}: ${big.toFixed(2)} ms vs ${base.toFixed(2)} ms`).toBeLessThan(text.length / 4_000);
    }
  });
});
