/**
 * Chat-archive records (会话内容存档) → InboundMessage. The records are the JSON that WeCom's
 * native archive SDK yields per message after decryption; fetching and decrypting them is that
 * SDK's job, not ours. These are rep ↔ customer chats, so nothing here is `direct`.
 *
 * Format: https://developer.work.weixin.qq.com/document/path/91774 (获取会话内容, 消息格式)
 */
import { z } from 'zod';
import type { Attachment, InboundMessage, MessageKind } from '../../core/types.ts';
import { AppError } from '../../core/errors.ts';
import { invalidPayload } from './invalid.ts';
import { wecomTime } from './time.ts';

/** A record either becomes a message or is skipped for a stated reason. */
export type ArchiveParseResult =
  | { status: 'message'; message: InboundMessage }
  /** `recalls`: the msgid a recall withdraws (its `revoke.pre_msgid`), when it names one. */
  | { status: 'skipped'; msgid: string; reason: string; recalls?: string };

// `switch` records (a login from another device) have no from/tolist/msgtype at all, so the
// action is read first and the full shape is only required of `send` records.
const headSchema = z.object({ msgid: z.string().min(1), action: z.string().min(1) });
const recallSchema = z.object({ revoke: z.object({ pre_msgid: z.string().min(1) }) });

const recordSchema = z.object({
  msgid: z.string().min(1),
  action: z.literal('send'),
  from: z.string().min(1),
  tolist: z.array(z.string()),
  roomid: z.string().optional().default(''),
  // Milliseconds; beyond ±8.64e15 no Date can hold it.
  msgtime: z.number().int().positive().max(8.64e15),
  msgtype: z.string().min(1),
  text: z.object({ content: z.string() }).optional(),
  markdown: z.object({ content: z.string() }).optional(),
  file: z.object({ filename: z.string().min(1), fileext: z.string().optional() }).optional(),
  link: z.object({ title: z.string().optional(), description: z.string().optional(), link_url: z.string().optional() }).optional(),
  weapp: z.object({ title: z.string().optional(), description: z.string().optional() }).optional(),
  docmsg: z.object({ title: z.string().optional(), link_url: z.string().optional() }).optional(),
  location: z.object({ title: z.string().optional(), address: z.string().optional() }).optional(),
  mixed: z.object({ item: z.array(z.object({ type: z.string(), content: z.string() })) }).optional(),
});
type ArchiveRecord = z.infer<typeof recordSchema>;

/** The body field each supported msgtype needs, and the kind it is stored as. */
const SUPPORTED: Record<string, { kind: MessageKind; field?: keyof ArchiveRecord }> = {
  text: { kind: 'text', field: 'text' },
  markdown: { kind: 'text', field: 'markdown' },
  mixed: { kind: 'text', field: 'mixed' },
  file: { kind: 'file', field: 'file' },
  image: { kind: 'image' },
  emotion: { kind: 'sticker' },
  voice: { kind: 'voice' },
  video: { kind: 'video' },
  link: { kind: 'link', field: 'link' },
  weapp: { kind: 'link', field: 'weapp' },
  docmsg: { kind: 'link', field: 'docmsg' },
  card: { kind: 'card' },
  location: { kind: 'other', field: 'location' },
};

/**
 * An external contact's id (external_userid) is `wo` or `wm` followed by a long opaque string;
 * the length test keeps an employee id such as `wong` from matching.
 */
const EXTERNAL_ID = /^w[om][A-Za-z0-9_-]{20,}$/;

/** True when WeCom marks the message or its sender as external. */
export function isExternalSender(msgid: string, from: string): boolean {
  return msgid.endsWith('_external') || EXTERNAL_ID.test(from);
}

function joined(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join('\n');
}

/** Text items of a `mixed` record hold a JSON string `{"content": "…"}`. */
function mixedText(items: { type: string; content: string }[]): string {
  const texts: string[] = [];
  for (const item of items) {
    if (item.type !== 'text') continue;
    try {
      const content = (JSON.parse(item.content) as { content?: unknown }).content;
      if (typeof content === 'string') texts.push(content);
    } catch {
      texts.push(item.content);
    }
  }
  return texts.join('\n');
}

