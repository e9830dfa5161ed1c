/**
 * POST /v1/deal-events on PostgreSQL and BullMQ: concurrent repeats of one event apply it once
 * (the deal's row lock and the event's primary key), and the strategic pack's crossing is one
 * nudge with one delivery.
 */
import { and, count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../bots/app.ts';
import { buildServer } from '../../bots/http/server.ts';
import { conversations, dealEvents, nudges, opportunities } from '../../db/schema/index.ts';
import { createStack, type Stack } from './stack.ts';

let stack: Stack;
let app: App;
let server: FastifyInstance;

beforeAll(async () => {
  stack = await createStack();
  app = await stack.producer();
  server = buildServer(app);
  const at = new Date();
  // 500k (35) + 12 customer messages (20) + 2 of 3 buying signals (20) = 75.
  await app.database.db.insert(opportunities).values({
    id: 'pg-d1',
    name: '华东医疗',
    ownerId: 'zhangsan',
    stage: 'won',
    stageAt: at,
    status: 'won',
    amount: 500_000,
    valueScore: 75,
    createdAt: at,
    updatedAt: at,
    customerMessages: 12,
    buyingSignals: 2,
  });
  await app.database.db
    .insert(conversations)
    .values({ id: 'local:pg-c1', platform: 'local', chatId: 'pg-c1', chatType: 'group', opportunityId: 'pg-d1', ownerId: 'zhangsan', createdAt: at });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await stack?.teardown();
});

const post = (payload: unknown) =>
  server.inject({ method: 'POST', url: '/v1/deal-events', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });

describe('deal events on PostgreSQL', () => {
  it('applies concurrent repeats of one event once, and crosses 85 with one strategic nudge', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const renewal = { id: 'pg-rn', dealId: 'pg-d1', kind: 'renewal', at };
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(renewal)));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.json().scoreAfter))).toEqual(new Set([83]));
    // Two different referrals at once: both apply, one after the other (83 → 88 → 93); the
    // crossing of 85 is one of them, and the pack goes out once.
    const both = await Promise.all([
      post({ id: 'pg-rf1', dealId: 'pg-d1', kind: 'referral', at }),
      post({ id: 'pg-rf2', dealId: 'pg-d1', kind: 'referral', at }),
    ]);
    expect(both.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(both.map((r) => r.json().scoreAfter).sort()).toEqual([88, 93]);
    const [events] = await app.database.db.select({ n: count() }).from(dealEvents);
    expect(events!.n).toBe(3);
    const [pack] = await app.database.db
      .select({ n: count() })
      .from(nudges)
      .where(and(eq(nudges.ruleId, 'strategic-partner'), eq(nudges.opportunityId, 'pg-d1')));
    expect(pack!.n).toBe(1);
  }, 60_000);
});
