/**
 * The normalized message as JSON (the HTTP ingest, replays, the demo): validated and turned into
 * an InboundMessage by a pure function. Bad input names the field and the reason.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { checkInbound } from '../../core/inbound.ts';
import { type Attachment, MESSAGE_KINDS, PLATFORMS, type InboundMessage } from '../../core/types.ts';

/**
 * A posted file's key in the document storage: its content's hash, so the same file posted again
 * is the same object (bots/maintenance/inbox-cleanup.ts removes those no command needs).
 */
export const INBOX_PREFIX = 'inbox-';
export const inboxKey = (bytes: Buffer): string => `${INBOX_PREFIX}${createHash('sha256').update(bytes).digest('hex')}`;

const id = z.string().trim().min(1).max(256);
/** An inline file's base64 within the 4 MB request body: about 3 MB of PDF. */
const MAX_INLINE_BASE64 = 4 * 1024 * 1024;

/** Built once: the HTTP path parses thousands of messages a second with it. */
export const localMessageSchema = z
  .object({
    platform: z.string().refine((p) => (PLATFORMS as readonly string[]).includes(p), {
      message: `unknown platform; expected one of ${PLATFORMS.join(', ')}`,
    }),
    messageId: id,
    conversationId: id,
    conversationTitle: z.string().max(200).optional(),
    chatType: z.enum(['single', 'group']),
    /** True for a message written to the bot (a command); a single chat is a customer chat otherwise. */
    direct: z.boolean().optional(),
    senderId: id,
    senderName: z.string().max(100).optional(),
    kind: z.enum(MESSAGE_KINDS).optional(),
    text: z.string().default(''),
    attachments: z
      .array(
        z
          .object({
            name: z.string().min(1).max(255),
            type: z.string().max(50).optional(),
            /** The file itself, base64 (a PDF sent to the bot): kept in the document storage, not in the message. */
            data: z
              .string()
              .min(4)
              .max(MAX_INLINE_BASE64)
              .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64')
              .optional(),
          })
          .strict(),
      )
      .max(20)
      .default([]),
    sentAt: z.iso.datetime({ offset: true }),
  })
  .strict()
  .refine((m) => m.text.length > 0 || m.attachments.length > 0 || (m.kind !== undefined && m.kind !== 'text'), {
    message: 'a message needs text, an attachment or a non-text kind',
  });

export type LocalMessage = z.input<typeof localMessageSchema>;

/** A file that came inline with a local message, to be stored under `key` before the message is. */
export interface LocalFile {
  key: string;
  body: Buffer;
}

/** Parses one message; throws BAD_REQUEST (or PAYLOAD_TOO_LARGE for over-long text) naming the field. */
export function parseLocalMessage(body: unknown, maxTextLength: number, now = Date.now()): InboundMessage {
  return parseLocalUpload(body, maxTextLength, now).message;
}

/**
 * Parses one message and takes out its inline files: each attachment with `data` gets a
 * `fileRef` (the storage key of its bytes, named by their SHA-256) and the raw payload keeps only
 * the file's size and hash.
 */
export function parseLocalUpload(body: unknown, maxTextLength: number, now = Date.now()): { message: InboundMessage; files: LocalFile[] } {
  const parsed = localMessageSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(message)';
    throw new AppError(issue.path[0] === 'platform' ? 'UNKNOWN_PLATFORM' : 'BAD_REQUEST', `${field}: ${issue.message}`, {
      details: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    });
  }
  const m = parsed.data;
  const files: LocalFile[] = [];
  const attachments: Attachment[] = m.attachments.map(({ data, ...a }) => {
    if (data === undefined) return a;
    const bytes = Buffer.from(data, 'base64');
    const key = inboxKey(bytes);
    files.push({ key, body: bytes });
    return { ...a, type: a.type ?? 'file', fileRef: key, size: bytes.length };
  });
  const kind = m.kind ?? (m.text.length > 0 ? 'text' : 'file');
  const msg: InboundMessage = {
    platform: m.platform as InboundMessage['platform'],
    messageId: m.messageId,
    conversationId: m.conversationId,
    ...(m.conversationTitle ? { conversationTitle: m.conversationTitle } : {}),
    chatType: m.chatType,
    direct: m.direct ?? false,
    senderId: m.senderId,
    ...(m.senderName ? { senderName: m.senderName } : {}),
    kind,
    text: m.text,
    attachments,
    sentAt: new Date(m.sentAt),
    raw: files.length === 0 ? body : { ...(body as object), attachments },
  };
  // The same bounds as every other path: NULs, lone surrogates, lengths, a plausible time.
  checkInbound(msg, maxTextLength, now);
  return { message: msg, files };
}
