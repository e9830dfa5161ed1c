/**
 * The value score through the loop: a large, engaged, fast-answering customer with buying signals
 * crosses 85 and the rep gets the strategic-partner atom pack, once for the deal.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nudges, opportunities } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

describe('value score', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-24T09:00:00+08:00') });
  });
  afterAll(() => t.cleanup());

  it('nudges the strategic-partner pack once when the score reaches 85', async () => {
    const lines: Array<[string, string]> = [
      ['zhangsan', '刘总您好，方案和报价都在这个群里沟通。'],
      ['cust-liu', '好的，你们系统能支持多少门店？'],
      ['zhangsan', '标准版首年 60 万，含 300 家门店的账号、实施和培训。'],
      ['cust-liu', '价格可以接受。合同流程怎么走？'],
      ['zhangsan', '我把合同模板发您法务审一下。'],
      ['cust-liu', '签完合同多久能上线？我们希望一月份用起来。'],
      ['zhangsan', '签约后六周上线，我给您排实施计划。'],
      ['cust-liu', '发票这边我们需要开增值税专票。'],
      ['zhangsan', '没问题，6% 专票。'],
      ['cust-liu', '付款方式是怎样的？'],
      ['zhangsan', '签约付 50%，验收付 50%。'],
      ['cust-liu', '好的，我让采购走一下供应商入库。'],
      ['zhangsan', '入库资料我今天整理好发您。'],
      ['cust-liu', '培训怎么安排？'],
      ['zhangsan', '现场培训四次，线上不限。'],
      ['cust-liu', '数据迁移你们负责吗？'],
      ['zhangsan', '负责，包含在实施里。'],
      ['cust-liu', '好，那就这么推进。'],
    ];
    let at = new Date('2026-11-24T09:00:00+08:00').getTime();
    for (const [i, [from, text]] of lines.entries()) {
      at += 10 * 60_000;
      t.clock.set(new Date(at));
      await t.app.sink.message(chat({ from, text, at: new Date(at), conv: 'c-strategic', id: `vs-${i}`, name: from === 'cust-liu' ? '刘总' : undefined }));
      await t.app.drain();
    }
    const [deal] = await t.app.database.db.select().from(opportunities);
    expect(deal!.valueScore).toBeGreaterThanOrEqual(85);
    expect(deal!.amount).toBe(600_000);
    const strategic = await t.app.database.db.select().from(nudges).where(eq(nudges.ruleId, 'strategic-partner'));
    expect(strategic).toHaveLength(1);
    expect(strategic[0]).toMatchObject({ personId: 'zhangsan', atomIds: ['strategic-exec-sponsor', 'strategic-joint-innovation', 'strategic-qbr'] });
  });
});
