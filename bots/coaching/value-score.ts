/**
 * The customer value score: a configurable formula (playbooks.yaml `valueScore`) over the deal's
 * amount, the customer's engagement (messages and opens of the tracked documents shared with
 * them), buying signals and responsiveness. Pure: its inputs are the
 * counters kept on the deal row, so rescoring never scans the deal's messages.
 */
import type { ValueScoreFormula } from '../catalog/schema.ts';

export interface ScoreInputs {
  amount: number | null;
  customerMessages: number;
  /** Opens of the deal's tracked documents: each counts in engagement like a customer message. */
  documentOpens?: number;
  buyingSignals: number;
  /** Average hours the customer took to answer a rep message, null when never. */
  replyHours: number | null;
  /**
   * The post-sale terms (payment, referral, ticket, renewal) in points, as the deal's events set
   * them (bots/deals/deal-events.ts): added to the score, negative for late payments and tickets.
   */
  postSale?: Readonly<Record<string, number>>;
}

/** The terms the deal's post-sale events set; a rescore on a message keeps them as they were. */
export const POST_SALE_TERMS = ['payment', 'referral', 'ticket', 'renewal'] as const;

/** The post-sale terms among a deal's last computed terms. */
export function postSaleOf(terms: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of POST_SALE_TERMS) if (typeof terms[k] === 'number') out[k] = terms[k];
  return out;
}

/** The score 0–100 and each term's points, so a manager sees what moved it. */
export function valueScore(f: ValueScoreFormula, x: ScoreInputs): { score: number; terms: Record<string, number> } {
  const w = f.weights;
  const total = w.amount + w.engagement + w.buyingSignals + w.responsiveness;
  if (total === 0) return { score: 0, terms: {} };
  const part = (v: number) => Math.max(0, Math.min(1, v));
  const responsiveness = x.replyHours === null ? 0 : part((24 - x.replyHours) / (24 - Math.min(f.responsiveFullHours, 23.9)));
  const points = (weight: number, share: number) => Math.round((1000 * weight * share) / total) / 10;
  const terms: Record<string, number> = {
    amount: points(w.amount, part((x.amount ?? 0) / f.amountFull)),
    engagement: points(w.engagement, part((x.customerMessages + (x.documentOpens ?? 0)) / f.engagementFull)),
    buyingSignals: points(w.buyingSignals, part(x.buyingSignals / f.buyingSignalsFull)),
    responsiveness: points(w.responsiveness, responsiveness),
  };
  for (const [k, v] of Object.entries(x.postSale ?? {})) if (v !== 0) terms[k] = v;
  const sum = Object.values(terms).reduce((s, v) => s + v, 0);
  return { score: Math.max(0, Math.min(100, Math.round(sum))), terms };
}
