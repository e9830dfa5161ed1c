/**
 * The DingTalk adapter: robot messages and card presses arrive over Stream mode, are parsed and
 * handed to the sink, and are acknowledged to DingTalk only once the sink has stored them.
 * Sends go through the conversation's session webhook when one is fresh, else the OpenAPI.
 */
import { TOPIC_CARD, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { OutboundMessage, Recipient } from '../../core/types.ts';
import { handOver } from '../hand-over.ts';
import type { Adapter, FetchedFile, InboundSink, SendResult } from '../types.ts';
import { DingtalkApi } from './api.ts';
import { encodeRobotTemplate, encodeWebhookBody } from './encode.ts';
import { parseDingtalkCardCallback, parseDingtalkMessage } from './parse.ts';
import { SessionWebhooks } from './session-webhooks.ts';
import { DingtalkStreamClient, type DingtalkStreamOptions } from './stream-client.ts';

/** The stream connection's options (credentials, gateway, timeouts), plus the send side's. */
export interface DingtalkAdapterOptions extends DingtalkStreamOptions {
  /** The robot's code; for an internal app's robot it equals the client id. */
  robotCode: string;
  /** OpenAPI base URL, `https://api.dingtalk.com` in production. */
  apiBase: string;
  now?: () => number;
}

/** What the robot answers DingTalk in a callback ack; DingTalk only needs the ack itself. */
const ACK_RESULT = {};

/** Largest file fetched for the bot: the largest PDF dealwise shares (20 MB). */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

export class DingtalkAdapter implements Adapter {
  readonly platform = 'dingtalk' as const;
  private readonly log: Logger;
  private readonly api: DingtalkApi;
  private readonly sessions: SessionWebhooks;
  private client: DingtalkStreamClient | null = null;

  constructor(private readonly opts: DingtalkAdapterOptions) {
    this.log = opts.log.child({ component: 'dingtalk' });
    this.sessions = new SessionWebhooks(opts.now);
    this.api = new DingtalkApi({
      apiBase: opts.apiBase,
      appKey: opts.clientId,
      appSecret: opts.clientSecret,
      robotCode: opts.robotCode,
      log: this.log,
      timeoutMs: opts.timeoutMs,
      now: opts.now,
    });
  }

  /**
   * Connects to the Stream gateway. Rejects when the first connection cannot be made (CONFIG_INVALID
   * for refused credentials, PLATFORM_API otherwise); later drops reconnect by themselves.
   */
  async start(sink: InboundSink): Promise<void> {
    if (this.client) throw new AppError('INTERNAL', 'DingTalk adapter already started');
    const client = new DingtalkStreamClient({
      clientId: this.opts.clientId,
      clientSecret: this.opts.clientSecret,
      gatewayUrl: this.opts.gatewayUrl,
      log: this.log,
      timeoutMs: this.opts.timeoutMs,
      heartbeatMs: this.opts.heartbeatMs,
      reconnectDelayMs: this.opts.reconnectDelayMs,
      maxReconnectDelayMs: this.opts.maxReconnectDelayMs,
    });
    // The SDK emits callbacks synchronously and never acks them: each handler acks itself.
    const fail = (err: unknown) => this.log.error({ err }, 'dingtalk callback handler failed');
    client.registerCallbackListener(TOPIC_ROBOT, (frame) => void this.onRobotMessage(client, sink, frame).catch(fail));
    client.registerCallbackListener(TOPIC_CARD, (frame) => void this.onCardCallback(client, sink, frame).catch(fail));
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.client = null;
      this.log.error({ err }, 'dingtalk stream could not start');
      throw err;
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.stop();
  }

  /**
   * Sends one message. DingTalk has no client-side dedupe key, so `idempotencyKey` is unused:
   * the outbound layer's own bookkeeping is what prevents a second send.
   */
  async send(to: Recipient, msg: OutboundMessage, _idempotencyKey: string): Promise<SendResult> {
    const url = this.sessions.lookup(to);
    if (url !== null) {
      const body = encodeWebhookBody(msg);
      try {
        await this.api.postWebhook(url, body);
        return {};
      } catch (err) {
        if (err instanceof AppError && err.code === 'RATE_LIMITED') throw err;
        // The webhook is only a shortcut; a dead one is dropped and the OpenAPI used instead.
        this.sessions.forget(to);
        this.log.warn({ err }, 'dingtalk session webhook failed; sending through the OpenAPI');
      }
    }
    const tpl = encodeRobotTemplate(msg);
    return 'userId' in to ? this.api.sendToUser(to.userId, tpl) : this.api.sendToGroup(to.chatId, tpl);
  }

  /** A file sent to the robot (a rep's PDF), by the download code its message carried. */
  async fetchFile(ref: { messageId: string; fileRef: string }): Promise<FetchedFile> {
    return { body: await this.api.downloadMessageFile(ref.fileRef, MAX_FILE_BYTES) };
  }

  private async onRobotMessage(client: DingtalkStreamClient, sink: InboundSink, frame: DWClientDownStream): Promise<void> {
    const messageId = frame.headers.messageId;
    let parsed: ReturnType<typeof parseDingtalkMessage>;
    try {
      parsed = parseDingtalkMessage(frame.data);
    } catch (err) {
      // Redelivery cannot fix a malformed payload: ack it so DingTalk stops, and say so.
      this.log.warn({ err, messageId, topic: frame.headers.topic }, 'dingtalk robot message rejected');
      this.ack(client, messageId);
      return;
    }
    const { message, press, session } = parsed;
    if (session) this.sessions.remember(message.conversationId, message.chatType === 'single', message.senderId, session);
    const ids = { messageId, msgId: message.messageId, conversationId: message.conversationId };
    // Not acked: DingTalk redelivers within about a minute, by which time the store may be back.
    const ack = await handOver(this.log, ids, () => (press ? sink.press(press) : sink.message(message)));
    if (ack === 'ack') this.ack(client, messageId);
  }

  private async onCardCallback(client: DingtalkStreamClient, sink: InboundSink, frame: DWClientDownStream): Promise<void> {
    const messageId = frame.headers.messageId;
    let press: ReturnType<typeof parseDingtalkCardCallback>;
    try {
      press = parseDingtalkCardCallback(frame.data, frame.headers.eventBornTime ?? frame.headers.time);
    } catch (err) {
      this.log.warn({ err, messageId }, 'dingtalk card callback rejected');
      this.ack(client, messageId);
      return;
    }
    if (!press) {
      this.log.debug({ messageId }, 'dingtalk card callback without one of our button values ignored');
      this.ack(client, messageId);
      return;
    }
    if ((await handOver(this.log, { messageId }, () => sink.press(press))) === 'ack') this.ack(client, messageId);
  }

  private ack(client: DingtalkStreamClient, messageId: string): void {
    // https://open-dingtalk.github.io/developerpedia/docs/learn/stream/protocol (callback response)
    try {
      client.socketCallBackResponse(messageId, ACK_RESULT);
    } catch (err) {
      // A socket mid-reconnect: the callback will be redelivered and acked then.
      this.log.warn({ err, messageId }, 'dingtalk callback ack not sent');
    }
  }
}
