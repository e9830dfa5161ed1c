/**
 * POST /v1/deal-events: validation, idempotence by event id, unknown deals, the post-sale terms
 * in the value score, and the strategic pack once when the score crosses 85.
 */
import { and, count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { dealValueBlock } from '../../bots/reports/value-block.ts';
import { conversations, dealEvents, nudges, opportunities } from '../../db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const AT = new Date('2026-11-27T10:00:00+08:00');

describe('POST /v1/deal-events', () => {
  let t: TestApp;
  let server: FastifyInstance;
  beforeAll(async () => {
    t = await startTestApp({ start: AT });
    server = buildServer(t.app);
    const db = t.app.database.db;
    // 500k (35) + 12 customer messages (20) + 2 of 3 buying signals (20) = 75 before any event.
    await db.insert(opportunities).values({
      id: 'd-1',
      name: '华东医疗',
      ownerId: 'zhangsan',
      stage: 'won',
      stageAt: AT,
      status: 'won',
      closedAt: AT,
      amount: 500_000,
      valueScore: 75,
      createdAt: AT,
      updatedAt: AT,
      customerMessages: 12,
      buyingSignals: 2,
    });
    await db
      .insert(conversations)
      .values({ id: 'local:c-1', platform: 'local', chatId: 'c-1', chatType: 'group', opportunityId: 'd-1', ownerId: 'zhangsan', createdAt: AT });
  });
  afterAll(async () => {
    await server.close();
    await t.cleanup();
  });

  const post = (payload: unknown) =>
    server.inject({
      method: 'POST',
      url: '/v1/deal-events',
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { 'content-type': 'application/json' },
    });
  const at = '2026-11-26T10:00:00+08:00';
  const stored = async () => (await t.app.database.db.select({ n: count() }).from(dealEvents))[0]!.n;
  const score = async () => (await t.app.database.db.select({ s: opportunities.valueScore }).from(opportunities).where(eq(opportunities.id, 'd-1')))[0]!.s;
  const strategic = async () =>
    (
      await t.app.database.db
        .select({ n: count() })
        .from(nudges)
        .where(and(eq(nudges.ruleId, 'strategic-partner'), eq(nudges.opportunityId, 'd-1')))
    )[0]!.n;

  it.each([
    ['malformed JSON', '{"id": ', /JSON/i],
    ['an unknown kind', { id: 'e', dealId: 'd-1', kind: 'refund', at }, /kind/],
    ['a payment without onTime', { id: 'e', dealId: 'd-1', kind: 'payment', at, amount: 1 }, /onTime/],
    ['a negative amount', { id: 'e', dealId: 'd-1', kind: 'payment', at, amount: -1, onTime: true }, /amount/],
    ['a ticket with an unknown severity', { id: 'e', dealId: 'd-1', kind: 'ticket', at, severity: 'urgent' }, /severity/],
    ['a time without offset', { id: 'e', dealId: 'd-1', kind: 'referral', at: '2026-11-26 10:00' }, /at/],
    ['a time in the future', { id: 'e', dealId: 'd-1', kind: 'referral', at: '2027-01-01T00:00:00Z' }, /future/],
    // The same floor as a message's time (core/text.ts checkDate): before 2000 is a typing error.
    ['a time before 2000', { id: 'e', dealId: 'd-1', kind: 'referral', at: '1900-01-01T00:00:00+08:00' }, /^at is not a plausible time/],
    ['no time', { id: 'e', dealId: 'd-1', kind: 'referral' }, /^at: /],
    ['an unknown field', { id: 'e', dealId: 'd-1', kind: 'referral', at, extra: 1 }, /extra|unrecognized/i],
    ['no id', { dealId: 'd-1', kind: 'referral', at }, /id/],
  ])('rejects %s with 400, storing nothing', async (_name, payload, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(await stored()).toBe(0);
    expect(await score()).toBe(75);
  });

  it('answers 404 for an unknown deal, storing nothing', async () => {
    const res = await post({ id: 'e-x', dealId: 'nope', kind: 'referral', at });
    expect(res.statusCode).toBe(404);
    expect(await stored()).toBe(0);
  });

  it('applies a payment once: a repeat is a 200 with the same result and changes nothing', async () => {
    const first = await post({ id: 'pay-1', dealId: 'd-1', kind: 'payment', at, amount: 250_000, onTime: true });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ eventId: 'pay-1', scoreBefore: 75, scoreAfter: 78, applied: true });
    expect(first.json().terms.payment).toBe(3);
    const again = await post({ id: 'pay-1', dealId: 'd-1', kind: 'payment', at, amount: 250_000, onTime: true });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ...first.json(), applied: false });
    expect(await stored()).toBe(1);
    expect(await score()).toBe(78);
  });

  it('refuses the same event id with other content (409), changing nothing', async () => {
    const res = await post({ id: 'pay-1', dealId: 'd-1', kind: 'payment', at, amount: 250_000, onTime: false });
    expect(res.statusCode).toBe(409);
    expect(await stored()).toBe(1);
    expect(await score()).toBe(78);
  });

  it('a late payment and a ticket pull the score down', async () => {
    const late = await post({ id: 'pay-2', dealId: 'd-1', kind: 'payment', at, amount: 1000, onTime: false });
    expect(late.json()).toMatchObject({ scoreBefore: 78, scoreAfter: 74 });
    const ticket = await post({ id: 'tk-1', dealId: 'd-1', kind: 'ticket', at, severity: 'medium' });
    expect(ticket.json()).toMatchObject({ scoreBefore: 74, scoreAfter: 71 });
    expect(ticket.json().terms).toMatchObject({ payment: -1, ticket: -3 });
  });

  it('crossing 85 sends the strategic pack exactly once', async () => {
    expect(await strategic()).toBe(0);
    // 71 → 79 (renewal) → 84 (referral) → 89 (referral: crosses 85) → 94 (referral) → still one pack.
    for (const [id, kind] of [
      ['rn-1', 'renewal'],
      ['rf-1', 'referral'],
    ] as const)
      expect((await post({ id, dealId: 'd-1', kind, at })).statusCode).toBe(201);
    expect(await score()).toBe(84);
    expect(await strategic()).toBe(0);
    const crossing = await post({ id: 'rf-2', dealId: 'd-1', kind: 'referral', at });
    expect(crossing.json()).toMatchObject({ scoreBefore: 84, scoreAfter: 89 });
    expect(await strategic()).toBe(1);
    // A repeat of the crossing event and a further rise do not send it again.
    expect((await post({ id: 'rf-2', dealId: 'd-1', kind: 'referral', at })).statusCode).toBe(200);
    await post({ id: 'rf-3', dealId: 'd-1', kind: 'referral', at });
    expect(await score()).toBe(94);
    expect(await strategic()).toBe(1);
  });
});

