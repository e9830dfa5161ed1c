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
 * and deal_lost exclude each other; a final decision against buying is deal_lost, not an
 * objection; every competitor objection also carries competitor_mentioned. `objectionType` is
 * only called when needed.
 */
export function decide(probs: ArrayLike<number>, thresholds: ArrayLike<number>, objectionType: () => number): Decision {
  const on: boolean[] = new Array<boolean>(K);
  for (let k = 0; k < K; k++) on[k] = (probs[k] ?? NaN) >= (thresholds[k] ?? 1);
  // A message reports a deal won or a deal lost, never both (no corpus line has both): keep the
  // one the model is surer of.
  if (on[IDX.dealWon] && on[IDX.dealLost]) {
    const margin = (k: number): number => (probs[k] ?? 0) - (thresholds[k] ?? 0);
    if (margin(IDX.dealWon) >= margin(IDX.dealLost)) on[IDX.dealLost] = false;
    else on[IDX.dealWon] = false;
  }
  let objection: ObjectionType | undefined;
  if (on[IDX.objectionRaised]) {
    if (on[IDX.dealLost]) on[IDX.objectionRaised] = false;
    else {
      objection = OBJECTION_TYPES[objectionType()] ?? 'price';
      if (objection === 'competitor') on[IDX.competitorMentioned] = true;
    }
  }
  return { on, objection };
}
