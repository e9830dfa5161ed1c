/**
 * The WeCom intelligent bot (智能机器人) over its WebSocket long connection, with the official
 * `@wecom/aibot-node-sdk`. Receives 1:1 and group messages and card presses, hands them to the
 * sink, and pushes markdown / template cards to a user id (1:1) or a chat id (group).
 *
 * Protocol: https://developer.work.weixin.qq.com/document/path/101463 (long connection).
 * WeCom keeps one long connection per bot: a second process connecting with the same bot id
 * kicks this one off (`disconnected_event`), and the SDK then stops reconnecting.
 */
import { decryptFile, WSClient, type WsFrame, type Logger as SdkLogger } from '@wecom/aibot-node-sdk';
import type { Adapter, FetchedFile, InboundSink, SendProgress, SendResult } from '../types.ts';
import type { OutboundMessage, Recipient } from '../../core/types.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { parseBotCardEvent, parseBotMessage, readBotFileRef } from './bot-parse.ts';
import { encodeBotMessages } from './encode.ts';
import { wecomError, wecomTransportError } from './errcode.ts';

/** Waits between tries of a store that failed (the database restarting): about 7 s in all. */
const STORE_RETRIES: readonly number[] = [500, 2_000, 4_500];

/** Constructor options of WecomBotAdapter. */
export interface WecomBotOptions {
  botId: string;
  secret: string;
  /** Default `wss://openws.work.weixin.qq.com`; tests point it at a loopback fake. */
  wsUrl?: string;
  log: Logger;
  /** Base reconnect delay; the SDK doubles it per attempt up to 30 s. Default 1,000 ms. */
  reconnectIntervalMs?: number;
  /** -1 (default) reconnects forever: a coaching bot must come back after any outage. */
  maxReconnectAttempts?: number;
  /** Ping period; two unanswered pings close the socket and reconnect. Default 30,000 ms. */
  heartbeatIntervalMs?: number;
  /** Waits between tries of a store that failed; default about 7 s in all (tests shorten it). */
  storeRetryMs?: readonly number[];
  /** How long `start` waits for the first authenticated connection. Default 15,000 ms. */
  startTimeoutMs?: number;
  /** Longest download of a file sent to the bot. Default 30,000 ms. */
  fileTimeoutMs?: number;
}

/** Routes the SDK's `(message, ...args)` logging into our structured pino logger. */
function sdkLogger(log: Logger): SdkLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, ...args: unknown[]) => {
      if (args.length === 0) log[level](message);
      else log[level]({ sdk: args }, message);
    };
  // The SDK logs every callback body at info/debug; keep its chatter at debug.
  return { debug: at('debug'), info: at('debug'), warn: at('warn'), error: at('error') };
}

/** The SDK rejects a send with the ack frame itself when errcode ≠ 0, or an Error otherwise. */
function sendError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (typeof err === 'object' && err !== null && typeof (err as WsFrame).errcode === 'number') {
    const frame = err as WsFrame;
    return wecomError('bot sendMessage', frame.errcode as number, frame.errmsg);
  }
  return wecomTransportError('bot sendMessage', err instanceof Error ? err.message : String(err));
}

/** Largest file fetched for the bot: the largest PDF dealwise shares (20 MB). */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** A download's file name from its Content-Disposition (RFC 6266: `filename*` first). */
function fileNameOf(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*=UTF-8''([^;\s]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!);
    } catch {
      return undefined;
    }
  }
  return /filename="?([^";]+)"?/i.exec(header)?.[1]?.trim() || undefined;
}

