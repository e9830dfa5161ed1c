import { describe, expect, it } from 'vitest';
import { valueScore } from '../../bots/coaching/value-score.ts';
import { DEFAULT_POST_SALE, type ValueScoreFormula } from '../../bots/catalog/schema.ts';

const f: ValueScoreFormula = {
  weights: { amount: 35, engagement: 20, buyingSignals: 30, responsiveness: 15 },
  amountFull: 500_000,
  engagementFull: 12,
  buyingSignalsFull: 3,
  responsiveFullHours: 1,
  postSale: DEFAULT_POST_SALE,
};

describe('valueScore', () => {
  it('is 0 for a silent deal with no amount and 100 when every part is full', () => {
    expect(valueScore(f, { amount: null, customerMessages: 0, buyingSignals: 0, replyHours: null }).score).toBe(0);
    expect(valueScore(f, { amount: 800_000, customerMessages: 30, buyingSignals: 5, replyHours: 0.5 }).score).toBe(100);
  });

  it('counts each part in proportion, capped at its weight', () => {
    // amount 250k → 17.5; 6 messages → 10; 1 signal → 10; 12.5 h → 7.5 of 15.
    expect(valueScore(f, { amount: 250_000, customerMessages: 6, buyingSignals: 1, replyHours: 12.5 }).score).toBe(45);
    // Replies slower than a day count nothing.
    expect(valueScore(f, { amount: 0, customerMessages: 0, buyingSignals: 0, replyHours: 30 }).score).toBe(0);
  });

  it('crosses 85 for a large, engaged, fast-answering customer with buying signals', () => {
    expect(valueScore(f, { amount: 480_000, customerMessages: 10, buyingSignals: 3, replyHours: 2 }).score).toBeGreaterThanOrEqual(85);
  });

  it('gives each term its points, which add up to the score', () => {
    const { score, terms } = valueScore(f, { amount: 250_000, customerMessages: 6, buyingSignals: 1, replyHours: 12.5 });
    expect(Object.keys(terms).sort()).toEqual(['amount', 'buyingSignals', 'engagement', 'responsiveness']);
    expect(Math.round(Object.values(terms).reduce((a, b) => a + b, 0))).toBe(score);
  });
});
