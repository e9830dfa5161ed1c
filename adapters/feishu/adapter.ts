/**
 * The Feishu adapter: the SDK's WSClient (long connection) or our authenticated webhook route
 * for receiving, the SDK's Client for sending. Transport only; everything goes to the sink.
 */
import { Client, DefaultCache, WSClient, type EventDispatcher } from '@larksuiteoapi/node-sdk';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { OutboundMessage, Recipient } from '../../core/types.ts';
import type { FetchedFile, HttpAdapter, HttpRoute, InboundSink, SendResult } from '../types.ts';
import { memoryNonces, type NonceStore } from '../nonces.ts';
import { createFeishuDispatcher } from './dispatcher.ts';
import { feishuHttp } from './http.ts';
import { sdkLoggerLevel, toSdkLogger } from './sdk-logger.ts';
import { fetchFeishuFile, sendFeishuMessage } from './send.ts';
import { createFeishuWebhookRoute } from './webhook.ts';

export interface FeishuAdapterOptions {
  appId: string;
  appSecret: string;
  /** API base, `https://open.feishu.cn` by default; Lark or a loopback fake otherwise. */
  domain?: string;
  mode: 'ws' | 'webhook';
  /** Required in webhook mode: it signs and encrypts every callback. */
  encryptKey?: string;
  verificationToken?: string;
  webhookPath?: string;
  /** Webhook timestamp window, 5 minutes by default. */
  timestampToleranceMs?: number;
  /** Longest one HTTP call to Feishu may take (a token fetch, a send); 10 s by default. */
  requestTimeoutMs?: number;
  /** How long `start` waits for the long connection before returning with the SDK still retrying. */
  readyTimeoutMs?: number;
  now?: () => number;
  /** Signed webhook requests seen (replays are refused); in memory, this adapter's own, by default. */
  nonces?: NonceStore;
}

/** Largest file fetched for the bot: the largest PDF dealwise shares (20 MB). */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

// WSClient.start() logs and returns, connecting nothing, when the app id is not of this form.
const APP_ID_PATTERN = /^cli_[0-9a-fA-F]{16}$/;

/** Feishu transport implementing the adapter contract; `routes()` is empty in ws mode. */
export class FeishuAdapter implements HttpAdapter {
  readonly platform = 'feishu' as const;
  private readonly opts: FeishuAdapterOptions;
  private readonly log: Logger;
  private readonly domain: string;
  // Our own token cache instead of the SDK's process-wide one, so adapters never share tokens.
  private readonly cache = new DefaultCache();
  private readonly client: Client;
  private readonly dispatcher: EventDispatcher;
  private readonly route: HttpRoute | null;
  private sink: InboundSink | null = null;
  private ws: WSClient | null = null;

  constructor(opts: FeishuAdapterOptions, log: Logger) {
    if (opts.mode === 'webhook' && !opts.encryptKey) {
      throw new AppError('CONFIG_INVALID', 'FEISHU_ENCRYPT_KEY is required when FEISHU_MODE=webhook');
    }
    if (opts.mode === 'ws' && !APP_ID_PATTERN.test(opts.appId)) {
      throw new AppError('CONFIG_INVALID', 'FEISHU_APP_ID must look like cli_ followed by 16 hex digits');
    }
    this.opts = opts;
    this.log = log.child({ component: 'feishu' });
    this.domain = (opts.domain ?? 'https://open.feishu.cn').replace(/\/+$/, '');
    this.client = new Client({
      appId: opts.appId,
      appSecret: opts.appSecret,
      domain: this.domain,
      cache: this.cache,
      httpInstance: feishuHttp(opts.requestTimeoutMs ?? 10_000),
      logger: toSdkLogger(this.log),
      loggerLevel: sdkLoggerLevel(this.log),
    });
    this.dispatcher = createFeishuDispatcher({
      sink: () => this.requireSink(),
      log: this.log,
      cache: this.cache,
      onMalformed: opts.mode === 'ws' ? 'ack' : 'throw',
    });
    this.route =
      opts.mode === 'webhook'
        ? createFeishuWebhookRoute({
            path: opts.webhookPath ?? '/feishu/webhook',
            encryptKey: opts.encryptKey ?? '',
            ...(opts.verificationToken ? { verificationToken: opts.verificationToken } : {}),
            toleranceMs: opts.timestampToleranceMs ?? 5 * 60_000,
            now: opts.now ?? Date.now,
            nonces: opts.nonces ?? memoryNonces(),
            // Already authenticated and decrypted: the SDK's own check must not run again.
            dispatch: (payload) => this.dispatcher.invoke(payload, { needCheck: false }),
            log: this.log,
          })
        : null;
  }

  private requireSink(): InboundSink {
    if (!this.sink) throw new AppError('INTERNAL', 'Feishu adapter received an event before start() or after stop()');
    return this.sink;
  }

  routes(): HttpRoute[] {
    return this.route ? [this.route] : [];
  }

  /** Webhook mode: arms the route. ws mode: resolves once connected (or after `readyTimeoutMs`). */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    if (this.opts.mode !== 'ws' || this.ws) return;
    try {
      await this.connect();
    } catch (err) {
      this.disconnect();
      throw err;
    }
  }

  // Long connection: https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/use-websocket
  private connect(): Promise<void> {
    const timeoutMs = this.opts.readyTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(
        () =>
          settle(() => {
            this.log.warn({ timeoutMs }, 'Feishu long connection not up yet; the SDK keeps retrying in the background');
            resolve();
          }),
        timeoutMs,
      );
      this.ws = new WSClient({
        appId: this.opts.appId,
        appSecret: this.opts.appSecret,
        domain: this.domain,
        logger: toSdkLogger(this.log),
        loggerLevel: sdkLoggerLevel(this.log),
        onReady: () => {
          this.log.info('Feishu long connection ready');
          settle(resolve);
        },
        onError: (err) => {
          this.log.error({ reason: err.message }, 'Feishu long connection failed');
          settle(() => reject(new AppError('PLATFORM_API', `Feishu long connection failed: ${err.message}`)));
        },
        onReconnecting: () => this.log.warn('Feishu long connection lost; reconnecting'),
        onReconnected: () => this.log.info('Feishu long connection re-established'),
      });
      void this.ws.start({ eventDispatcher: this.dispatcher });
    });
  }

  private disconnect(): void {
    this.ws?.close({ force: true });
    this.ws = null;
  }

  async stop(): Promise<void> {
    this.disconnect();
    this.sink = null;
  }

  /** Sends with `im.message.create`; `idempotencyKey` becomes Feishu's dedupe `uuid`. */
  send(to: Recipient, msg: OutboundMessage, idempotencyKey: string): Promise<SendResult> {
    return sendFeishuMessage(this.client, to, msg, idempotencyKey);
  }

  /** A file sent to the bot (a rep's PDF), by its message id and file key. */
  async fetchFile(ref: { messageId: string; fileRef: string }): Promise<FetchedFile> {
    return { body: await fetchFeishuFile(this.client, ref, MAX_FILE_BYTES) };
  }
}
