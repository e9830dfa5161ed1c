/**
 * Paces sends by the platforms' published limits (PLATFORMS.md) with a sliding-window log: a
 * limit of N per T lets N sends into any span of T, never more, and says exactly how long the
 * next one must wait. Going over is punished on some platforms (a DingTalk group robot is
 * blocked for 10 minutes), and fixed-window counters can pass twice N across a window edge.
 *
 * In memory for the embedded default; in Redis (one Lua script, atomic across all the limits of
 * a send) when several processes send, so a limit holds for the whole deployment.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SendLimit } from '../../adapters/types.ts';

export interface SendPacer {
  /**
   * Takes a slot for one send at `now` (ms); returns 0 when it may go now, else the milliseconds
   * to wait. A send refused by one limit takes no slot of the others.
   */
  reserve(platform: string, recipient: string, limits: readonly SendLimit[], now?: number): Promise<number>;
  /** Keys held in memory (the in-memory pacer; 0 for Redis, which expires its own). */
  size(): number;
}

const keyOf = (platform: string, recipient: string, l: SendLimit) => `${platform}|${l.scope === 'bot' ? '*' : recipient}|${l.max}/${l.perMs}`;

export function createSendPacer(redis?: Redis, prefix = 'dealwise'): SendPacer {
  return redis ? redisPacer(redis, prefix) : memoryPacer();
}

/** Longest window any platform limit has (an hour): a key idle longer holds nothing. */
const LONGEST_WINDOW_MS = 3_600_000;
const PRUNE_EVERY = 1_000;

function memoryPacer(): SendPacer {
  /** Send times per key, oldest first. */
  const log = new Map<string, number[]>();
  let calls = 0;
  // Recipients come and go: without pruning the map would keep every one ever messaged.
  const prune = (now: number) => {
    for (const [key, times] of log) if ((times[times.length - 1] ?? 0) <= now - LONGEST_WINDOW_MS) log.delete(key);
  };
  return {
    async reserve(platform, recipient, limits, now = Date.now()) {
      if (++calls % PRUNE_EVERY === 0) prune(now);
      let wait = 0;
      const windows = limits.map((l) => {
        const key = keyOf(platform, recipient, l);
        const times = (log.get(key) ?? []).filter((t) => t > now - l.perMs);
        log.set(key, times);
        if (times.length >= l.max) wait = Math.max(wait, times[times.length - l.max]! + l.perMs - now);
        return times;
      });
      if (wait > 0) return wait;
      for (const times of windows) times.push(now);
      return 0;
    },
    size: () => log.size,
  };
}

// KEYS: one sorted set per limit. ARGV: now, member, then perMs and max for each key.
const RESERVE_LUA = `
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local per = tonumber(ARGV[1 + 2 * i])
  local max = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - per)
  local n = redis.call('ZCARD', key)
  if n >= max then
    local oldest = redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')
    local w = tonumber(oldest[2]) + per - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[1 + 2 * i]))
end
return 0
`;

function redisPacer(redis: Redis, prefix: string): SendPacer {
  return {
    async reserve(platform, recipient, limits, now = Date.now()) {
      if (limits.length === 0) return 0;
      const keys = limits.map((l) => `${prefix}:pace:${keyOf(platform, recipient, l)}`);
      const args = [String(now), `${now}-${randomUUID()}`, ...limits.flatMap((l) => [String(l.perMs), String(l.max)])];
      const wait = await redis.eval(RESERVE_LUA, keys.length, ...keys, ...args);
      return Number(wait);
    },
    size: () => 0,
  };
}
