/**
 * From probabilities to labels: per-action thresholds, then the conventions of ACTIONS.md that
 * hold between labels. Shared by the message path (./predict.ts) and the cross-validation in
 * scripts/train.ts, so the figures training reports are those of the code that runs.
 */
import { OBJECTION_TYPES } from '../../core/types.ts';
import type { ObjectionType } from '../../core/types.ts';
import { IDX, K } from './labels.ts';

/** The labels of one message: on[k] for each action, and the objection type when raised. */
export interface Decision {
  on: boolean[];
  objection: ObjectionType | undefined;
}

/**
 * Thresholds the calibrated probabilities (NaN, for an action the role cannot carry, is never
 * on; a precise rule's firing is already inside the calibrated probability) and applies: deal_won
 * and deal_lost exclude each other, and so do deal_lost and objection_raised (a final decision
 * against buying is deal_lost, not an objection), the surer one staying; every competitor objection also carries competitor_mentioned (and is only chosen
 * with some sign of a competitor). `objectionScores` is only called when needed.
 */
/**
 * A competitor objection needs some sign of a competitor: the competitor_mentioned probability
 * at least this (chosen by cross-validation: 0.15 beat 0, 0.3 and 0.5); else the next type.
 */
export const COMPETITOR_TYPE_FLOOR = 0.15;

export function decide(probs: ArrayLike<number>, thresholds: ArrayLike<number>, objectionScores: () => ArrayLike<number>): Decision {
  const on: boolean[] = new Array<boolean>(K);
  for (let k = 0; k < K; k++) on[k] = (probs[k] ?? NaN) >= (thresholds[k] ?? 1);
  // A message reports a deal won or a deal lost, never both (no corpus line has both): keep the
  // one the model is surer of.
  if (on[IDX.dealWon] && on[IDX.dealLost]) {
    const margin = (k: number): number => (probs[k] ?? 0) - (thresholds[k] ?? 0);
    if (margin(IDX.dealWon) >= margin(IDX.dealLost)) on[IDX.dealLost] = false;
    else on[IDX.dealWon] = false;
  }
  // A final decision against buying is deal_lost, not an objection: they exclude each other too,
  // and the surer one stays (a plain "太贵了" must not become a lost deal on a weak lost score).
  if (on[IDX.objectionRaised] && on[IDX.dealLost]) {
    const margin = (k: number): number => (probs[k] ?? 0) - (thresholds[k] ?? 0);
    if (margin(IDX.dealLost) >= margin(IDX.objectionRaised)) on[IDX.objectionRaised] = false;
    else on[IDX.dealLost] = false;
  }
  let objection: ObjectionType | undefined;
  if (on[IDX.objectionRaised]) {
    const scores = objectionScores();
    let best = -1;
    for (let o = 0; o < OBJECTION_TYPES.length; o++) {
      // A competitor objection rests on a competitor: without some sign of one, the next type.
      if (o === IDX.competitorObjection && !on[IDX.competitorMentioned] && (probs[IDX.competitorMentioned] ?? 0) < COMPETITOR_TYPE_FLOOR) continue;
      if (best < 0 || (scores[o] ?? -Infinity) > (scores[best] ?? -Infinity)) best = o;
    }
    objection = OBJECTION_TYPES[best] ?? 'price';
    if (objection === 'competitor') on[IDX.competitorMentioned] = true;
  }
  return { on, objection };
}
