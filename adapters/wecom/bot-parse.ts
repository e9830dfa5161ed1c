/**
 * Pure parsers for the intelligent bot's long-connection callbacks: `aibot_msg_callback` bodies
 * to InboundMessage, and `aibot_event_callback` template-card presses to CardPress.
 *
 * Wire shapes: https://developer.work.weixin.qq.com/document/path/100719 (receive messages) and
 * https://developer.work.weixin.qq.com/document/path/101027 (receive events), as typed by
 * `@wecom/aibot-node-sdk` 1.0.7 (`BaseMessage`, `EventMessage`).
 */
import { z } from 'zod';
import { parseCardValue } from '../../core/card-actions.ts';
import type { Attachment, CardPress, InboundMessage, MessageKind } from '../../core/types.ts';
import { invalidPayload } from './invalid.ts';
import { wecomTime } from './time.ts';

const botMessageSchema = z
  .object({
    msgid: z.string().min(1),
    chatid: z.string().min(1).optional(),
    chattype: z.enum(['single', 'group']),
    from: z.object({ userid: z.string().min(1) }),
    create_time: z.number().optional(),
    msgtype: z.string().min(1),
    text: z.object({ content: z.string() }).optional(),
    voice: z.object({ content: z.string().optional() }).optional(),
    file: z.object({ url: z.string().min(1), aeskey: z.string().min(1).optional() }).optional(),
    mixed: z.object({ msg_item: z.array(z.object({ msgtype: z.string(), text: z.object({ content: z.string() }).optional() })) }).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.chattype === 'group' && b.chatid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['chatid'], message: 'required for a group chat' });
    }
  });

const NON_TEXT: Record<string, MessageKind> = { image: 'image', file: 'file', video: 'video', voice: 'voice' };

/**
 * An `aibot_msg_callback` body → InboundMessage. Any msgtype parses: non-text kinds carry empty
 * text (voice carries WeCom's transcription), unknown ones become kind `other`. Throws
 * BAD_REQUEST only when the envelope itself (msgid, chattype, from.userid) is malformed.
 */
export function parseBotMessage(body: unknown): InboundMessage {
  const parsed = botMessageSchema.safeParse(body);
  if (!parsed.success) throw invalidPayload('WeCom bot message', parsed.error);
  const b = parsed.data;
  const group = b.chattype === 'group';

  let kind: MessageKind;
  let text = '';
  // The bot's image/file/video callbacks carry only an encrypted URL, no file name. A file's URL
  // and key are kept as its reference, so the bot can fetch a rep's PDF later (within the five
  // minutes the URL lives); images and videos are not kept.
  const attachments: Attachment[] = [];
  if (b.msgtype === 'file' && b.file) attachments.push({ name: '', type: 'file', fileRef: botFileRef(b.file) });
  if (b.msgtype === 'text') {
    kind = 'text';
    text = b.text?.content ?? '';
  } else if (b.msgtype === 'mixed') {
    const texts = (b.mixed?.msg_item ?? []).flatMap((i) => (i.msgtype === 'text' && i.text ? [i.text.content] : []));
    kind = texts.length > 0 ? 'text' : 'image';
    text = texts.join('\n');
  } else {
    // Own keys only: a msgtype like "constructor" must not find Object.prototype's.
    kind = (Object.hasOwn(NON_TEXT, b.msgtype) ? NON_TEXT[b.msgtype] : undefined) ?? 'other';
    if (kind === 'voice') text = b.voice?.content ?? '';
  }

  return {
    platform: 'wecom',
    messageId: b.msgid,
    // Groups are keyed by chat id; a 1:1 chat with the bot has none, the user is the conversation.
    conversationId: group && b.chatid !== undefined ? b.chatid : b.from.userid,
    chatType: b.chattype,
    direct: !group,
    senderId: b.from.userid,
    kind,
    text,
    attachments,
    sentAt: wecomTime(b.create_time),
    raw: body,
  };
}

const cardEventSchema = z.object({
  from: z.object({ userid: z.string().min(1) }),
  event: z.object({
    eventtype: z.literal('template_card_event'),
    // The documented wire nests the press under the event type's name; SDK 1.0.7's
    // `TemplateCardEventData` types it flat on `event`. Both are read, nested first.
    template_card_event: z.object({ event_key: z.string().optional(), task_id: z.string().optional() }).optional(),
    event_key: z.string().optional(),
  }),
});

/** The key of the pressed button and who pressed it, or null when the body is not a card press. */
export function readCardEvent(body: unknown): { eventKey: string; userId: string; taskId?: string } | null {
  const parsed = cardEventSchema.safeParse(body);
  if (!parsed.success) return null;
  const { event, from } = parsed.data;
  const eventKey = event.template_card_event?.event_key ?? event.event_key;
  if (eventKey === undefined) return null;
  const taskId = event.template_card_event?.task_id;
  return taskId === undefined ? { eventKey, userId: from.userid } : { eventKey, userId: from.userid, taskId };
}

/**
 * An `aibot_event_callback` template_card_event body → CardPress, or null when the press is
 * not one of our buttons (another card, a forged key).
 */
export function parseBotCardEvent(body: unknown): CardPress | null {
  const press = readCardEvent(body);
  if (!press) return null;
  const action = parseCardValue(press.eventKey);
  if (!action) return null;
  // When the press happened, so a redelivered older press never undoes a newer one.
  const created = (body as { create_time?: unknown }).create_time;
  const at = typeof created === 'number' && created > 0 ? wecomTime(created) : null;
  return at && Number.isFinite(at.getTime())
    ? { platform: 'wecom', senderId: press.userId, action, at }
    : { platform: 'wecom', senderId: press.userId, action };
}

/**
 * A bot file callback's download URL and AES key as one attachment reference. The URL expires
 * five minutes after the callback and the key opens only that file.
 */
export function botFileRef(file: { url: string; aeskey?: string | undefined }): string {
  return JSON.stringify({ bot: file.url, ...(file.aeskey ? { aeskey: file.aeskey } : {}) });
}

/** The URL and key of `botFileRef`, or null when `ref` is not one (another adapter's reference). */
export function readBotFileRef(ref: string): { url: string; aeskey?: string } | null {
  if (!ref.startsWith('{')) return null;
  try {
    const v = JSON.parse(ref) as { bot?: unknown; aeskey?: unknown };
    if (typeof v.bot !== 'string' || !/^https?:\/\//.test(v.bot)) return null;
    return typeof v.aeskey === 'string' ? { url: v.bot, aeskey: v.aeskey } : { url: v.bot };
  } catch {
    return null;
  }
}
