import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo } from '../../bots/demo/replay.ts';
import { complianceRecords, deliveries, nudges } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

const at = (min: number) => new Date(new Date('2026-11-24T09:00:00+08:00').getTime() + min * 60_000);

describe('compliance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: at(0) });
  });
  afterAll(() => t.cleanup());

  it('counts only the touches a customer has not answered: six answered questions are fine, six unanswered chasers are not', async () => {
    const { app, clock } = t;
    // A customer asks six questions in 30 minutes and the rep answers each: replies, not touches.
    for (let i = 0; i < 6; i++) {
      clock.set(at(i * 5));
      await app.sink.message(chat({ from: 'cust-li', name: '李总', text: `第${i + 1}个问题：这个功能支持吗？`, at: at(i * 5), conv: 'c-asks', id: `q-${i}` }));
      clock.set(at(i * 5 + 2));
      await app.sink.message(
        chat({ from: 'zhangsan', text: `李总，第${i + 1}个问题的答复：支持的，我发您截图。`, at: at(i * 5 + 2), conv: 'c-asks', id: `a-${i}` }),
      );
      await app.drain();
    }
    // A rep chases a silent customer six times: the first is a message, the next five are touches.
    for (let i = 0; i < 6; i++) {
      clock.set(at(40 + i * 10));
      await app.sink.message(chat({ from: 'zhangsan', text: `王总，方案您看了吗？（第${i + 1}次）`, at: at(40 + i * 10), conv: 'c-chase', id: `c-${i}` }));
      await app.drain();
    }
    const records = await app.database.db.select().from(complianceRecords);
    expect(records.map((r) => [r.kind, r.conversationId, r.detail])).toEqual([['daily_limit', 'local:c-chase', { touches: 5, limit: 5 }]]);
    const warned = await sentNudges(t);
    expect(warned.filter(([rule]) => rule.startsWith('compliance'))).toEqual([['compliance-daily-limit', 'zhangsan']]);
  });

  it("alerts the manager at once for a sensitive phrase, quoting the rep's words as the rep's", async () => {
    const { app, clock } = t;
    clock.set(at(120));
    await app.sink.message(chat({ from: 'zhangsan', text: '王总，这个产品保本保收益，您放心。', at: at(120), conv: 'c-phrase', id: 'ph-1' }));
    await app.drain();
    const sent = await sentNudges(t);
    expect(sent.filter(([rule]) => rule !== 'compliance-daily-limit' && rule.startsWith('compliance')).sort()).toEqual([
      ['compliance-alert', 'wangjing'],
      ['compliance-sensitive-phrase', 'zhangsan'],
    ]);
    const [alert] = await app.database.db.select().from(nudges).where(eq(nudges.ruleId, 'compliance-alert'));
    expect(alert!.body).toContain('**销售原话**：「王总，这个产品保本保收益');
    const [warning] = await app.database.db.select().from(nudges).where(eq(nudges.ruleId, 'compliance-sensitive-phrase'));
    expect(warning!.body).toContain('**你的原话**');
  });

  it("sends the manager one roll-up of the day's records at the end of the working day", async () => {
    const { app, clock } = t;
    await advanceTo(app, clock, new Date('2026-11-24T18:31:00+08:00'));
    const rows = await app.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.idempotencyKey, `compliance-rollup-wangjing-${new Date('2026-11-24T00:00:00+08:00').toISOString()}`));
    expect(rows).toHaveLength(1);
    const text = rows[0]!.message!.type === 'text' ? rows[0]!.message!.text : rows[0]!.message!.text;
    expect(text).toContain('共 2 条');
    expect(text).toContain('当天多次联系客户未获回复');
    expect(text).toContain('敏感说法');
  });
});

async function sentNudges(t: TestApp): Promise<Array<[string, string]>> {
  const rows = await t.app.database.db
    .select({ to: deliveries.to, ruleId: nudges.ruleId })
    .from(nudges)
    .innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id));
  return rows.map((s) => [s.ruleId, 'personId' in s.to ? s.to.personId : '']);
}
