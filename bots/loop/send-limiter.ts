/**
 * Paces sends by the platforms' published limits (PLATFORMS.md) within one process: a send that
 * would exceed a window waits for its slot instead of being refused by the platform.
 */
import type { SendLimit } from '../../adapters/types.ts';

export class SendLimiter {
  /** Send times per key, newest last, trimmed to the longest window. */
  #log = new Map<string, number[]>();

  /**
   * Reserves a slot for a send at `now`; returns 0 when it may go now (the slot is taken) or the
   * milliseconds to wait (nothing is taken).
   */
  reserve(platform: string, recipient: string, limits: readonly SendLimit[], now: number): number {
    let wait = 0;
    const keys = limits.map((l) => `${platform}|${l.scope === 'bot' ? '*' : recipient}|${l.perMs}`);
    limits.forEach((l, i) => {
      const times = this.#times(keys[i]!, l.perMs, now);
      if (times.length >= l.max) wait = Math.max(wait, times[times.length - l.max]! + l.perMs - now);
    });
    if (wait > 0) return wait;
    keys.forEach((k) => this.#log.get(k)!.push(now));
    return 0;
  }

  #times(key: string, perMs: number, now: number): number[] {
    let times = this.#log.get(key);
    if (!times) {
      times = [];
      this.#log.set(key, times);
    }
    let drop = 0;
    while (drop < times.length && times[drop]! <= now - perMs) drop++;
    if (drop > 0) times.splice(0, drop);
    return times;
  }
}
