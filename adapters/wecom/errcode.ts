/**
 * WeCom `errcode` → AppError. Shared by the app's HTTP API and the bot's send acks, which use the
 * same global error codes: https://developer.work.weixin.qq.com/document/path/90313
 *
 * `details.retryable` tells the outbound layer whether sending the same message again can help.
 * Messages carry the operation, errcode and errmsg only: never a URL (it may hold a token).
 */
import { AppError } from '../../core/errors.ts';

/** access_token expired (42001), invalid (40014), missing (41001): fetch a new one and retry once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 41001, 42001]);

/** 45009 API call quota exceeded, 45033 too many concurrent calls, 45011 calls too frequent. */
export const RATE_LIMIT_ERRCODES: ReadonlySet<number> = new Set([45009, 45011, 45033]);

/**
 * Errors that the same request will hit again: bad credentials or corp id, an unknown or
 * invisible recipient, empty or oversized content, an invalid message type.
 */
const PERMANENT_ERRCODES: ReadonlySet<number> = new Set([40001, 40003, 40008, 40013, 40056, 44004, 45002, 81013]);

/** Details every WeCom error carries. */
export interface WecomErrorDetails {
  errcode?: number;
  retryable: boolean;
}

/** One failed WeCom call: `op` names it ("message/send", "bot sendMessage"). */
export function wecomError(op: string, errcode: number, errmsg: string | undefined): AppError {
  // errmsg often ends with "hint: [...], more info at https://open.work.weixin.qq.com/devtool/query?e=…",
  // which is useful and holds no credential.
  const message = `WeCom ${op} failed: errcode ${errcode}${errmsg ? ` (${errmsg})` : ''}`;
  if (RATE_LIMIT_ERRCODES.has(errcode)) {
    return new AppError('RATE_LIMITED', message, { details: { errcode, retryable: true } satisfies WecomErrorDetails });
  }
  const retryable = !PERMANENT_ERRCODES.has(errcode);
  return new AppError('PLATFORM_API', message, { details: { errcode, retryable } satisfies WecomErrorDetails });
}

/** A transport failure (network, timeout, closed socket): always worth retrying. */
export function wecomTransportError(op: string, reason: string): AppError {
  return new AppError('PLATFORM_API', `WeCom ${op} failed: ${reason}`, { details: { retryable: true } satisfies WecomErrorDetails });
}
