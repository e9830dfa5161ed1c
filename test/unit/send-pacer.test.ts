/**
 * Outbound pacing (bots/outbound/pacer.ts), in-memory backend, with the clock under test
 * control: sliding windows, exact waits, scopes, and no slot taken by a refused send. The Redis
 * backend is held to the same contract in test/services/send-pacer-redis.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SendLimit } from '../../adapters/types.ts';
import { createSendPacer, type SendPacer } from '../../bots/outbound/pacer.ts';

const T0 = Date.parse('2026-11-23T02:00:00.000Z');
const perRecipient: SendLimit[] = [{ scope: 'recipient', max: 3, perMs: 60_000 }];
const perBot: SendLimit[] = [{ scope: 'bot', max: 2, perMs: 1_000 }];

/** Moves the faked clock (Date and timers) to T0 + ms. */
function at(ms: number): void {
  const delta = T0 + ms - Date.now();
  if (delta < 0) throw new Error('time only moves forward in these tests');
  vi.advanceTimersByTime(delta);
}

describe('SendPacer.reserve (in memory)', () => {
  let pacer: SendPacer;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    pacer = createSendPacer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('under the limit every send may go now', async () => {
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(0);
    at(10_000);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(0);
    at(20_000);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(0);
  });

  it('the (max+1)th send in a window waits until the oldest send leaves the window', async () => {
    for (const t of [0, 10_000, 20_000]) {
      at(t);
      await pacer.reserve('wecom', 'u1', perRecipient);
    }
    at(30_000);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(30_000);
  });

  it('asking again later gives the shorter remaining wait', async () => {
    for (const t of [0, 10_000, 20_000]) {
      at(t);
      await pacer.reserve('wecom', 'u1', perRecipient);
    }
    at(30_000);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(30_000);
    at(50_000);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(10_000);
  });

  it('after a whole window has passed the limit starts fresh', async () => {
    for (let i = 0; i < 3; i++) await pacer.reserve('wecom', 'u1', perRecipient);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBeGreaterThan(0);
    at(120_000);
    for (let i = 0; i < 3; i++) expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(0);
  });

  it('per-recipient scope keeps recipients apart', async () => {
    for (let i = 0; i < 3; i++) await pacer.reserve('wecom', 'u1', perRecipient);
    expect(await pacer.reserve('wecom', 'u1', perRecipient)).toBe(60_000);
    expect(await pacer.reserve('wecom', 'u2', perRecipient)).toBe(0);
  });

  it('bot scope is shared by all recipients', async () => {
    expect(await pacer.reserve('feishu', 'u1', perBot)).toBe(0);
    at(100);
    expect(await pacer.reserve('feishu', 'u2', perBot)).toBe(0);
    at(200);
    expect(await pacer.reserve('feishu', 'u3', perBot)).toBe(800);
  });

  it('platforms are counted apart', async () => {
    await pacer.reserve('feishu', 'u1', perBot);
    await pacer.reserve('feishu', 'u1', perBot);
    expect(await pacer.reserve('dingtalk', 'u1', perBot)).toBe(0);
  });

  it('no limits → always 0', async () => {
    for (let i = 0; i < 10; i++) expect(await pacer.reserve('local', 'u1', [])).toBe(0);
  });

  // DingTalk blocks a group robot for 10 minutes past 20 messages a minute (PLATFORMS.md): the
  // limit must hold over any minute, not per fixed bucket. Here max 3 a minute: one send at 0 s,
  // two at 59 s; at 60 s one more may go (the 0 s send has left the minute), the next must wait
  // for the 59 s sends to leave it — else five sends land within two seconds.
  it('never lets more than max sends into any window of perMs, across a window edge', async () => {
    expect(await pacer.reserve('dingtalk', 'group-1', perRecipient)).toBe(0);
    at(59_000);
    expect(await pacer.reserve('dingtalk', 'group-1', perRecipient)).toBe(0);
    expect(await pacer.reserve('dingtalk', 'group-1', perRecipient)).toBe(0);
    at(60_000);
    expect(await pacer.reserve('dingtalk', 'group-1', perRecipient)).toBe(0);
    expect(await pacer.reserve('dingtalk', 'group-1', perRecipient)).toBe(59_000);
  });

  // Feishu-like pair of bot limits (2 a second, 3 a minute here). A send refused by the per-second
  // limit does not go, so it must not use up a per-minute slot: only a and b have been sent when
  // c asks again at 2 s, so c may go.
  it('a send refused by one limit takes no slot of another', async () => {
    const limits: SendLimit[] = [
      { scope: 'bot', max: 2, perMs: 1_000 },
      { scope: 'bot', max: 3, perMs: 60_000 },
    ];
    expect(await pacer.reserve('feishu', 'a', limits)).toBe(0);
    at(10);
    expect(await pacer.reserve('feishu', 'b', limits)).toBe(0);
    at(20);
    expect(await pacer.reserve('feishu', 'c', limits)).toBe(980);
    at(2_000);
    expect(await pacer.reserve('feishu', 'c', limits)).toBe(0);
  });
});
