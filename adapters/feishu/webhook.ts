/**
 * Webhook mode: `POST /feishu/webhook`. Authenticates before anything is parsed or handed on —
 * signature with a timestamp window, then decryption, then the verification token — and answers
 * a forged request 401, where the SDK's own adapters would answer 200 and silently drop it.
 *
 * Request URL and challenge: https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/request-url-configuration-case
 */
import { AppError, toAppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { handleOnce, type NonceStore, requestKey } from '../nonces.ts';
import type { HttpRequest, HttpResponse, HttpRoute } from '../types.ts';
import { decryptFeishuPayload, verifyFeishuSignature } from './crypto.ts';

export interface FeishuWebhookOptions {
  path: string;
  encryptKey: string;
  verificationToken?: string;
  /** How far a request timestamp may be from now. */
  toleranceMs: number;
  now: () => number;
  /** Where signed requests are remembered for their window, so a replay is refused. */
  nonces: NonceStore;
  /** Hands an authenticated, decrypted payload on (the SDK's EventDispatcher); resolves when handled. */
  dispatch(payload: Record<string, unknown>): Promise<unknown>;
  log: Logger;
}

function header(req: HttpRequest, name: string): string | undefined {
  const direct = req.headers[name];
  if (direct !== undefined) return direct;
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : req.headers[key];
}

function asObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', `${what} is not JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AppError('BAD_REQUEST', `${what} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

// v2 events carry the token in `header.token`, v1 payloads and the challenge at the top level.
function payloadToken(payload: Record<string, unknown>): unknown {
  const h = payload.header;
  if (h && typeof h === 'object' && 'token' in h) return (h as { token: unknown }).token;
  return payload.token;
}

/** A v2 message event (`im.message.receive_v1`): stored once whatever happens, so a replay is only a duplicate. */
function isMessageEvent(payload: Record<string, unknown>): boolean {
  const h = payload.header;
  return !!h && typeof h === 'object' && (h as { event_type?: unknown }).event_type === 'im.message.receive_v1';
}

/** The webhook route; the adapter supplies `dispatch`. */
export function createFeishuWebhookRoute(opts: FeishuWebhookOptions): HttpRoute {
  const checkToken = (payload: Record<string, unknown>, required: boolean): void => {
    if (!opts.verificationToken) return;
    const token = payloadToken(payload);
    if (token === undefined && !required) return;
    if (token !== opts.verificationToken) throw new AppError('SIGNATURE_INVALID', 'Feishu verification token does not match');
  };

  async function handle(req: HttpRequest): Promise<HttpResponse> {
    const body = asObject(req.rawBody, 'Feishu webhook body');
    const timestamp = header(req, 'x-lark-request-timestamp');
    const nonce = header(req, 'x-lark-request-nonce');
    const signature = header(req, 'x-lark-signature');
    const signed = timestamp !== undefined || nonce !== undefined || signature !== undefined;
    if (signed) {
      verifyFeishuSignature(
        { timestamp: timestamp ?? '', nonce: nonce ?? '', signature: signature ?? '' },
        opts.encryptKey,
        req.rawBody,
        opts.now(),
        opts.toleranceMs,
      );
    }

    const encrypted = typeof body.encrypt === 'string';
    const payload = encrypted ? asObject(decryptFeishuPayload(body.encrypt as string, opts.encryptKey), 'decrypted Feishu payload') : body;

    if (payload.type === 'url_verification') {
      // Feishu sends the challenge without signature headers; decrypting it proves the sender
      // holds the encrypt key, and the verification token is checked on top when configured.
      if (!signed && !encrypted) throw new AppError('SIGNATURE_INVALID', 'unsigned, unencrypted Feishu url_verification');
      checkToken(payload, true);
      return { status: 200, body: { challenge: payload.challenge } };
    }
    if (!signed) throw new AppError('SIGNATURE_INVALID', 'Feishu request without X-Lark-Signature headers');
    checkToken(payload, false);

    // Signed and inside its window: the same request again within the window is a replay.
    const key = requestKey('feishu', timestamp ?? '', nonce ?? '', signature ?? '');
    const outcome = await handleOnce(opts.nonces, key, 2 * opts.toleranceMs, () => opts.dispatch(payload), {
      idempotent: isMessageEvent(payload),
      // Not handled: Feishu's retry of this same request must be let through.
      retried: (err) => toAppError(err).httpStatus >= 500,
    });
    if (outcome.replayed) throw new AppError('REPLAYED', 'this signed Feishu request was already received (same timestamp, nonce and signature)');
    const result = outcome.value;
    // A card callback may answer with a toast; events answer an empty object.
    return { status: 200, body: result && typeof result === 'object' ? result : {} };
  }

  return {
    method: 'POST',
    url: opts.path,
    async handler(req) {
      try {
        return await handle(req);
      } catch (err) {
        const e = toAppError(err);
        if (e.httpStatus < 500) {
          opts.log.warn({ code: e.code }, e.message);
          return { status: e.httpStatus, body: { code: e.code, message: e.message } };
        }
        // Not stored (the database is down): Feishu delivers it again. The reason stays in the
        // log; a database error's message can carry SQL, which a caller must never see.
        opts.log.error({ err: e }, 'Feishu webhook handling failed');
        return { status: e.httpStatus, body: { code: e.code, message: 'internal error' } };
      }
    },
  };
}
