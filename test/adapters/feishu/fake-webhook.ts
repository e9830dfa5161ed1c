/**
 * Feishu's side of webhook mode: encrypts and signs a callback the way the platform does, so the
 * adapter's route can be called with exactly the bytes and headers Feishu would send. The
 * encryption and signature are checked against the SDK's own AESCipher and RequestHandle in
 * webhook.test.ts, so this fake is anchored to the SDK, not to the code under test.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import type { HttpRequest } from '../../../adapters/types.ts';

/** base64(iv ‖ AES-256-CBC(sha256(encryptKey), iv, plaintext)). */
export function encryptForFeishu(plaintext: string, encryptKey: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

export function signForFeishu(timestamp: string, nonce: string, encryptKey: string, rawBody: string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey + rawBody)
    .digest('hex');
}

export interface WebhookRequestOptions {
  encryptKey: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  /** false: no signature headers at all, as Feishu sends the url_verification challenge. */
  sign?: boolean;
  /** Overrides the computed signature (a forgery). */
  signature?: string;
  /** Sign with this key instead (an attacker who does not hold the real one). */
  signingKey?: string;
}

/** An encrypted (and by default signed) callback carrying `payload`, as the route receives it. */
export function feishuWebhookRequest(payload: object, opts: WebhookRequestOptions): HttpRequest {
  const rawBody = JSON.stringify({ encrypt: encryptForFeishu(JSON.stringify(payload), opts.encryptKey) });
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (opts.sign !== false) {
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    headers['x-lark-request-timestamp'] = timestamp;
    headers['x-lark-request-nonce'] = nonce;
    headers['x-lark-signature'] = opts.signature ?? signForFeishu(timestamp, nonce, opts.signingKey ?? opts.encryptKey, rawBody);
  }
  return { headers, query: {}, rawBody };
}
