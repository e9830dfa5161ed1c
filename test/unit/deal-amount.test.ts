/**
 * The amount a rep's quote puts on a deal (bots/deals/counters.ts): a total, never a unit price.
 */
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../analyzers/index.ts';
import { quotedTotal } from '../../bots/deals/counters.ts';

const quoted = (text: string): number | undefined =>
  quotedTotal(analyzeMessage({ role: 'rep', text, sentAt: new Date('2026-12-01T02:00:00Z'), timeZone: 'Asia/Shanghai' }));

describe('the amount a quote puts on a deal', () => {
  it('is the total a quote names', () => {
    expect(quoted('周经理，报价单发您了：80 个账号首年 26.8 万，含实施和培训。')).toBe(268_000);
    expect(quoted('It comes to $12k a year.')).toBe(12_000);
  });

  it('is never a price per unit, head or day, which would make a 48 万 deal worth 3 yuan', () => {
    expect(quoted('理解。按三年摊到每个账号每天不到 3 元，首期也可以先上 3 个院区，预算能降四成。')).toBeUndefined();
    expect(quoted('每台八千块，十台起订')).toBeUndefined();
    expect(quoted('800元/人，含教材')).toBeUndefined();
  });
});
