/**
 * Encoder: OutboundMessage → the `msg_type` and `content` of Feishu's send-message API, plus the
 * request `uuid` derived from our idempotency key.
 *
 * Content formats: https://open.feishu.cn/document/server-docs/im-v1/message-content-description/create_json
 * Card JSON (1.0 structure): https://open.feishu.cn/document/common-capabilities/message-card/message-cards-content
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import type { CardButton, OutboundMessage } from '../../core/types.ts';

export interface FeishuContent {
  msg_type: 'text' | 'post' | 'interactive';
  /** A JSON string, as the API wants it. */
  content: string;
}

/** Feishu's `uuid` field holds at most 50 characters (send-message API, data validation). */
export const FEISHU_UUID_MAX = 50;

// Request bodies larger than these are refused by Feishu; failing here gives a clearer error.
const MAX_CONTENT_BYTES: Record<FeishuContent['msg_type'], number> = {
  text: 150 * 1024,
  post: 30 * 1024,
  interactive: 30 * 1024,
};

// Card button `value` must be a JSON object; a value that is not one is carried under this key.
const WRAPPED_VALUE_KEY = 'dealwise_value';

/** Our opaque button value (a string) → the object a Feishu card button carries. */
export function toButtonValue(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: wrapped below
  }
  return { [WRAPPED_VALUE_KEY]: value };
}

/** Inverse of {@link toButtonValue} for the `action.value` a card callback hands back. */
export function unwrapButtonValue(value: unknown): unknown {
  if (value && typeof value === 'object' && WRAPPED_VALUE_KEY in value) {
    const inner = (value as Record<string, unknown>)[WRAPPED_VALUE_KEY];
    if (typeof inner === 'string') return inner;
  }
  return value;
}

/**
 * Our idempotency key → Feishu `uuid`. Short, plain keys pass as they are (readable in Feishu's
 * logs); anything longer or with other characters becomes a stable sha256 prefix, so retries of
 * the same logical message still share one uuid.
 */
export function feishuUuid(idempotencyKey: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(idempotencyKey) && idempotencyKey.length <= FEISHU_UUID_MAX) return idempotencyKey;
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, FEISHU_UUID_MAX);
}

function cardButton(button: CardButton): object {
  return {
    tag: 'button',
    text: { tag: 'plain_text', content: button.label },
    type: 'default',
    value: toButtonValue(button.value),
  };
}

/** OutboundMessage → `{msg_type, content}`: text → text, markdown → post (md run), card → interactive. */
export function encodeFeishuMessage(msg: OutboundMessage): FeishuContent {
  let out: FeishuContent;
  switch (msg.type) {
    case 'text':
      out = { msg_type: 'text', content: JSON.stringify({ text: msg.text }) };
      break;
    case 'markdown':
      out = {
        msg_type: 'post',
        content: JSON.stringify({ zh_cn: { title: msg.title, content: [[{ tag: 'md', text: msg.text }]] } }),
      };
      break;
    case 'card': {
      const elements: object[] = [{ tag: 'markdown', content: msg.text }];
      if (msg.buttons.length > 0) elements.push({ tag: 'action', actions: msg.buttons.map(cardButton) });
      const card = {
        config: { wide_screen_mode: true },
        header: { template: 'blue', title: { tag: 'plain_text', content: msg.title } },
        elements,
      };
      out = { msg_type: 'interactive', content: JSON.stringify(card) };
      break;
    }
  }
  const bytes = Buffer.byteLength(out.content);
  if (bytes > MAX_CONTENT_BYTES[out.msg_type]) {
    throw new AppError('PAYLOAD_TOO_LARGE', `Feishu ${out.msg_type} content is ${bytes} bytes, over ${MAX_CONTENT_BYTES[out.msg_type]}`);
  }
  return out;
}
