/** Rescoring a deal as a message is counted: only a customer message or a new amount can move it. */
import type { MessageStep } from '../analysis/engine.ts';
import { postSaleOf, valueScore } from '../coaching/value-score.ts';
import { quotedTotal, replyHours } from './counters.ts';

export function rescore(s: MessageStep): { before: number; after: number } {
  const { deal } = s;
  const before = deal.valueScore;
  const formula = s.ctx.catalog.playbook.valueScore;
  const quoted = quotedTotal(s.analysis) !== undefined;
  if (!formula || (s.side !== 'customer' && !quoted)) return { before, after: before };
  const { score, terms } = valueScore(formula, {
    amount: deal.amount,
    customerMessages: deal.customerMessages,
    documentOpens: deal.documentOpens,
    buyingSignals: deal.buyingSignals,
    replyHours: replyHours(deal),
    postSale: postSaleOf(deal.valueTerms),
  });
  deal.valueScore = score;
  deal.valueTerms = terms;
  deal.dirty = true;
  return { before, after: score };
}
