import { describe, expect, it } from 'vitest';
import { memoryNonces, requestKey } from '../../adapters/nonces.ts';

describe('memory nonce store', () => {
  it('claims a request once within its window, again after it, and again once released', async () => {
    let now = 1_000_000;
    const store = memoryNonces(() => now);
    const key = requestKey('feishu', '1718000000', 'nonce-1', 'ab'.repeat(32));
    expect(await store.claim(key, 600_000)).toBe(true);
    expect(await store.claim(key, 600_000)).toBe(false);
    now += 599_999;
    expect(await store.claim(key, 600_000)).toBe(false);
    now += 2;
    expect(await store.claim(key, 600_000)).toBe(true);
    await store.release(key);
    expect(await store.claim(key, 600_000)).toBe(true);
  });

  it('keys differ whenever the timestamp, nonce, signature or platform does', () => {
    const keys = new Set([
      requestKey('feishu', '1', 'n', 's'),
      requestKey('feishu', '1', 'n', 't'),
      requestKey('feishu', '1', 'm', 's'),
      requestKey('feishu', '2', 'n', 's'),
      requestKey('wecom', '1', 'n', 's'),
      requestKey('feishu', '1n', '', 's'),
    ]);
    expect(keys.size).toBe(6);
  });

  it('stays bounded: expired requests are pruned when it fills', async () => {
    let now = 0;
    const store = memoryNonces(() => now);
    for (let i = 0; i < 200_000; i++) await store.claim(`k${i}`, 1_000);
    expect(store.size()).toBe(200_000);
    now = 2_000;
    expect(await store.claim('fresh', 1_000)).toBe(true);
    expect(store.size()).toBe(1);
  });
});
