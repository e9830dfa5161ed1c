/**
 * Sending through the SDK's Client. The SDK resolves with the reply body even when its `code` is
 * not 0, and rejects with a raw axios error (request config, Authorization header and all) on a
 * non-2xx status: both are turned here into an AppError carrying Feishu's code and msg only.
 */
import type { Client } from '@larksuiteoapi/node-sdk';
import { AppError } from '../../core/errors.ts';
import type { OutboundMessage, Recipient } from '../../core/types.ts';
import type { SendResult } from '../types.ts';
import { encodeFeishuMessage, feishuUuid } from './encode.ts';

/**
 * Feishu codes that mean "slow down": 99991400 is the platform-wide frequency limit, 230020 the
 * per-chat send limit. https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control
 */
export const FEISHU_RATE_LIMIT_CODES: ReadonlySet<number> = new Set([99991400, 230020]);

/** Access-token problems (invalid, expired): a later attempt with a fresh token can succeed. */
const FEISHU_TOKEN_CODES: ReadonlySet<number> = new Set([99991661, 99991663, 99991664, 99991668]);

/**
 * Feishu's `{code, msg}` (plus the HTTP status) → PLATFORM_API or RATE_LIMITED. Feishu answers a
 * request that can never succeed (a bad parameter, a user outside the app's range, a missing
 * permission) with HTTP 4xx: that is marked not retryable, so the send fails at once instead of
 * eight times.
 */
export function feishuApiError(code: number | undefined, msg: string | undefined, httpStatus: number): AppError {
  const rateLimited = httpStatus === 429 || (code !== undefined && FEISHU_RATE_LIMIT_CODES.has(code));
  const permanent = !rateLimited && httpStatus >= 400 && httpStatus < 500 && !(code !== undefined && FEISHU_TOKEN_CODES.has(code));
  return new AppError(rateLimited ? 'RATE_LIMITED' : 'PLATFORM_API', `Feishu API error: code ${code ?? '?'} ${msg ?? ''}`.trim(), {
    details: { code, msg, httpStatus, ...(permanent ? { retryable: false } : {}) },
  });
}

interface AxiosLike {
  message?: unknown;
  response?: { status?: unknown; data?: unknown };
}

/**
 * Whatever the SDK threw → AppError. The original error is deliberately not kept as `cause`: an
 * axios error holds the request config with `Authorization: Bearer <tenant token>`, and the
 * token request's body holds the app secret.
 */
export function feishuRequestError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as AxiosLike;
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
  const body = e.response?.data;
  if (status !== undefined && body && typeof body === 'object' && 'code' in body) {
    const { code, msg } = body as { code?: unknown; msg?: unknown };
    return feishuApiError(typeof code === 'number' ? code : undefined, typeof msg === 'string' ? msg : undefined, status);
  }
  if (status !== undefined) return feishuApiError(undefined, `HTTP ${status}`, status);
  // A deadline (feishuHttp): axios's idle timeout or the abort of the whole call.
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return new AppError('TIMEOUT', 'Feishu request timed out');
  }
  // Network errors and the SDK's own token errors: their message names the cause, not the secret.
  const message = typeof e.message === 'string' ? e.message : String(err);
  return new AppError('PLATFORM_API', `Feishu request failed: ${message}`);
}

/**
 * Sends one message with `im.message.create`. `userId` is an open_id, `chatId` a chat_id; the
 * idempotency key becomes the request `uuid`, which Feishu dedupes for an hour.
 */
export async function sendFeishuMessage(client: Client, to: Recipient, msg: OutboundMessage, idempotencyKey: string): Promise<SendResult> {
  const { msg_type, content } = encodeFeishuMessage(msg);
  const params = 'userId' in to ? { receive_id_type: 'open_id' as const } : { receive_id_type: 'chat_id' as const };
  const receiveId = 'userId' in to ? to.userId : to.chatId;
  let res: Awaited<ReturnType<Client['im']['message']['create']>>;
  try {
    // https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/create
    res = await client.im.message.create({
      params,
      data: { receive_id: receiveId, msg_type, content, uuid: feishuUuid(idempotencyKey) },
    });
  } catch (err) {
    throw feishuRequestError(err);
  }
  if (res?.code !== 0) throw feishuApiError(res?.code, res?.msg, 200);
  const platformMessageId = res.data?.message_id;
  return platformMessageId ? { platformMessageId } : {};
}

/**
 * Downloads a file a message carried (a PDF a rep sent the bot) with `im.messageResource.get`;
 * more than `maxBytes` is refused rather than read to the end.
 * https://open.feishu.cn/document/server-docs/im-v1/message/get-2
 */
export async function fetchFeishuFile(client: Client, ref: { messageId: string; fileRef: string }, maxBytes: number): Promise<Buffer> {
  let stream: NodeJS.ReadableStream;
  try {
    const res = await client.im.messageResource.get({ path: { message_id: ref.messageId, file_key: ref.fileRef }, params: { type: 'file' } });
    stream = res.getReadableStream();
  } catch (err) {
    throw feishuRequestError(err);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > maxBytes) {
      (stream as { destroy?: () => void }).destroy?.();
      throw new AppError('PAYLOAD_TOO_LARGE', `the file is over ${maxBytes} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
