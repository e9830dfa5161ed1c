/**
 * The running counters a deal keeps as its messages are analysed: what the value score reads
 * (customer messages, buying signals, reply times, amount) and what compliance reads (the rep's
 * touches the customer has not answered, today). Kept on the deal row so nothing scans history.
 */
import type { MessageAnalysis } from '../../core/types.ts';
import { dayKey } from '../../core/zoned-time.ts';
import type { DealState, PendingMessage } from '../analysis/state.ts';

/** Customer actions that count as engagement toward a purchase. */
const BUYING = new Set(['buying_signal', 'next_step_agreed', 'meeting_scheduled', 'deal_won']);
const MAX_CONTACTS = 50;

/**
 * Counts one message; returns whether it was a touch: a rep message while the customer has not
 * answered the rep's previous one (answering the customer is not a touch).
 */
export function countMessage(deal: DealState, msg: PendingMessage, side: 'rep' | 'customer', analysis: MessageAnalysis, timeZone: string): { touch: boolean } {
  deal.dirty = true;
  if (side === 'customer') {
    deal.customerMessages++;
    if (analysis.actions.some((a) => BUYING.has(a.kind))) deal.buyingSignals++;
    if (deal.awaitingReplySince) {
      const hours = (msg.sentAt.getTime() - deal.awaitingReplySince.getTime()) / 3_600_000;
      if (hours >= 0) {
        deal.replyHoursSum += hours;
        deal.replyCount++;
      }
      deal.awaitingReplySince = null;
    }
    deal.touches = 0;
    if (!deal.lastCustomerAt || msg.sentAt > deal.lastCustomerAt) deal.lastCustomerAt = msg.sentAt;
    if (!deal.contacts.includes(msg.senderId) && deal.contacts.length < MAX_CONTACTS) deal.contacts = [...deal.contacts, msg.senderId];
    if (msg.senderName) deal.contactName = msg.senderName;
    return { touch: false };
  }
  const day = dayKey(msg.sentAt, timeZone);
  if (deal.touchesDay !== day) {
    deal.touches = 0;
    deal.touchesDay = day;
  }
  const touch = deal.awaitingReplySince !== null;
  if (touch) deal.touches++;
  deal.awaitingReplySince ??= msg.sentAt;
  if (!deal.lastRepAt || msg.sentAt > deal.lastRepAt) deal.lastRepAt = msg.sentAt;
  const quoted = quotedTotal(analysis);
  if (quoted !== undefined) deal.amount = quoted;
  return { touch };
}

/**
 * The amount a rep's quote puts on the deal: a total, never a unit price (每天不到 3 元 after a
 * 48 万 quote would make the deal worth 3 yuan).
 */
export const quotedTotal = (analysis: MessageAnalysis): number | undefined =>
  analysis.actions.find((a) => a.kind === 'quote_sent' && a.amount !== undefined && a.perUnit !== true)?.amount;

export const replyHours = (deal: DealState): number | null => (deal.replyCount === 0 ? null : deal.replyHoursSum / deal.replyCount);
