/**
 * Group commit in two lines: a platform's single delivery is written at once in a small batch of
 * its own, while a bulk batch is being written, instead of waiting behind it; each line groups
 * what arrives meanwhile, in order, up to the batch size.
 */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../bots/ingest/batcher.ts';

interface Flush {
  items: string[];
  urgent: boolean;
  release(fail?: Error): void;
}

/** A batcher whose flushes wait until released, recording each batch. */
function gated(max: number) {
  const flushes: Flush[] = [];
  const batcher = new Batcher<string, string>(async (items, urgent) => {
    await new Promise<void>((resolve, reject) => flushes.push({ items, urgent, release: (fail) => (fail ? reject(fail) : resolve()) }));
    return items.map((i) => `ok:${i}`);
  }, max);
  /** The n-th flush, once it has started. */
  const started = async (n: number): Promise<Flush> => {
    while (flushes.length <= n) await new Promise((r) => setImmediate(r));
    return flushes[n]!;
  };
  return { batcher, flushes, started };
}

describe('Batcher', () => {
  it('writes an urgent item at once, in a batch of its own, while a bulk batch is being written', async () => {
    const { batcher, flushes, started } = gated(3);
    const first = batcher.add('b0');
    const bulk = batcher.addMany(['b1', 'b2', 'b3', 'b4']);
    await started(0);
    const urgent = batcher.add('u1', true);
    // The bulk batch is still being written; the urgent one is not behind it.
    (await started(1)).release();
    expect(await urgent).toBe('ok:u1');
    flushes[0]!.release();
    expect(await first).toBe('ok:b0');
    (await started(2)).release();
    (await started(3)).release();
    expect(await bulk).toEqual(['ok:b1', 'ok:b2', 'ok:b3', 'ok:b4']);
    expect(flushes.map((f) => [f.urgent, f.items])).toEqual([
      [false, ['b0']],
      [true, ['u1']],
      [false, ['b1', 'b2', 'b3']],
      [false, ['b4']],
    ]);
    await batcher.idle();
  });

  it('groups urgent items that arrive meanwhile, in order, up to the batch size, each with its own result', async () => {
    const { batcher, flushes, started } = gated(2);
    const first = batcher.add('u0', true);
    await started(0);
    const urgent = ['u1', 'u2', 'u3'].map((u) => batcher.add(u, true));
    flushes[0]!.release();
    (await started(1)).release();
    (await started(2)).release();
    expect(await first).toBe('ok:u0');
    expect(await Promise.all(urgent)).toEqual(['ok:u1', 'ok:u2', 'ok:u3']);
    expect(flushes.map((f) => f.items)).toEqual([['u0'], ['u1', 'u2'], ['u3']]);
    expect(flushes.every((f) => f.urgent)).toBe(true);
  });

  it('fails only the batch that failed, and is idle only when both lines are', async () => {
    const { batcher, flushes, started } = gated(5);
    const bulk = batcher.add('b0');
    const urgent = batcher.add('u0', true);
    await started(1);
    let idle = false;
    const idled = batcher.idle().then(() => {
      idle = true;
    });
    flushes.find((f) => f.urgent)!.release(new Error('database down'));
    await expect(urgent).rejects.toThrow('database down');
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    flushes.find((f) => !f.urgent)!.release();
    expect(await bulk).toBe('ok:b0');
    await idled;
    expect(idle).toBe(true);
  });
});
