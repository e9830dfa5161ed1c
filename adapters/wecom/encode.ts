/**
 * Encoders: OutboundMessage → the WeCom payload, for the intelligent bot (`aibot_send_msg` body)
 * and for a self-built app (`/cgi-bin/message/send` body). Pure functions; the adapters send.
 *
 * A card with buttons (a nudge, a confirmation) becomes its text as markdown, then a small
 * `button_interaction` template card with only the title and the buttons: a template card's
 * sub-title cuts long text, and a nudge's talk-tracks must arrive whole. The button keys are our
 * button values verbatim, so a press comes back as the event key and parses with parseCardValue.
 * Markdown longer than a channel takes is split between lines, never inside a talk-track. A card
 * without buttons is markdown only: WeCom's `text_notice` card requires a `card_action` URL.
 */
import { createHash } from 'node:crypto';
import type { SendMsgBody, TemplateCard } from '@wecom/aibot-node-sdk';
import { AppError } from '../../core/errors.ts';
import type { OutboundMessage } from '../../core/types.ts';

/** aibot markdown: "最长不超过20480个字节" (aibot_send_msg). */
export const BOT_MARKDOWN_MAX_BYTES = 20_480;
/** App text and markdown: WeCom cuts past 2,048 bytes, possibly mid-character; we cut cleanly. */
export const APP_TEXT_MAX_BYTES = 2_048;
/** Both card APIs: "button_list 列表长度不超过6", key "最长支持1024字节". */
const MAX_BUTTONS = 6;
/** A template card's main title: "建议不超过26个字" — kept within 26 characters of 3 bytes. */
const CARD_TITLE_MAX_BYTES = 78;
const MAX_KEY_BYTES = 1_024;

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a character, marking the cut. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const mark = '…';
  const budget = maxBytes - Buffer.byteLength(mark, 'utf8');
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > budget) break;
    out += ch;
    used += n;
  }
  return out + mark;
}

/**
 * A card's task_id: WeCom requires one per button card, unique per bot/app, made of
 * `[A-Za-z0-9_-@]` and at most 128 bytes. Derived from the idempotency key so a retry of the same
 * logical message reuses it (WeCom then refuses the second copy rather than showing two cards).
 */
export function taskIdFor(idempotencyKey: string): string {
  return `dw-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/**
 * A template card's text fields are plain text (二级普通文本): markdown emphasis would show as
 * literal asterisks, so paired `**` markers are dropped and their words kept.
 */
export function plainText(s: string): string {
  return s.replace(/\*\*([^*\n]+?)\*\*/g, '$1');
}

function markdownOf(title: string, text: string): string {
  return title.trim() === '' ? text : `**${title}**\n${text}`;
}

/** Splits markdown into pieces of at most `maxBytes`, between lines (a longer line is cut cleanly). */
export function splitMarkdown(s: string, maxBytes: number): string[] {
  const out: string[] = [];
  let piece = '';
  for (const line of s.split('\n')) {
    const candidate = piece === '' ? line : `${piece}\n${line}`;
    if (Buffer.byteLength(candidate, 'utf8') <= maxBytes) {
      piece = candidate;
      continue;
    }
    if (piece !== '') out.push(piece);
    piece = truncateUtf8(line, maxBytes);
  }
  if (piece !== '') out.push(piece);
  return out;
}

/** The small card that carries a message's buttons (its text went as markdown before it). */
export function buttonCard(msg: Extract<OutboundMessage, { type: 'card' }>, idempotencyKey: string): TemplateCard {
  if (msg.buttons.length > MAX_BUTTONS) {
    throw new AppError('BAD_REQUEST', `a WeCom card holds at most ${MAX_BUTTONS} buttons, got ${msg.buttons.length}`);
  }
  const keys = new Set<string>();
  for (const b of msg.buttons) {
    if (Buffer.byteLength(b.value, 'utf8') > MAX_KEY_BYTES) throw new AppError('BAD_REQUEST', `button value over ${MAX_KEY_BYTES} bytes`);
    if (keys.has(b.value)) throw new AppError('BAD_REQUEST', 'button values of one card must differ (WeCom keys are unique)');
    keys.add(b.value);
  }
  return {
    card_type: 'button_interaction',
    main_title: { title: truncateUtf8(msg.title, CARD_TITLE_MAX_BYTES) },
    button_list: msg.buttons.map((b) => ({ text: b.label, style: 1, key: b.value })),
    task_id: taskIdFor(idempotencyKey),
  };
}

/**
 * OutboundMessage → the bodies of `WSClient.sendMessage`, in order. `aibot_send_msg` takes
 * markdown and template_card only (no plain text), so text is sent as markdown.
 */
export function encodeBotMessages(msg: OutboundMessage, idempotencyKey: string): SendMsgBody[] {
  const md = (content: string): SendMsgBody[] => splitMarkdown(content, BOT_MARKDOWN_MAX_BYTES).map((c) => ({ msgtype: 'markdown', markdown: { content: c } }));
  switch (msg.type) {
    case 'text':
      return md(msg.text);
    case 'markdown':
      return md(markdownOf(msg.title, msg.text));
    case 'card':
      if (msg.buttons.length === 0) return md(markdownOf(msg.title, msg.text));
      return [...md(markdownOf(msg.title, msg.text)), { msgtype: 'template_card', template_card: buttonCard(msg, idempotencyKey) }];
  }
}

/** The JSON body of `POST /cgi-bin/message/send` for one employee. */
export type AppMessageBody = { touser: string; agentid: number } & (
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: TemplateCard }
);

/**
 * OutboundMessage → app messages to one employee, in order.
 * https://developer.work.weixin.qq.com/document/path/90236 (text, markdown, template_card)
 */
export function encodeAppMessages(msg: OutboundMessage, to: { userId: string; agentId: number }, idempotencyKey: string): AppMessageBody[] {
  const base = { touser: to.userId, agentid: to.agentId };
  const md = (content: string): AppMessageBody[] =>
    splitMarkdown(content, APP_TEXT_MAX_BYTES).map((c) => ({ ...base, msgtype: 'markdown', markdown: { content: c } }));
  switch (msg.type) {
    case 'text':
      return splitMarkdown(msg.text, APP_TEXT_MAX_BYTES).map((c) => ({ ...base, msgtype: 'text', text: { content: c } }));
    case 'markdown':
      return md(markdownOf(msg.title, msg.text));
    case 'card':
      if (msg.buttons.length === 0) return md(markdownOf(msg.title, msg.text));
      return [...md(markdownOf(msg.title, msg.text)), { ...base, msgtype: 'template_card', template_card: buttonCard(msg, idempotencyKey) }];
  }
}
