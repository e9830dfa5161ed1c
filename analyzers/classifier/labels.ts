/**
 * The label space of the classifier: the 14 actions and 6 objection types of ACTIONS.md, and
 * which role may carry each action (R, C or E), so a rep is never given a customer-only label.
 */
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import type { ActionKind, AnalyzerRole } from '../../core/types.ts';

export const K = ACTION_KINDS.length;
export const OBJ = OBJECTION_TYPES.length;

/** Labels only a rep can carry (R in ACTIONS.md); the corpus schema checks the same list. */
export const REP_ONLY: readonly ActionKind[] = ['quote_sent', 'proposal_sent', 'material_sent', 'contract_sent', 'objection_handled', 'follow_up'];
/** Labels only a customer can carry (C in ACTIONS.md). */
export const CUSTOMER_ONLY: readonly ActionKind[] = ['price_inquiry', 'objection_raised', 'buying_signal'];

/** ALLOWED[role][k]: whether action k can be said by `role`. */
export const ALLOWED: Record<AnalyzerRole, readonly boolean[]> = {
  rep: ACTION_KINDS.map((k) => !CUSTOMER_ONLY.includes(k)),
  customer: ACTION_KINDS.map((k) => !REP_ONLY.includes(k)),
};

export const KIND_INDEX = new Map<ActionKind, number>(ACTION_KINDS.map((k, i) => [k, i]));
export const IDX = {
  objectionRaised: ACTION_KINDS.indexOf('objection_raised'),
  competitorMentioned: ACTION_KINDS.indexOf('competitor_mentioned'),
  dealLost: ACTION_KINDS.indexOf('deal_lost'),
  dealWon: ACTION_KINDS.indexOf('deal_won'),
  buyingSignal: ACTION_KINDS.indexOf('buying_signal'),
  competitorObjection: OBJECTION_TYPES.indexOf('competitor'),
};