/** A shared link, mini program or document: its title names it (the analyzer reads titles). */
function titled(title?: string, description?: string, url?: string): { text: string; attachments: Attachment[] } {
  return { text: joined(title, description, url), attachments: title ? [{ name: title, type: 'link' }] : [] };
}

function body(r: ArchiveRecord): { text: string; attachments: Attachment[] } {
  switch (r.msgtype) {
    case 'text':
      return { text: r.text?.content ?? '', attachments: [] };
    case 'markdown':
      return { text: r.markdown?.content ?? '', attachments: [] };
    case 'mixed':
      return { text: mixedText(r.mixed?.item ?? []), attachments: [] };
    case 'file':
      return { text: '', attachments: [{ name: r.file?.filename ?? '', type: 'file' }] };
    case 'link':
      return titled(r.link?.title, r.link?.description, r.link?.link_url);
    case 'weapp':
      return titled(r.weapp?.title, r.weapp?.description);
    case 'docmsg':
      return titled(r.docmsg?.title, undefined, r.docmsg?.link_url);
    case 'location':
      return { text: joined(r.location?.title, r.location?.address), attachments: [] };
    default:
      // image, emotion, voice, video, card: the archive gives no name, only an sdkfileid, and an
      // attachment is only worth keeping for its name (the analyzer reads names like 报价单.pdf).
      return { text: '', attachments: [] };
  }
}

/**
 * One decrypted archive record → a message, or a skip with the reason (recalls, switches,
 * unsupported msgtypes). Throws BAD_REQUEST naming the field when the record is malformed.
 */
export function parseArchiveRecord(record: unknown): ArchiveParseResult {
  const head = headSchema.safeParse(record);
  if (!head.success) throw invalidPayload('WeCom archive record', head.error);
  const { msgid, action } = head.data;
  if (action === 'recall') {
    const recalls = recallSchema.safeParse(record).data?.revoke.pre_msgid;
    return { status: 'skipped', msgid, reason: 'recall: the message was withdrawn', ...(recalls ? { recalls } : {}) };
  }
  if (action === 'switch') return { status: 'skipped', msgid, reason: 'switch: an enterprise switch, not a message' };
  if (action !== 'send') return { status: 'skipped', msgid, reason: `action ${action} is not a message` };

  const parsed = recordSchema.safeParse(record);
  if (!parsed.success) throw invalidPayload('WeCom archive record', parsed.error);
  const r = parsed.data;
  // Own keys only: a msgtype like "constructor" must not find Object.prototype's.
  const spec = Object.hasOwn(SUPPORTED, r.msgtype) ? SUPPORTED[r.msgtype] : undefined;
  if (!spec) return { status: 'skipped', msgid, reason: `msgtype ${r.msgtype} is not supported` };
  if (spec.field && r[spec.field] === undefined) {
    throw new AppError('BAD_REQUEST', `invalid WeCom archive record: ${spec.field}: required for msgtype ${r.msgtype}`, {
      details: { issues: [{ field: spec.field, message: `required for msgtype ${r.msgtype}` }] },
    });
  }

  let conversationId: string;
  if (r.roomid !== '') conversationId = r.roomid;
  else {
    const peer = r.tolist[0];
    if (peer === undefined || peer === '') {
      throw new AppError('BAD_REQUEST', 'invalid WeCom archive record: tolist: a 1:1 record needs a recipient', {
        details: { issues: [{ field: 'tolist', message: 'a 1:1 record needs a recipient' }] },
      });
    }
    // Both directions of a 1:1 chat must land in one conversation: order the pair.
    conversationId = `single:${[r.from, peer].sort().join(':')}`;
  }

  const { text, attachments } = body(r);
  return {
    status: 'message',
    message: {
      platform: 'wecom',
      messageId: r.msgid,
      conversationId,
      chatType: r.roomid !== '' ? 'group' : 'single',
      direct: false,
      senderId: r.from,
      senderExternal: isExternalSender(r.msgid, r.from),
      kind: spec.kind,
      text,
      attachments,
      sentAt: wecomTime(r.msgtime),
      raw: record,
    },
  };
}
