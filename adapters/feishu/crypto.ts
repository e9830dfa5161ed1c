/**
 * Webhook security, done by us because the SDK's EventDispatcher answers a forged request like
 * any other (it only skips the handler) and checks the signature over a re-serialized body.
 *
 * Signature and encryption: https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/encrypt-key-encryption-configuration-case
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/errors.ts';

/** `X-Lark-Signature`: sha256 hex of timestamp + nonce + encrypt key + the raw body. */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + rawBody)
    .digest('hex');
}

export interface SignedHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
}

/**
 * Throws SIGNATURE_INVALID unless the timestamp (unix seconds) is within `toleranceMs` of `nowMs`
 * and the signature matches, compared in constant time.
 */
export function verifyFeishuSignature(h: SignedHeaders, encryptKey: string, rawBody: string, nowMs: number, toleranceMs: number): void {
  const tsMs = Number(h.timestamp) * 1000;
  if (!/^\d+$/.test(h.timestamp) || Math.abs(nowMs - tsMs) > toleranceMs) {
    throw new AppError('SIGNATURE_INVALID', `Feishu request timestamp ${h.timestamp} is outside the ${toleranceMs / 1000}s window`);
  }
  const expected = Buffer.from(feishuSignature(h.timestamp, h.nonce, encryptKey, rawBody), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(h.signature) ? Buffer.from(h.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('SIGNATURE_INVALID', 'Feishu request signature (X-Lark-Signature) does not match');
  }
}

/**
 * `{"encrypt": base64(iv ‖ AES-256-CBC(key = sha256(encryptKey), iv, json))}` → the JSON text.
 * Throws SIGNATURE_INVALID when it does not decrypt: only a sender holding the key can produce it.
 */
export function decryptFeishuPayload(encrypt: string, encryptKey: string): string {
  try {
    const buf = Buffer.from(encrypt, 'base64');
    if (buf.length < 32 || buf.length % 16 !== 0) throw new Error('bad length');
    const key = createHash('sha256').update(encryptKey).digest();
    const decipher = createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
    return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError('SIGNATURE_INVALID', 'Feishu encrypted body does not decrypt with the configured encrypt key');
  }
}
