/**
 * A customer conversation's deal: opened by its first analysed message and starting then (an
 * import of last year's chat starts last year), named from the chat's title or an organisation
 * the chat names; never from a chat id.
 */
import { newId } from '../../core/ids.ts';
import type { AnalysisContext, MessageStep } from '../analysis/engine.ts';
import type { BatchState, ConversationState, DealState, PendingMessage } from '../analysis/state.ts';
import { organisationIn } from './naming.ts';

export function ensureDeal(ctx: AnalysisContext, st: BatchState, conv: ConversationState, msg: PendingMessage): DealState {
  const existing = conv.opportunityId ? st.deals.get(conv.opportunityId) : undefined;
  if (existing) return existing;
  const first = ctx.catalog.playbook.funnel.stages[0]!;
  const deal: DealState = {
    id: newId(),
    name: conv.title,
    namedBy: conv.title ? 'title' : null,
    ownerId: null,
    stage: first,
    stageAt: msg.sentAt,
    status: 'open',
    closedAt: null,
    amount: null,
    valueScore: 0,
    valueTerms: {},
    createdAt: msg.sentAt,
    updatedAt: ctx.now,
    customerMessages: 0,
    buyingSignals: 0,
    replyHoursSum: 0,
    replyCount: 0,
    awaitingReplySince: null,
    lastCustomerAt: null,
    lastRepAt: null,
    contactName: null,
    contacts: [],
    touches: 0,
    touchesDay: null,
    meetingAt: null,
    meetingType: null,
    documentOpens: 0,
    actionKinds: [],
    isNew: true,
    dirty: true,
  };
  st.deals.set(deal.id, deal);
  conv.opportunityId = deal.id;
  conv.dirty = true;
  return deal;
}

/** Names an unnamed deal from the chat's title, else from an organisation a message names. */
export function nameDeal(s: MessageStep): void {
  const { deal, conv } = s;
  if (deal.name && deal.namedBy !== 'mention') return;
  if (conv.title && deal.namedBy !== 'title') {
    deal.name = conv.title;
    deal.namedBy = 'title';
    deal.dirty = true;
    return;
  }
  if (deal.name) return;
  const org = organisationIn(s.msg.text);
  if (org) {
    deal.name = org;
    deal.namedBy = 'mention';
    deal.dirty = true;
  }
}
