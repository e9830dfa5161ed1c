/**
 * Pure parsers from Feishu event payloads to the normalized model: `im.message.receive_v1` →
 * InboundMessage, `card.action.trigger` → CardPress. No I/O, so recorded fixtures test them.
 *
 * Event: https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/events/receive
 * Content per message type: https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/im-v1/message/events/message_content
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { parseCardValue } from '../../core/card-actions.ts';
import type { Attachment, CardPress, InboundMessage, MessageKind } from '../../core/types.ts';
import { unwrapButtonValue } from './encode.ts';

const userIdSchema = z.looseObject({
  open_id: z.string().optional(),
  union_id: z.string().optional(),
  user_id: z.string().nullish(),
});

/** The fields of `im.message.receive_v1` the parser relies on; anything else rides along in `raw`. */
export const feishuMessageEventSchema = z.looseObject({
  sender: z.looseObject({ sender_id: userIdSchema.optional(), sender_type: z.string().optional() }),
  message: z.looseObject({
    message_id: z.string().min(1),
    chat_id: z.string().min(1),
    chat_type: z.string(),
    message_type: z.string(),
    content: z.string(),
    create_time: z.string(),
  }),
});
export type FeishuMessageEvent = z.infer<typeof feishuMessageEventSchema>;

/** `card.action.trigger` (card JSON callback v2), as the SDK hands it to the handler. */
export const feishuCardActionSchema = z.looseObject({
  operator: userIdSchema,
  action: z.looseObject({ value: z.unknown(), tag: z.string().optional() }),
});

// The SDK flattens `{schema, header, event}` into one object before calling a handler; a
// recorded envelope is accepted too so fixtures can be stored exactly as Feishu sends them.
function unwrapEnvelope(input: unknown): unknown {
  if (input && typeof input === 'object' && 'schema' in input && 'event' in input) {
    return (input as { event: unknown }).event;
  }
  return input;
}

/**
 * The payload to keep as `raw`, minus the verification token: v2 events carry it in
 * `header.token`, and the SDK's flattened form at the top level. Raw payloads are persisted.
 */
function withoutToken(input: unknown): unknown {
  if (!input || typeof input !== 'object') return input;
  const { token: _token, ...rest } = input as Record<string, unknown>;
  const header = rest.header;
  if (header && typeof header === 'object') {
    const { token: _headerToken, ...h } = header as Record<string, unknown>;
    rest.header = h;
  }
  return rest;
}

function parseContent(content: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(content);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Removes the `@_user_1` / `@_all` placeholders Feishu puts where a mention was typed. */
export function stripMentions(text: string): string {
  return text
    .replace(/@_user_\d+|@_all\b/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

// A received post is `{title, content: [[run, …], …]}`; a sent one is wrapped in a locale key.
function postText(content: Record<string, unknown>): string {
  let body: Record<string, unknown> = content;
  if (!('content' in body) && !('title' in body)) {
    const locale = Object.values(body).find((v): v is Record<string, unknown> => !!v && typeof v === 'object');
    body = locale ?? {};
  }
  const lines: string[] = [];
  if (str(body.title)) lines.push(str(body.title));
  const paragraphs = Array.isArray(body.content) ? body.content : [];
  for (const paragraph of paragraphs) {
    if (!Array.isArray(paragraph)) continue;
    let line = '';
    for (const run of paragraph) {
      if (!run || typeof run !== 'object') continue;
      const { tag, text } = run as { tag?: unknown; text?: unknown };
      // Mentions (`at`), emoji, images and media carry no sales text.
      if (tag === 'text' || tag === 'a' || tag === 'md' || tag === 'code_block') line += str(text);
    }
    lines.push(line);
  }
  return lines.join('\n');
}

// A Map, not an object literal: a message_type like "constructor" must not hit the prototype.
const KIND_BY_TYPE = new Map<string, MessageKind>([
  ['text', 'text'],
  ['post', 'text'],
  ['file', 'file'],
  ['image', 'image'],
  ['sticker', 'sticker'],
  ['audio', 'voice'],
  ['media', 'video'],
  ['interactive', 'card'],
  ['share_chat', 'link'],
  ['share_user', 'link'],
]);

/**
 * `im.message.receive_v1` → InboundMessage. Non-text types (image, sticker, audio, media…) become
 * their kind with empty text; unknown types become `other`. Throws BAD_REQUEST only when the
 * event lacks what every message has (ids, chat type, sender).
 */
export function parseFeishuMessage(event: unknown): InboundMessage {
  const parsed = feishuMessageEventSchema.safeParse(unwrapEnvelope(event));
  if (!parsed.success) {
    throw new AppError('BAD_REQUEST', `malformed im.message.receive_v1 event: ${parsed.error.issues[0]?.path.join('.') ?? '?'}`);
  }
  const { sender, message } = parsed.data;
  const senderId = sender.sender_id?.open_id ?? sender.sender_id?.union_id ?? sender.sender_id?.user_id ?? '';
  if (!senderId) throw new AppError('BAD_REQUEST', 'im.message.receive_v1 event without a sender id');

  const content = parseContent(message.content);
  const kind = KIND_BY_TYPE.get(message.message_type) ?? 'other';
  let text = '';
  const attachments: Attachment[] = [];
  if (message.message_type === 'text') text = stripMentions(str(content.text));
  else if (message.message_type === 'post') text = stripMentions(postText(content));
  else if (message.message_type === 'file' && str(content.file_name)) {
    // The file key (with the message id) is how the bot downloads the file later.
    attachments.push({ name: str(content.file_name), type: 'file', ...(str(content.file_key) ? { fileRef: str(content.file_key) } : {}) });
  } else if (message.message_type === 'media' && str(content.file_name)) attachments.push({ name: str(content.file_name), type: 'video' });

  const sentMs = Number(message.create_time);
  const chatType = message.chat_type === 'p2p' ? 'single' : 'group';
  return {
    platform: 'feishu',
    messageId: message.message_id,
    conversationId: message.chat_id,
    chatType,
    direct: chatType === 'single',
    senderId,
    kind,
    text,
    attachments,
    sentAt: Number.isFinite(sentMs) && sentMs > 0 ? new Date(sentMs) : new Date(),
    raw: withoutToken(event),
  };
}

/**
 * `card.action.trigger` → CardPress, or null when the pressed button is not one of ours (a
 * foreign card, a forged value).
 * https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/feishu-cards/card-callback-communication
 */
export function parseFeishuCardAction(event: unknown): CardPress | null {
  const parsed = feishuCardActionSchema.safeParse(unwrapEnvelope(event));
  if (!parsed.success) return null;
  const senderId = parsed.data.operator.open_id;
  const action = parseCardValue(unwrapButtonValue(parsed.data.action.value));
  if (!senderId || !action) return null;
  const at = eventTime(event);
  return at ? { platform: 'feishu', senderId, action, at } : { platform: 'feishu', senderId, action };
}

/**
 * When Feishu says the event happened: `header.create_time` (ms), which the SDK flattens to the
 * top level. A press carries it so a redelivered older press never undoes a newer one.
 */
function eventTime(input: unknown): Date | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const o = input as { create_time?: unknown; header?: { create_time?: unknown } };
  const raw = o.header && typeof o.header === 'object' ? o.header.create_time : o.create_time;
  const ms = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  const at = new Date(ms);
  return ms > 0 && Number.isFinite(at.getTime()) ? at : undefined;
}
