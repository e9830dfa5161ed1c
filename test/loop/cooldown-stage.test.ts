/**
 * A rule's cooldown holds within a stage: the price objection raised at 需求确认 in the morning
 * does not keep the negotiation-stage talk-track from the rep when the deal reaches 商务谈判 by
 * another price objection that afternoon; a second objection in 商务谈判 is still cooled down.
 */
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/types.ts';
import { conversations, nudges, opportunities } from '../../db/schema/index.ts';
import { chat, sayAt, startTestApp, type TestApp } from '../helpers/app.ts';

const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);

describe('price-objection cooldown across a stage change', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: MONDAY });
  }, 120_000);
  afterAll(() => t.cleanup());

  const say = (m: InboundMessage) => sayAt(t, m);
  const stage = async () => {
    const [c] = await t.app.database.db.select().from(conversations).where(eq(conversations.id, 'local:c-cool'));
    return (await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, c!.opportunityId!)))[0]!.stage;
  };
  const priceNudges = () =>
    t.app.database.db
      .select({ atomIds: nudges.atomIds })
      .from(nudges)
      .where(and(eq(nudges.conversationId, 'local:c-cool'), eq(nudges.ruleId, 'price-objection')))
      .orderBy(asc(nudges.createdAt));

  it('gives the negotiation talk-track on entering 商务谈判 the same day, once', async () => {
    await say(chat({ conv: 'c-cool', from: 'zhangsan', text: '郑总您好，我是张三，负责贵司的项目。', at: at(60) }));
    await say(chat({ conv: 'c-cool', from: 'cust-zheng', name: '郑总', text: '你们的价格太贵了，超出预算太多。', at: at(65) }));
    expect(await stage()).toBe('qualified');
    expect((await priceNudges()).map((n) => n.atomIds)).toEqual([['price-objection-early']]);

    await say(chat({ conv: 'c-cool', from: 'zhangsan', text: '郑总，报价单发您了：首年 30 万，含实施。', at: at(120), attachments: [{ name: '报价单.pdf' }] }));
    expect(await stage()).toBe('proposal');
    await say(chat({ conv: 'c-cool', from: 'cust-zheng', name: '郑总', text: '这个价格还是太贵了，超出预算太多。', at: at(300) }));
    expect(await stage()).toBe('negotiation');
    expect((await priceNudges()).map((n) => n.atomIds[0])).toEqual(['price-objection-early', 'price-objection-negotiation']);

    // Within 商务谈判 the cooldown holds as before.
    await say(chat({ conv: 'c-cool', from: 'cust-zheng', name: '郑总', text: '价格太贵了，预算真的不够。', at: at(360) }));
    expect(await priceNudges()).toHaveLength(2);
  });
});
