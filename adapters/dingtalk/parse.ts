/**
 * Pure parsers from DingTalk Stream payloads to dealwise's model: a robot message becomes an
 * InboundMessage (or a card press when it is a button press sent back as chat text), an
 * interactive-card callback becomes a CardPress. No I/O, so recorded payloads test them.
 *
 * https://open.dingtalk.com/document/orgapp/receive-message
 */
import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { parseCardValue } from '../../core/card-actions.ts';
import type { Attachment, CardPress, InboundMessage, MessageKind } from '../../core/types.ts';
import { readFeedbackText } from './feedback-link.ts';
import {
  cardCallbackSchema,
  cardContentSchema,
  CONVERSATION_TYPES,
  mediaContentSchema,
  richTextContentSchema,
  robotMessageSchema,
  type RobotMessage,
} from './robot-message.ts';

/** Where to reply into the conversation a message came from, and until when. Never log `url`. */
export interface SessionWebhook {
  url: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** One robot message, parsed. */
export interface ParsedDingtalkMessage {
  /** The normalized message; its `raw` is the payload without the session webhook URL. */
  message: InboundMessage;
  /** Set when the message is a card button press: hand it to `sink.press`, not `sink.message`. */
  press: CardPress | null;
  /** The conversation's reply webhook when the payload carried one. */
  session: SessionWebhook | null;
}

/**
 * Parses a robot message (topic `/v1.0/im/bot/messages/get`), given as the frame's JSON `data`
 * string or as the decoded object. Unknown `msgtype`s become kind `other`; a payload missing the
 * fields every robot message has throws AppError BAD_REQUEST naming them.
 */
export function parseDingtalkMessage(data: unknown): ParsedDingtalkMessage {
  const input = decodeJson(data, 'robot message');
  const m = validate(robotMessageSchema, input, 'robot message');
  const { kind, text, attachments } = readBody(m);
  const senderId = m.senderStaffId ?? m.senderId;
  // A DingTalk user outside the robot's organisation has no staff id (or another corp id).
  const external = m.senderStaffId === undefined || (m.senderCorpId !== undefined && m.chatbotCorpId !== undefined && m.senderCorpId !== m.chatbotCorpId);
  const single = m.conversationType === CONVERSATION_TYPES.single;

  const message: InboundMessage = {
    platform: 'dingtalk',
    messageId: m.msgId,
    conversationId: m.conversationId,
    chatType: single ? 'single' : 'group',
    direct: single,
    senderId,
    kind,
    text,
    attachments,
    sentAt: new Date(m.createAt),
    raw: withoutWebhook(input),
  };
  if (m.conversationTitle) message.conversationTitle = m.conversationTitle;
  if (m.senderNick) message.senderName = m.senderNick;
  if (external) message.senderExternal = true;

  const pressed = kind === 'text' ? readFeedbackText(text) : null;
  const press: CardPress | null = pressed ? { platform: 'dingtalk', senderId, action: pressed, at: message.sentAt } : null;
  const session = m.sessionWebhook && m.sessionWebhookExpiredTime !== undefined ? { url: m.sessionWebhook, expiresAt: m.sessionWebhookExpiredTime } : null;
  return { message, press, session };
}

/**
 * Parses an interactive-card callback (topic `/v1.0/card/instances/callback`) into a press;
 * null when the pressed button does not carry one of our values. `stampedAt` is when DingTalk
 * stamped the frame (its `eventBornTime` or `time` header, ms): the callback body carries no time
 * of its own, and without one presses would be ordered by when dealwise got round to them, so an
 * earlier press handled late would undo a later one.
 * https://open.dingtalk.com/document/orgapp/event-callback-card
 */
export function parseDingtalkCardCallback(data: unknown, stampedAt?: string): CardPress | null {
  const cb = validate(cardCallbackSchema, decodeJson(data, 'card callback'), 'card callback');
  const content = validate(cardContentSchema, decodeJson(cb.content, 'card callback content'), 'card callback content');
  const params = content.cardPrivateData.params ?? {};
  // The button's params are either the value itself or carry it under `value`/`feedback`.
  const action = parseCardValue(params) ?? parseCardValue(params.value) ?? parseCardValue(params.feedback);
  if (!action) return null;
  const at = frameTime(stampedAt);
  return at ? { platform: 'dingtalk', senderId: cb.userId, action, at } : { platform: 'dingtalk', senderId: cb.userId, action };
}

/** A frame header's milliseconds since the epoch as a Date; undefined when absent or not a time. */
export function frameTime(header: string | undefined): Date | undefined {
  const ms = typeof header === 'string' && /^\d{1,16}$/.test(header) ? Number(header) : Number.NaN;
  const at = new Date(ms);
  return ms > 0 && Number.isFinite(at.getTime()) ? at : undefined;
}

function readBody(m: RobotMessage): { kind: MessageKind; text: string; attachments: Attachment[] } {
  switch (m.msgtype) {
    case 'text':
      return { kind: 'text', text: (m.text?.content ?? '').trim(), attachments: [] };
    case 'richText': {
      const runs = richTextContentSchema.safeParse(m.content);
      const parts = runs.success ? runs.data.richText : [];
      const text = parts
        .map((p) => p.text ?? '')
        .join('')
        .trim();
      const hasPicture = parts.some((p) => p.type === 'picture' || p.pictureDownloadCode !== undefined);
      // Text with pictures is still a text message to the analyzer; pictures alone are an image.
      return { kind: text === '' && hasPicture ? 'image' : 'text', text, attachments: [] };
    }
    case 'picture':
      return { kind: 'image', text: '', attachments: [] };
    case 'file': {
      const media = mediaContentSchema.safeParse(m.content);
      const name = media.success ? media.data.fileName : undefined;
      // The download code is how the robot fetches the file later (robot/messageFiles/download).
      const code = media.success ? media.data.downloadCode : undefined;
      return { kind: 'file', text: '', attachments: name ? [{ name, type: 'file', ...(code ? { fileRef: code } : {}) }] : [] };
    }
    case 'audio': {
      // DingTalk transcribes voice messages; the transcript is what the analyzer can read.
      const media = mediaContentSchema.safeParse(m.content);
      return { kind: 'voice', text: (media.success ? (media.data.recognition ?? '') : '').trim(), attachments: [] };
    }
    case 'video':
      return { kind: 'video', text: '', attachments: [] };
    default:
      return { kind: 'other', text: '', attachments: [] };
  }
}

function decodeJson(data: unknown, what: string): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    throw new AppError('BAD_REQUEST', `malformed DingTalk ${what}: not JSON`);
  }
}

function validate<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
  throw new AppError('BAD_REQUEST', `malformed DingTalk ${what}: ${issues.join('; ')}`, {
    details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** The payload as received minus the webhook URL, which works like a bearer token. */
function withoutWebhook(input: unknown): unknown {
  if (input === null || typeof input !== 'object') return input;
  const { sessionWebhook: _dropped, ...rest } = input as Record<string, unknown>;
  return rest;
}
