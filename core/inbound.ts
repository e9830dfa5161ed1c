/**
 * The last check before a message is stored, the same whatever brought it: every id, name and
 * text storable and within bounds, the time plausible. Adapters parse; this decides what is
 * refused, so no path can slip a message past it.
 */
import { AppError } from './errors.ts';
import { checkDate, checkText } from './text.ts';
import type { InboundMessage } from './types.ts';

const ID_MAX = 256;
const NAME_MAX = 256;
const MAX_ATTACHMENTS = 20;

/** Throws BAD_REQUEST naming the first field that is not acceptable. */
export function checkInbound(msg: InboundMessage, maxText: number, now = Date.now()): void {
  for (const field of ['messageId', 'conversationId', 'senderId'] as const) {
    if (msg[field] === '') throw new AppError('BAD_REQUEST', `${field} is empty`);
    checkText(field, msg[field], ID_MAX);
  }
  if (msg.senderName !== undefined) checkText('senderName', msg.senderName, NAME_MAX);
  if (msg.conversationTitle !== undefined) checkText('conversationTitle', msg.conversationTitle, NAME_MAX);
  checkText('text', msg.text, maxText);
  if (msg.attachments.length > MAX_ATTACHMENTS) throw new AppError('BAD_REQUEST', `more than ${MAX_ATTACHMENTS} attachments`);
  for (const [i, a] of msg.attachments.entries()) {
    checkText(`attachments[${i}].name`, a.name, NAME_MAX);
    if (a.type !== undefined) checkText(`attachments[${i}].type`, a.type, NAME_MAX);
  }
  checkDate('sentAt', msg.sentAt, now);
}
