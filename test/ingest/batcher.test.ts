/**
 * Group commit with an urgent lane: a platform's single delivery is written in the next batch,
 * ahead of bulk items queued before it, instead of waiting behind every queued batch.
 */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../bots/ingest/batcher.ts';

/** A batcher whose flushes wait until released, recording each batch. */
function gated(max: number) {
  const batches: string[][] = [];
  const gates: Array<() => void> = [];
  const batcher = new Batcher<string, string>(async (items) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((i) => `ok:${i}`);
  }, max);
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { batcher, batches, release };
}

describe('Batcher', () => {
  it('writes an urgent item in the next batch, before bulk items queued earlier', async () => {
    const { batcher, batches, release } = gated(3);
    const first = batcher.add('b0');
    const bulk = batcher.addMany(['b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
    const urgent = batcher.add('u1', true);
    await release();
    expect(await first).toBe('ok:b0');
    await release();
    expect(await urgent).toBe('ok:u1');
    await release();
    await release();
    expect(await bulk).toEqual(['ok:b1', 'ok:b2', 'ok:b3', 'ok:b4', 'ok:b5', 'ok:b6']);
    // The urgent item went with the first batch after the one being written, filled up with bulk.
    expect(batches).toEqual([['b0'], ['u1', 'b1', 'b2'], ['b3', 'b4', 'b5'], ['b6']]);
    await batcher.idle();
  });

  it('keeps to the batch size however many urgent items wait, and answers each with its own result', async () => {
    const { batcher, batches, release } = gated(2);
    const first = batcher.add('b0');
    const urgent = ['u1', 'u2', 'u3'].map((u) => batcher.add(u, true));
    const bulk = batcher.add('b1');
    for (let i = 0; i < 3; i++) await release();
    expect(await first).toBe('ok:b0');
    expect(await Promise.all(urgent)).toEqual(['ok:u1', 'ok:u2', 'ok:u3']);
    expect(await bulk).toBe('ok:b1');
    expect(batches).toEqual([['b0'], ['u1', 'u2'], ['u3', 'b1']]);
  });
});
