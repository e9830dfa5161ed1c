/**
 * Authentication of self-built app callbacks (回调), with `@wecom/crypto` for the cipher.
 * The library verifies nothing itself, so here: the msg_signature is compared timing-safe and
 * within a timestamp window, and the receive id inside the decrypted payload must be our corp id.
 *
 * Scheme: https://developer.work.weixin.qq.com/document/path/90968 (加解密方案) and
 * https://developer.work.weixin.qq.com/document/path/90930 (URL verification and POST callbacks).
 */
import { timingSafeEqual } from 'node:crypto';
import { decrypt, getSignature } from '@wecom/crypto';
import { AppError } from '../../core/errors.ts';

/** What checking a callback needs; all from the app's callback settings. */
export interface CallbackKeys {
  token: string;
  encodingAESKey: string;
  corpId: string;
  /** Largest accepted distance between `timestamp` and our clock, in seconds. */
  maxSkewSec: number;
}

/** The query WeCom signs with: msg_signature, timestamp, nonce. */
export interface SignedQuery {
  signature: string;
  timestamp: string;
  nonce: string;
}

/** Reads the three signing parameters; BAD_REQUEST names the first that is missing. */
export function signedQuery(query: Record<string, string | undefined>): SignedQuery {
  for (const name of ['msg_signature', 'timestamp', 'nonce'] as const) {
    if (!query[name]) throw new AppError('BAD_REQUEST', `missing query parameter ${name}`);
  }
  return { signature: query.msg_signature as string, timestamp: query.timestamp as string, nonce: query.nonce as string };
}

/** Constant-time string equality; a different length is simply unequal. */
export function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks timestamp window and signature over `encrypt`, then decrypts it and checks the receive
 * id. Returns the plaintext. SIGNATURE_INVALID for anything forged or replayed, BAD_REQUEST for
 * a correctly signed body that does not decrypt.
 */
export function openCallback(keys: CallbackKeys, q: SignedQuery, encrypt: string, nowMs = Date.now()): string {
  const ts = Number(q.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > keys.maxSkewSec) {
    throw new AppError('SIGNATURE_INVALID', 'WeCom callback timestamp outside the accepted window');
  }
  // getSignature gives lowercase hex; WeCom sends lowercase, an uppercase copy is the same digest.
  if (!safeEqual(getSignature(keys.token, q.timestamp, q.nonce, encrypt), q.signature.toLowerCase())) {
    throw new AppError('SIGNATURE_INVALID', 'WeCom callback msg_signature does not match');
  }
  let opened: { message: string; id: string };
  try {
    opened = decrypt(keys.encodingAESKey, encrypt);
  } catch {
    throw new AppError('BAD_REQUEST', 'WeCom callback payload does not decrypt');
  }
  // The receive id is the corp id for app callbacks: a payload encrypted for another corp (or
  // a garbled one) must not be accepted even though it decrypted.
  if (!safeEqual(keys.corpId, opened.id)) {
    throw new AppError('SIGNATURE_INVALID', 'WeCom callback receive id is not this corp id');
  }
  return opened.message;
}

/** An EncodingAESKey is 43 base64 characters that decode to a 32-byte AES key. */
export function isEncodingAESKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{43}$/.test(key) && Buffer.from(`${key}=`, 'base64').length === 32;
}