describe('/deal shows the value score with its terms and history', () => {
  it('lists the terms that moved it and each event with the score before and after', async () => {
    const t = await startTestApp({ start: AT });
    try {
      const server = buildServer(t.app);
      const db = t.app.database.db;
      await db.insert(opportunities).values({
        id: 'd-2',
        name: '苏州精密',
        ownerId: 'zhangsan',
        stage: 'won',
        stageAt: AT,
        status: 'won',
        amount: 500_000,
        valueScore: 75,
        createdAt: AT,
        updatedAt: AT,
        customerMessages: 12,
        buyingSignals: 2,
      });
      const send = (payload: unknown) =>
        server.inject({ method: 'POST', url: '/v1/deal-events', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
      await send({ id: 'p', dealId: 'd-2', kind: 'payment', at: '2026-11-20T10:00:00+08:00', amount: 1, onTime: true });
      await send({ id: 'k', dealId: 'd-2', kind: 'ticket', at: '2026-11-25T10:00:00+08:00', severity: 'high' });
      const block = await dealValueBlock(db, 'd-2', 'Asia/Shanghai');
      expect(block).toContain('**价值分 72**');
      expect(block).toMatch(/金额 \+35.*服务工单 -6.*回款 \+3/);
      expect(block!.split('\n').slice(1)).toEqual(['- 11-25 服务工单（重）：78 → 72', '- 11-20 回款（按时）：75 → 78']);
      await server.close();
    } finally {
      await t.cleanup();
    }
  });
});
