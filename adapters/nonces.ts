/**
 * Signed webhooks (Feishu's, WeCom's app callbacks) are accepted for a few minutes around their
 * timestamp; within that window the very same request, captured and sent again, would pass the
 * signature check. Each signed request is remembered here for its window, so a replay is refused.
 *
 * A request is claimed before it is handled and released if handling failed (the database was
 * down, the platform is asked to try again), so the platform's own retry of it is let through.
 * In Redis when several web processes share the webhooks, so a replay to another process is
 * refused too; otherwise in the database (`webhook_nonces`), so a replay right after a restart is
 * refused as well; in memory only where neither is given (an adapter on its own, in tests). While
 * Redis or the database is unreachable a request is let through (and the caller told): messages
 * keep being stored, as everywhere else in an outage, and a replayed message or press is still a
 * duplicate.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { claimNonce, pruneNonces, releaseNonce } from '../db/queries/nonces.ts';

export interface NonceStore {
  /** True when this request was not seen within `ttlMs` (it is remembered from now on); false for a replay. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a request that could not be handled, so its retry is accepted. */
  release(key: string): Promise<void>;
}

/** The key of one signed request: its timestamp, nonce and signature, hashed to a fixed length. */
export function requestKey(platform: string, ...parts: string[]): string {
  return `${platform}:${createHash('sha256').update(parts.join('\u0000')).digest('base64url')}`;
}

export interface NonceStoreOptions {
  redis?: Redis;
  /** The database, used when there is no Redis. */
  sql?: Sql;
  /** Redis key prefix (QUEUE_PREFIX). */
  prefix?: string;
  now?: () => number;
  onError?: (err: unknown) => void;
}

export function createNonceStore(opts: NonceStoreOptions = {}): NonceStore {
  const onError = opts.onError ?? (() => {});
  if (opts.redis) return redisNonces(opts.redis, opts.prefix ?? 'dealwise', onError);
  if (opts.sql) return databaseNonces(opts.sql, opts.now, onError);
  return memoryNonces(opts.now);
}

/** Most requests remembered at once in memory: a window of webhooks at hundreds a second. */
const MEMORY_MAX = 200_000;

export function memoryNonces(now: () => number = Date.now): NonceStore & { size(): number } {
  const seen = new Map<string, number>();
  const prune = (t: number) => {
    for (const [k, until] of seen) if (until <= t) seen.delete(k);
  };
  return {
    async claim(key, ttlMs) {
      const t = now();
      const until = seen.get(key);
      if (until !== undefined && until > t) return false;
      if (seen.size >= MEMORY_MAX) prune(t);
      // Still full of live entries: the oldest claimed goes (Map keeps insertion order).
      if (seen.size >= MEMORY_MAX) seen.delete(seen.keys().next().value!);
      seen.set(key, t + ttlMs);
      return true;
    },
    async release(key) {
      seen.delete(key);
    },
    size: () => seen.size,
  };
}

function redisNonces(redis: Redis, prefix: string, onError: (err: unknown) => void): NonceStore {
  const k = (key: string) => `${prefix}:nonce:${key}`;
  return {
    async claim(key, ttlMs) {
      try {
        return (await redis.set(k(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
      } catch (err) {
        onError(err);
        return true;
      }
    },
    async release(key) {
      await redis.del(k(key)).catch(onError);
    },
  };
}

/** Rows whose window has passed deleted per clean-up, and how often one runs (at a claim). */
const PRUNE_LIMIT = 1_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * In `webhook_nonces`. Expired rows are deleted a bounded page at a time, at most once a minute,
 * after a claim and off its path (a webhook's answer does not wait for it); a burst bigger than a
 * page is cleaned up over the next minutes, and an expired row left meanwhile is simply taken over.
 */
export function databaseNonces(sql: Sql, now: () => number = Date.now, onError: (err: unknown) => void = () => {}): NonceStore {
  let nextPruneAt = 0;
  let pruning = false;
  const prune = (t: number) => {
    if (pruning || t < nextPruneAt) return;
    pruning = true;
    nextPruneAt = t + PRUNE_EVERY_MS;
    pruneNonces(sql, new Date(t), PRUNE_LIMIT)
      .catch(onError)
      .finally(() => {
        pruning = false;
      });
  };
  return {
    async claim(key, ttlMs) {
      const t = now();
      try {
        const fresh = await claimNonce(sql, key, new Date(t + Math.max(1, Math.ceil(ttlMs))), new Date(t));
        prune(t);
        return fresh;
      } catch (err) {
        onError(err);
        return true;
      }
    },
    async release(key) {
      await releaseNonce(sql, key).catch(onError);
    },
  };
}

/** What `handleOnce` made of a request: a replay, or what handling it returned. */
export type Handled<T> = { replayed: true } | { replayed: false; value: T };

/**
 * Handles a signed request once within its window. A message (`idempotent`: where it is stored a
 * replay is only a duplicate) is claimed beside its handling, so the platform's answer waits for
 * one thing fewer; anything else (a card press: a replayed press could undo a later one) is
 * claimed first and not handled when replayed. When handling throws, the claim is released if
 * `retried(err)` says the platform will send the request again, and the error is rethrown.
 */
export async function handleOnce<T>(
  nonces: NonceStore,
  key: string,
  ttlMs: number,
  handle: () => Promise<T>,
  opts: { idempotent: boolean; retried(err: unknown): boolean },
): Promise<Handled<T>> {
  const failed = async (claimed: boolean, err: unknown): Promise<never> => {
    if (claimed && opts.retried(err)) await nonces.release(key);
    throw err;
  };
  if (opts.idempotent) {
    const [claim, handled] = await Promise.allSettled([nonces.claim(key, ttlMs), handle()]);
    if (claim.status === 'rejected') throw claim.reason;
    if (handled.status === 'rejected') return failed(claim.value, handled.reason);
    return claim.value ? { replayed: false, value: handled.value } : { replayed: true };
  }
  if (!(await nonces.claim(key, ttlMs))) return { replayed: true };
  try {
    return { replayed: false, value: await handle() };
  } catch (err) {
    return failed(true, err);
  }
}
