/**
 * Webhook replays across web processes: two processes' nonce stores on the one Redis; a signed
 * request seen by one is refused by the other within its window, and let through after it or
 * once released. With Redis unreachable a request is let through and the caller told.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createNonceStore, requestKey } from '../../adapters/nonces.ts';
import { REDIS_URL } from '../setup/constants.ts';

const clients: Redis[] = [];
const redis = () => {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
};
afterAll(async () => {
  for (const c of clients) c.disconnect();
});

describe('the Redis nonce store', () => {
  it('refuses a request another process already took, within its window only', async () => {
    const prefix = `dwtest${randomBytes(4).toString('hex')}`;
    const web1 = createNonceStore({ redis: redis(), prefix });
    const web2 = createNonceStore({ redis: redis(), prefix });
    const key = requestKey('wecom', '1732700000', '1372623149', 'ab'.repeat(20));
    expect(await web1.claim(key, 400)).toBe(true);
    expect(await web2.claim(key, 400)).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(await web2.claim(key, 400)).toBe(true);
    await web2.release(key);
    expect(await web1.claim(key, 60_000)).toBe(true);
    expect(await web2.claim(requestKey('wecom', '1732700000', '1372623149', 'cd'.repeat(20)), 60_000)).toBe(true);
  });

  it('lets requests through while Redis is unreachable, and says so', async () => {
    const down = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    clients.push(down);
    const errors: unknown[] = [];
    const store = createNonceStore({ redis: down, prefix: 'dwdown', onError: (err) => errors.push(err) });
    expect(await store.claim('k', 1_000)).toBe(true);
    expect(await store.claim('k', 1_000)).toBe(true);
    await store.release('k');
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
