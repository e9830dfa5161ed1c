/**
 * Feishu's send limits as the loop paces them: the real in-memory pacer (bots/outbound/pacer.ts,
 * the embedded default) with FEISHU_SEND_LIMITS, 5 a second and 100 a minute, on a simulated
 * clock. It proves that a burst goes out at Feishu's pace and that a send held back by one limit
 * uses no slot of the other: 120 nudges due at once go 5 a second until 100 are out, and the last
 * 20 go when the minute has passed, not later.
 */
import { describe, expect, it } from 'vitest';
import { FEISHU_SEND_LIMITS } from '../../../adapters/feishu/index.ts';
import { createSendPacer } from '../../../bots/outbound/pacer.ts';

describe('Feishu send pacing', () => {
  it('sends a burst of 120 at 5 a second, up to 100 in the minute', async () => {
    const pacer = createSendPacer();
    const start = Date.parse('2026-11-23T09:00:00+08:00');
    let pending = Array.from({ length: 120 }, (_, i) => JSON.stringify({ userId: `ou_rep_${i}` }));
    const sentAtSecond = new Map<number, number>();
    // Like the job runner: every held-back delivery tries again a second later.
    for (let second = 0; second < 120 && pending.length > 0; second++) {
      const held: string[] = [];
      for (const r of pending) if ((await pacer.reserve('feishu', r, FEISHU_SEND_LIMITS, start + second * 1_000)) > 0) held.push(r);
      if (held.length < pending.length) sentAtSecond.set(second, pending.length - held.length);
      pending = held;
    }
    expect(pending).toEqual([]);
    const expected = new Map<number, number>();
    for (let s = 0; s < 20; s++) expected.set(s, 5);
    for (let s = 60; s < 64; s++) expected.set(s, 5);
    expect(sentAtSecond).toEqual(expected);
  });
});
