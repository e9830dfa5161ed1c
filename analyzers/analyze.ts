/**
 * The rules-only analyzer: one message in, its key actions out (ACTIONS.md), from `ruleHits`
 * alone. The loop uses ./index.ts, the trained classifier that takes these rule hits as features;
 * this stays as the baseline `npm run eval -- --rules` measures.
 */
import { ACTION_KINDS } from '../core/types.ts';
import type { ActionKind, AnalyzerInput, DetectedAction } from '../core/types.ts';
import { ruleHits } from './rules/index.ts';
import type { RuleHit } from './rules/index.ts';

export { ruleHits } from './rules/index.ts';
export type { RuleHit } from './rules/index.ts';

const ORDER = new Map<ActionKind, number>(ACTION_KINDS.map((k, i) => [k, i]));
const WON_BUYING = /\.(?:implementation|invoice_payment)$/;

/** Folds the hits of one kind into one action: the best hit's confidence, attributes from the best hit that has each. */
function merge(kind: ActionKind, hits: RuleHit[]): DetectedAction {
  // Sorted by confidence, ties by rule order, so the most precise rule names the objection type.
  hits.sort((a, b) => b.confidence - a.confidence);
  const top = hits[0];
  const action: DetectedAction = { kind, confidence: top ? top.confidence : 0 };
  for (const h of hits) {
    if (action.objection === undefined && h.objection !== undefined) action.objection = h.objection;
    if (action.materialType === undefined && h.materialType !== undefined) action.materialType = h.materialType;
    if (action.amount === undefined && h.amount !== undefined) action.amount = h.amount;
    if (action.competitor === undefined && h.competitor !== undefined) action.competitor = h.competitor;
  }
  return action;
}

/**
 * The key actions in one message: at most one per kind, in catalogue order, each with a
 * confidence in 0..1 and its attributes (objection, amount, materialType, competitor).
 */
export function analyzeRules(input: AnalyzerInput): DetectedAction[] {
  const hits = ruleHits(input);
  if (hits.length === 0) return [];
  const byKind = new Map<ActionKind, RuleHit[]>();
  for (const h of hits) {
    const list = byKind.get(h.kind);
    if (list) list.push(h);
    else byKind.set(h.kind, [h]);
  }
  // A final decision against buying is deal_lost, not an objection (ACTIONS.md).
  if (byKind.has('deal_lost')) byKind.delete('objection_raised');
  // With deal_won, buying_signal stays only for an implementation or invoicing ask (ACTIONS.md).
  const buying = byKind.get('buying_signal');
  if (buying && byKind.has('deal_won') && !buying.some((h) => WON_BUYING.test(h.id))) byKind.delete('buying_signal');
  const out: DetectedAction[] = [];
  for (const [kind, list] of byKind) out.push(merge(kind, list));
  out.sort((a, b) => (ORDER.get(a.kind) ?? 0) - (ORDER.get(b.kind) ?? 0));
  return out;
}

/** The rules-only analyzer under its old name (./index.ts exports the classifier as `analyze`). */
export const analyze = analyzeRules;
