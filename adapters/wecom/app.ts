/**
 * A WeCom self-built app (自建应用) in callback mode: `GET /wecom/callback` answers WeCom's URL
 * verification, `POST /wecom/callback` receives encrypted messages and card presses, and `send`
 * pushes app messages to one employee through `/cgi-bin/message/send`.
 *
 * A callback is authenticated before it is parsed, handed to the sink, and answered once the sink
 * has stored it (WeCom retries an answer slower than 5 s; the sink is fast and dedupes).
 */
import type { HttpAdapter, HttpRequest, HttpResponse, HttpRoute, InboundSink, IngestResult, PressResult, SendProgress, SendResult } from '../types.ts';
import type { OutboundMessage, Recipient } from '../../core/types.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { type Handled, handleOnce, memoryNonces, type NonceStore, requestKey } from '../nonces.ts';
import { isEncodingAESKey, openCallback, signedQuery, type CallbackKeys } from './app-callback.ts';
import { parseAppCallback } from './app-parse.ts';
import { WecomApiClient } from './app-api.ts';
import { encodeAppMessages } from './encode.ts';
import { parseFlatXml } from './xml.ts';

/** Constructor options of WecomAppAdapter (the WECOM_CORP_ID… group of the config). */
export interface WecomAppOptions {
  corpId: string;
  /** The app's AgentId; numeric. */
  agentId: string;
  secret: string;
  token: string;
  encodingAESKey: string;
  /** Default `https://qyapi.weixin.qq.com`. */
  apiBase?: string;
  log: Logger;
  /** Mount path of both routes. Default `/wecom/callback`. */
  path?: string;
  /** Accepted clock distance of a callback's timestamp. Default 300 s. */
  maxSkewSec?: number;
  requestTimeoutMs?: number;
  /** Clock for the timestamp window and the token cache; tests move it. */
  now?: () => number;
  /** Signed callbacks seen (replays are refused); in memory, this adapter's own, by default. */
  nonces?: NonceStore;
}

const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';

