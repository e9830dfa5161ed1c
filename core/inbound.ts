/**
 * The last check before a message is stored, the same whatever brought it: every id, name and
 * text storable and within bounds, the time plausible. Adapters parse; this decides what is
 * refused, so no path can slip a message past it.
 */
import { AppError } from './errors.ts';
import { checkDate, checkText } from './text.ts';
import { type CardPress, type InboundMessage, MESSAGE_KINDS } from './types.ts';

const ID_MAX = 256;
const NAME_MAX = 256;
const MAX_ATTACHMENTS = 20;
/** A platform's handle to a file (a DingTalk download code is the longest, a few hundred characters). */
const FILE_REF_MAX = 2048;

/** Throws BAD_REQUEST naming the first field that is not acceptable. */
export function checkInbound(msg: InboundMessage, maxText: number, now = Date.now()): void {
  for (const field of ['messageId', 'conversationId', 'senderId'] as const) {
    if (msg[field] === '') throw new AppError('BAD_REQUEST', `${field} is empty`);
    checkText(field, msg[field], ID_MAX);
  }
  if (msg.senderName !== undefined) checkText('senderName', msg.senderName, NAME_MAX);
  if (msg.conversationTitle !== undefined) checkText('conversationTitle', msg.conversationTitle, NAME_MAX);
  checkText('text', msg.text, maxText);
  if (!(MESSAGE_KINDS as readonly string[]).includes(msg.kind)) throw new AppError('BAD_REQUEST', 'kind is not a known message kind');
  if (msg.attachments.length > MAX_ATTACHMENTS) throw new AppError('BAD_REQUEST', `more than ${MAX_ATTACHMENTS} attachments`);
  for (const [i, a] of msg.attachments.entries()) {
    checkText(`attachments[${i}].name`, a.name, NAME_MAX);
    if (a.fileRef !== undefined) checkText(`attachments[${i}].fileRef`, a.fileRef, FILE_REF_MAX);
    if (a.type !== undefined) checkText(`attachments[${i}].type`, a.type, NAME_MAX);
  }
  checkDate('sentAt', msg.sentAt, now);
}

/** The same for a card press: who pressed and the ids it names, before any of them reaches a query. */
export function checkPress(press: CardPress, now = Date.now()): void {
  if (press.senderId === '') throw new AppError('BAD_REQUEST', 'senderId is empty');
  checkText('senderId', press.senderId, ID_MAX);
  const a = press.action;
  if (a.kind === 'feedback') checkText('nudgeId', a.nudgeId, ID_MAX);
  else checkText('confirmationId', a.confirmationId, ID_MAX);
  // The platform's own time orders presses (and is stored as the feedback time): bounded like a message's.
  if (press.at !== undefined) checkDate('the press time', press.at, now);
}
