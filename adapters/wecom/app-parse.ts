/**
 * Pure parser for the decrypted XML of a self-built app callback: a message from an employee to
 * the app (always a 1:1 chat) → InboundMessage, a template-card press → CardPress, any other
 * event → ignored with a reason.
 *
 * Formats: https://developer.work.weixin.qq.com/document/path/90239 (messages) and
 * https://developer.work.weixin.qq.com/document/path/90240 (events, incl. template_card_event).
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { parseCardValue } from '../../core/card-actions.ts';
import type { Attachment, CardPress, InboundMessage, MessageKind } from '../../core/types.ts';
import { wecomTime } from './time.ts';
import { invalidPayload } from './invalid.ts';
import { parseFlatXml, XmlError } from './xml.ts';

/** What one app callback amounts to. */
export type AppCallback = { type: 'message'; message: InboundMessage } | { type: 'press'; press: CardPress } | { type: 'ignored'; reason: string };

const common = z.object({
  ToUserName: z.string().min(1),
  FromUserName: z.string().min(1),
  CreateTime: z.string().regex(/^\d+$/, 'expected a Unix time'),
  MsgType: z.string().min(1),
});

const messageFields = common.extend({
  MsgId: z.string().min(1),
  Content: z.string().optional(),
  Recognition: z.string().optional(),
  Title: z.string().optional(),
  Description: z.string().optional(),
  Url: z.string().optional(),
  Label: z.string().optional(),
});

const eventFields = common.extend({ Event: z.string().min(1), EventKey: z.string().optional() });

const KINDS: Record<string, MessageKind> = {
  text: 'text',
  image: 'image',
  voice: 'voice',
  video: 'video',
  link: 'link',
  location: 'other',
};

/**
 * Parses the decrypted inner XML. Throws BAD_REQUEST naming the field when it is malformed; an
 * unknown message type is still a message (kind `other`), never an error.
 */
export function parseAppCallback(xml: string): AppCallback {
  let fields: Record<string, string>;
  try {
    fields = parseFlatXml(xml).fields;
  } catch (err) {
    if (err instanceof XmlError) throw new AppError('BAD_REQUEST', `invalid WeCom app callback XML: ${err.message}`);
    throw err;
  }
  if (fields.MsgType === 'event') return parseEvent(fields);

  const parsed = messageFields.safeParse(fields);
  if (!parsed.success) throw invalidPayload('WeCom app message', parsed.error);
  const f = parsed.data;
  // Own keys only: a MsgType like "constructor" must not find Object.prototype's.
  const kind = (Object.hasOwn(KINDS, f.MsgType) ? KINDS[f.MsgType] : undefined) ?? 'other';
  let text = '';
  const attachments: Attachment[] = [];
  if (kind === 'text') text = f.Content ?? '';
  // Voice carries WeCom's speech recognition only when the admin turned it on.
  else if (kind === 'voice') text = f.Recognition ?? '';
  else if (kind === 'link') {
    text = [f.Title, f.Description, f.Url].filter((s) => s !== undefined && s !== '').join('\n');
    if (f.Title) attachments.push({ name: f.Title, type: 'link' });
  } else if (f.MsgType === 'location') text = f.Label ?? '';

  return {
    type: 'message',
    message: {
      platform: 'wecom',
      messageId: f.MsgId,
      conversationId: f.FromUserName,
      chatType: 'single',
      direct: true,
      senderId: f.FromUserName,
      kind,
      text,
      attachments,
      sentAt: wecomTime(Number(f.CreateTime)),
      raw: xml,
    },
  };
}

function parseEvent(fields: Record<string, string>): AppCallback {
  const parsed = eventFields.safeParse(fields);
  if (!parsed.success) throw invalidPayload('WeCom app event', parsed.error);
  const f = parsed.data;
  if (f.Event !== 'template_card_event') return { type: 'ignored', reason: `event ${f.Event}` };
  const action = parseCardValue(f.EventKey ?? '');
  if (!action) return { type: 'ignored', reason: 'card press that is not one of our buttons' };
  return { type: 'press', press: { platform: 'wecom', senderId: f.FromUserName, action, at: wecomTime(Number(f.CreateTime)) } };
}