function text(status: number, body: string): HttpResponse {
  return { status, body, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

function reject(err: AppError): HttpResponse {
  return text(err.httpStatus, `${err.code}: ${err.message}`);
}

/** The self-built app adapter; transport only. */
export class WecomAppAdapter implements HttpAdapter {
  readonly platform = 'wecom' as const;
  /** Which WeCom channel this is, when both the bot and the app are configured. */
  readonly channel = 'app' as const;
  private sink: InboundSink | null = null;
  private readonly keys: CallbackKeys;
  private readonly agentId: number;
  private readonly api: WecomApiClient;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly nonces: NonceStore;

  constructor(private readonly opts: WecomAppOptions) {
    // Every bad variable at once, as loadConfig reports them, so a fix is not found one restart at a time.
    const bad: string[] = [];
    if (!/^\d+$/.test(opts.agentId)) bad.push('WECOM_AGENT_ID: expected the numeric AgentId');
    if (!isEncodingAESKey(opts.encodingAESKey)) bad.push('WECOM_ENCODING_AES_KEY: expected 43 base64 characters');
    if (bad.length > 0) throw new AppError('CONFIG_INVALID', bad.join('\n  '));
    this.agentId = Number(opts.agentId);
    this.keys = { token: opts.token, encodingAESKey: opts.encodingAESKey, corpId: opts.corpId, maxSkewSec: opts.maxSkewSec ?? 300 };
    this.log = opts.log.child({ adapter: 'wecom-app' });
    this.now = opts.now ?? Date.now;
    this.nonces = opts.nonces ?? memoryNonces(this.now);
    this.api = new WecomApiClient({
      apiBase: opts.apiBase ?? DEFAULT_API_BASE,
      corpId: opts.corpId,
      secret: opts.secret,
      log: this.log,
      now: this.now,
      ...(opts.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: opts.requestTimeoutMs }),
    });
  }

  /** Callbacks reach `sink` from now on; before, they are answered 503 so WeCom retries. */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
  }

  /** Stops handing callbacks to the sink. */
  async stop(): Promise<void> {
    this.sink = null;
  }

  /** The callback routes; the server mounts them with the raw body. */
  routes(): HttpRoute[] {
    const url = this.opts.path ?? '/wecom/callback';
    return [
      { method: 'GET', url, handler: (req) => this.verifyUrl(req) },
      { method: 'POST', url, handler: (req) => this.receive(req) },
    ];
  }

  /** URL verification: the echostr is signed and encrypted like a message; answer its plaintext. */
  private async verifyUrl(req: HttpRequest): Promise<HttpResponse> {
    try {
      const q = signedQuery(req.query);
      const echostr = req.query.echostr;
      if (!echostr) throw new AppError('BAD_REQUEST', 'missing query parameter echostr');
      const plain = openCallback(this.keys, q, echostr, this.now());
      this.log.info('WeCom callback URL verified');
      return text(200, plain);
    } catch (err) {
      return this.refuse(err, 'WeCom URL verification refused');
    }
  }

  private async receive(req: HttpRequest): Promise<HttpResponse> {
    const sink = this.sink;
    // Not started: 503 makes WeCom retry rather than lose the message.
    if (!sink) return text(503, 'not ready');
    let parsed: ReturnType<typeof parseAppCallback>;
    let key: string;
    try {
      const q = signedQuery(req.query);
      let encrypt: string | undefined;
      try {
        encrypt = parseFlatXml(req.rawBody).fields.Encrypt;
      } catch {
        throw new AppError('BAD_REQUEST', 'body is not the WeCom callback XML');
      }
      if (!encrypt) throw new AppError('BAD_REQUEST', 'body has no <Encrypt> element');
      const plain = openCallback(this.keys, q, encrypt, this.now());
      // Authentic and inside its window: the same signed request again within it is a replay.
      key = requestKey('wecom', q.timestamp, q.nonce, q.signature.toLowerCase());
      parsed = parseAppCallback(plain);
    } catch (err) {
      return this.refuse(err, 'WeCom callback refused');
    }
    const callback = parsed;
    let outcome: Handled<IngestResult | PressResult | null>;
    try {
      outcome = await handleOnce(
        this.nonces,
        key,
        2 * this.keys.maxSkewSec * 1000,
        async () => (callback.type === 'message' ? sink.message(callback.message) : callback.type === 'press' ? sink.press(callback.press) : null),
        // Not stored: WeCom delivers it again, and that retry must be let through.
        { idempotent: callback.type === 'message', retried: () => true },
      );
    } catch (err) {
      this.log.error({ err: toAppError(err) }, 'WeCom app callback could not be stored');
      return text(503, 'not stored');
    }
    if (outcome.replayed) {
      return this.refuse(
        new AppError('REPLAYED', 'this signed WeCom callback was already received (same timestamp, nonce and signature)'),
        'WeCom callback refused',
      );
    }
    if (callback.type === 'ignored') this.log.debug({ reason: callback.reason }, 'WeCom app callback ignored');
    const result = outcome.value;
    if (result?.status === 'refused') {
      this.log.warn({ reason: result.reason }, 'WeCom app callback refused');
      return reject(new AppError('BAD_REQUEST', result.reason));
    }
    // A duplicate is acknowledged like a new message: WeCom must stop retrying either way.
    return text(200, 'success');
  }

  private refuse(err: unknown, what: string): HttpResponse {
    const appErr = toAppError(err);
    if (appErr.httpStatus >= 500) {
      this.log.error({ err: appErr }, what);
      return text(appErr.httpStatus, 'internal error');
    }
    this.log.warn({ code: appErr.code, reason: appErr.message }, what);
    return reject(appErr);
  }

  /**
   * Sends one app message to an employee. WeCom apps cannot post into arbitrary group chats, so
   * a `chatId` recipient is refused (the bot adapter covers groups).
   */
  async send(to: Recipient, msg: OutboundMessage, idempotencyKey: string, progress: SendProgress = { done: 0 }): Promise<SendResult> {
    if (!('userId' in to)) {
      throw new AppError('BAD_REQUEST', 'the WeCom app sends to a user id only; use the bot for group chats', {
        details: { retryable: false },
      });
    }
    let last: unknown;
    const parts = encodeAppMessages(msg, { userId: to.userId, agentId: this.agentId }, idempotencyKey);
    for (const body of parts.slice(progress.done)) {
      // https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息)
      const reply = await this.api.post('message/send', '/cgi-bin/message/send', body);
      // WeCom answers errcode 0 but lists recipients it could not reach (outside the app's
      // visible range, unknown, unlicensed): for our single recipient that means not delivered.
      for (const field of ['invaliduser', 'unlicenseduser'] as const) {
        const listed = String(reply[field] ?? '').split('|');
        if (listed.includes(to.userId)) {
          throw new AppError('PLATFORM_API', `WeCom message/send did not reach the recipient (${field})`, {
            details: { errcode: 0, retryable: false },
          });
        }
      }
      last = reply.msgid;
      progress.done++;
    }
    return typeof last === 'string' && last !== '' ? { platformMessageId: last } : {};
  }
}
