/**
 * A message's effect on its deal's stage: a rep's first message makes a lead contacted; an action
 * moves the deal forward when the move holds (a precise close, a confident jump) and otherwise
 * asks the owner; a closed deal stays closed unless its owner reopens it when the customer comes
 * back with buying intent.
 */
import { newId } from '../../core/ids.ts';
import type { MessageStep } from '../analysis/engine.ts';
import { cancelDealTimers, cancelOutOfStage } from '../coaching/timers.ts';
import { askOwner } from './confirm-card.ts';
import { firstContactStage, linkStage, movesWithoutAsking } from './stages.ts';

/** Customer actions that show intent to buy again. */
const COMEBACK = new Set(['buying_signal', 'price_inquiry', 'meeting_scheduled', 'next_step_agreed']);

/** Handles the stage; returns the closed stage the deal just reached, if it closed now. */
export function handleStage(s: MessageStep): 'won' | 'lost' | null {
  const { deal, ctx } = s;
  const funnel = ctx.catalog.playbook.funnel;
  if (deal.status !== 'open') {
    // A lost customer coming back is worth a question; a won one asking about go-live is onboarding.
    if (deal.status === 'lost' && s.side === 'customer' && s.analysis.actions.some((a) => COMEBACK.has(a.kind))) {
      askOwner(s, { kind: 'reopen', toStage: null, actionId: null, question: '客户又有购买意向了，重新打开这个商机？' });
    }
    return null;
  }
  if (s.side === 'rep') {
    const to = firstContactStage(funnel, deal.stage);
    if (to) moveTo(s, to, null);
  }
  const move = linkStage(funnel, deal.stage, s.analysis.actions);
  if (!move) return null;
  const action = s.analysis.actions[move.actionIndex]!;
  const actionId = s.actionIds[move.actionIndex]!;
  if (!movesWithoutAsking(funnel, move, action)) {
    // A close the owner must confirm does not hold back what else the message shows: 「老板同意了，
    // 合同流程怎么走？」 is a sure buying signal and an unsure win. The furthest open stage it
    // reaches is taken when that move holds on its own, and the close is asked about.
    if (funnel.closed.includes(move.to)) {
      const open = linkStage(funnel, deal.stage, s.analysis.actions, { openOnly: true });
      if (open && movesWithoutAsking(funnel, open, s.analysis.actions[open.actionIndex]!)) moveTo(s, open.to, s.actionIds[open.actionIndex]!);
    }
    askOwner(s, { kind: 'stage', toStage: move.to, actionId, question: `标记为「${ctx.catalog.stageLabel(move.to)}」？` });
    return null;
  }
  moveTo(s, move.to, actionId);
  if (move.to === ctx.catalog.wonStage) return 'won';
  if (move.to === ctx.catalog.lostStage) return 'lost';
  return null;
}

function moveTo(s: MessageStep, to: string, actionId: string | null): void {
  const { deal, msg, ctx } = s;
  s.w.stageChanges.push({
    id: newId(),
    opportunity_id: deal.id,
    from_stage: deal.stage,
    to_stage: to,
    action_id: actionId,
    message_id: msg.id,
    source: 'auto',
    by_person_id: null,
    at: msg.sentAt.toISOString(),
  });
  deal.stage = to;
  deal.stageAt = msg.sentAt;
  deal.dirty = true;
  cancelOutOfStage(s.st, deal.id, ctx.catalog.playbook.rules, to, msg.sentAt);
  if (to === ctx.catalog.wonStage || to === ctx.catalog.lostStage) {
    deal.status = to === ctx.catalog.wonStage ? 'won' : 'lost';
    deal.closedAt = msg.sentAt;
    cancelDealTimers(s.st, deal.id, msg.sentAt);
    // An open question about the stage is moot once the deal closed on its own.
    for (const c of s.st.confirmations.get(deal.id) ?? []) {
      if (c.status === 'pending' && c.kind !== 'name') {
        c.status = 'superseded';
        s.w.supersede.push(c.id);
      }
    }
  }
}
