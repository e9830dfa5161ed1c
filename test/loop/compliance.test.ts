import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complianceRecords, deliveries, nudges } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

describe('compliance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-24T09:00:00+08:00') });
  });
  afterAll(() => t.cleanup());

  it('warns the rep and alerts their manager once for a sensitive phrase and for a sixth contact in a day', async () => {
    const { app, clock } = t;
    const at = (min: number) => new Date(new Date('2026-11-24T09:00:00+08:00').getTime() + min * 60_000);
    clock.set(at(0));
    await app.sink.message(chat({ from: 'zhangsan', text: '王总，这个产品保本保收益，您放心。', at: at(0), conv: 'c-comp', id: 'cp-1' }));
    for (let i = 1; i <= 6; i++)
      await app.sink.message(chat({ from: 'zhangsan', text: `王总，第${i}次打扰，方案您看了吗`, at: at(i * 10), conv: 'c-comp', id: `cp-${i + 1}` }));
    // Another day starts a new count.
    await app.sink.message(chat({ from: 'zhangsan', text: '王总早', at: new Date('2026-11-25T09:00:00+08:00'), conv: 'c-comp', id: 'cp-next-day' }));
    await app.drain();

    const records = await app.ctx.db.select().from(complianceRecords).orderBy(complianceRecords.at);
    expect(records.map((r) => [r.kind, r.personId])).toEqual([
      ['sensitive_phrase', 'zhangsan'],
      ['daily_limit', 'zhangsan'],
    ]);
    expect(records[0]!.detail).toEqual({ phrases: ['保本保收益'] });
    expect(records[1]!.detail).toEqual({ contacts: 6, limit: 5 });

    const sent = await app.ctx.db.select({ to: deliveries.to, ruleId: nudges.ruleId }).from(nudges).innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id));
    const pairs = sent.map((s) => [s.ruleId, 'personId' in s.to ? s.to.personId : '']).sort();
    expect(pairs).toEqual(
      [
        ['compliance-alert', 'wangjing'],
        ['compliance-alert', 'wangjing'],
        ['compliance-daily-limit', 'zhangsan'],
        ['compliance-sensitive-phrase', 'zhangsan'],
      ].sort(),
    );
  });
});