/** The intelligent bot adapter; transport only. */
export class WecomBotAdapter implements Adapter {
  readonly platform = 'wecom' as const;
  /** Which WeCom channel this is, when both the bot and the app are configured. */
  readonly channel = 'bot' as const;
  readonly sendsOverLiveConnection = true;
  private client: WSClient | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: WecomBotOptions) {
    this.log = opts.log.child({ adapter: 'wecom-bot' });
  }

  /** Connects, authenticates and resolves once the first connection is subscribed. */
  async start(sink: InboundSink): Promise<void> {
    if (this.client) throw new AppError('INTERNAL', 'WeCom bot adapter already started');
    const client = new WSClient({
      botId: this.opts.botId,
      secret: this.opts.secret,
      ...(this.opts.wsUrl === undefined ? {} : { wsUrl: this.opts.wsUrl }),
      reconnectInterval: this.opts.reconnectIntervalMs ?? 1_000,
      maxReconnectAttempts: this.opts.maxReconnectAttempts ?? -1,
      heartbeatInterval: this.opts.heartbeatIntervalMs ?? 30_000,
      logger: sdkLogger(this.log),
    });
    this.client = client;

    client.on('message', (frame) => void this.onMessage(sink, frame));
    client.on('event.template_card_event', (frame) => void this.onCardEvent(sink, frame));
    client.on('authenticated', () => this.log.info('WeCom bot connection authenticated'));
    client.on('disconnected', (reason) => this.log.warn({ reason }, 'WeCom bot connection closed'));
    client.on('reconnecting', (attempt) => this.log.info({ attempt }, 'WeCom bot reconnecting'));
    client.on('error', (err) => {
      // These two mean the SDK has stopped trying: nothing arrives until the process restarts.
      const code = (err as { code?: string }).code;
      if (code === 'WS_AUTH_FAILURE_EXHAUSTED' || code === 'WS_RECONNECT_EXHAUSTED') {
        this.log.error({ err }, 'WeCom bot gave up reconnecting');
      } else this.log.warn({ err }, 'WeCom bot connection error');
    });
    client.on('event.disconnected_event', () =>
      this.log.error('WeCom closed this bot connection because another one opened with the same bot id; not reconnecting'),
    );

    try {
      await this.authenticated(client, this.opts.startTimeoutMs ?? 15_000);
    } catch (err) {
      client.removeAllListeners();
      client.disconnect();
      this.client = null;
      throw err;
    }
  }

  private authenticated(client: WSClient, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        client.off('authenticated', onAuth);
        client.off('error', onError);
      };
      const onAuth = () => {
        done();
        resolve();
      };
      // The SDK reports a refused subscribe as an Error "Authentication failed: <errmsg> (code: N)";
      // retrying bad credentials cannot succeed, so `start` fails visibly instead.
      const onError = (err: Error) => {
        if (!err.message.startsWith('Authentication failed')) return;
        done();
        reject(new AppError('PLATFORM_API', `WeCom bot ${err.message}`, { details: { retryable: false } }));
      };
      const timer = setTimeout(() => {
        done();
        reject(wecomTransportError('bot connect', `no authenticated connection within ${timeoutMs} ms`));
      }, timeoutMs);
      client.on('authenticated', onAuth);
      client.on('error', onError);
      client.connect();
    });
  }

  private async onMessage(sink: InboundSink, frame: WsFrame): Promise<void> {
    let msg: ReturnType<typeof parseBotMessage>;
    try {
      msg = parseBotMessage(frame.body);
    } catch (err) {
      this.log.warn({ err: toAppError(err), reqId: frame.headers?.req_id }, 'WeCom bot message rejected');
      return;
    }
    const stored = await this.withRetries(() => sink.message(msg));
    if (stored === null || stored.status === 'refused') {
      // A long connection has no ack to withhold and WeCom will not redeliver: the sender is told
      // plainly that the message was not handled, instead of silence.
      const why = stored === null ? '暂时没能处理这条消息，请稍后再发一次。' : `这条消息无法处理：${stored.reason}`;
      this.log.error({ messageId: msg.messageId, refused: stored?.status === 'refused' }, 'WeCom bot message not handled; the sender is told');
      await this.client?.replyStream(frame, `nack-${msg.messageId}`, why, true).catch((err) => this.log.warn({ err }, 'WeCom bot could not say so'));
      return;
    }
    this.log.debug({ messageId: msg.messageId, status: stored.status }, 'WeCom bot message ingested');
  }

  private async onCardEvent(sink: InboundSink, frame: WsFrame): Promise<void> {
    const press = parseBotCardEvent(frame.body);
    if (!press) {
      this.log.warn({ reqId: frame.headers?.req_id }, 'WeCom bot card press is not one of our buttons; ignored');
      return;
    }
    const result = await this.withRetries(() => sink.press(press));
    if (result === null) this.log.error({ kind: press.action.kind }, 'WeCom bot card press could not be stored');
    else if (result.status === 'refused') this.log.warn({ reason: result.reason }, 'WeCom bot card press refused');
  }

  /** The sink's answer, trying a store that failed a few more times (nothing redelivers a long-connection frame); null if it never succeeded. */
  private async withRetries<T>(work: () => Promise<T>): Promise<T | null> {
    const waits = this.opts.storeRetryMs ?? STORE_RETRIES;
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= waits.length) {
          this.log.error({ err }, 'WeCom bot: store failed after retries');
          return null;
        }
        await new Promise((r) => setTimeout(r, waits[attempt]));
      }
    }
  }

  /**
   * A file sent to the bot: its encrypted download (the callback's URL, valid five minutes) is
   * fetched and decrypted with the callback's AES key (the SDK's decryptFile: AES-256-CBC, PKCS#7
   * to 32 bytes); the name comes from Content-Disposition. The URL is never logged or put in an
   * error. https://developer.work.weixin.qq.com/document/path/100719
   */
  async fetchFile(ref: { messageId: string; fileRef: string }): Promise<FetchedFile> {
    const file = readBotFileRef(ref.fileRef);
    if (!file) throw new AppError('UNSUPPORTED_MESSAGE', 'not a WeCom bot file reference');
    let res: Response;
    try {
      res = await fetch(file.url, { signal: AbortSignal.timeout(this.opts.fileTimeoutMs ?? 30_000) });
    } catch (err) {
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw wecomTransportError('bot file download', `request failed (${reason})`);
    }
    if (!res.ok || !res.body) throw wecomTransportError('bot file download', `HTTP ${res.status} (the link lives five minutes)`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > MAX_FILE_BYTES) {
        await res.body.cancel().catch(() => {});
        throw new AppError('PAYLOAD_TOO_LARGE', `the file is over ${MAX_FILE_BYTES} bytes`);
      }
      chunks.push(Buffer.from(chunk));
    }
    let body: Buffer = Buffer.concat(chunks);
    if (file.aeskey) {
      try {
        body = decryptFile(body, file.aeskey);
      } catch (err) {
        throw wecomTransportError('bot file download', `could not decrypt the file: ${(err as Error).message}`);
      }
    }
    const name = fileNameOf(res.headers.get('content-disposition'));
    return name ? { body, name } : { body };
  }

  /** Disconnects; pending sends are rejected by the SDK. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    client.removeAllListeners();
    client.disconnect();
  }

  /**
   * Pushes one message with `aibot_send_msg` (the SDK's `sendMessage`): chatid is the user id
   * for a 1:1 chat, the chat id for a group. WeCom only delivers a push to a user who has
   * talked to the bot before. The ack carries no message id.
   */
  async send(to: Recipient, msg: OutboundMessage, idempotencyKey: string, progress: SendProgress = { done: 0 }): Promise<SendResult> {
    const client = this.client;
    if (!client) throw wecomTransportError('bot sendMessage', 'the bot adapter is not started');
    const chatid = 'userId' in to ? to.userId : to.chatId;
    for (const body of encodeBotMessages(msg, idempotencyKey).slice(progress.done)) {
      try {
        // https://developer.work.weixin.qq.com/document/path/101463 (aibot_send_msg, 主动推送)
        await client.sendMessage(chatid, body);
      } catch (err) {
        throw sendError(err);
      }
      progress.done++;
    }
    return {};
  }
}
