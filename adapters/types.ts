/**
 * The adapter contract. An adapter does transport only: verify, parse to the normalized model,
 * send. It decides nothing; everything it receives goes to the sink, which persists before the
 * adapter acknowledges to the platform.
 */
import type { CardPress, InboundMessage, OutboundMessage, Platform, Recipient } from '../core/types.ts';

/**
 * What the sink answered for one message, and so what the adapter tells its platform: `stored`
 * and `duplicate` are acknowledged as handled; `refused` is bad input that will never be better:
 * a webhook answers it with a 400 naming the reason, a long connection acknowledges it (a nack
 * only earns identical redeliveries) and logs the reason. A sink that throws could not store the
 * message (the database is down): the adapter must not acknowledge, so the platform delivers it
 * again (or, where the platform cannot, the sender is told it was not handled).
 */
export type IngestResult = { status: 'stored'; id: string } | { status: 'duplicate' } | { status: 'refused'; reason: string };

/** What a card press came to: applied, already applied before (a replay), or refused with a reason. */
export type PressResult = { status: 'applied' } | { status: 'duplicate' } | { status: 'refused'; reason: string };

/** Where adapters hand what they receive. */
export interface InboundSink {
  /** Resolves once the message is durably stored (or known), never before. */
  message(msg: InboundMessage): Promise<IngestResult>;
  press(press: CardPress): Promise<PressResult>;
}

/** A file downloaded from a platform. */
export interface FetchedFile {
  body: Buffer;
  /** The file's name, when the message did not carry it (the WeCom bot's file callbacks). */
  name?: string;
}

export interface SendResult {
  /** The platform's id for the sent message, when it returns one. */
  platformMessageId?: string;
}

/**
 * How far a multi-part message got: an adapter that sends a message as several platform messages
 * skips the first `done` parts and counts each part the platform accepts, so a retry after a
 * failed part does not send the earlier ones again.
 */
export interface SendProgress {
  done: number;
}

export interface Adapter {
  readonly platform: Platform;
  /**
   * True when this adapter sends over the live connection its `start` opened (the WeCom
   * intelligent bot's socket), so its sends must run in the process where it is connected.
   */
  readonly sendsOverLiveConnection?: boolean;
  start(sink: InboundSink): Promise<void>;
  stop(): Promise<void>;
  /**
   * Sends one message. `idempotencyKey` is stable across retries of the same logical message, so
   * an adapter whose platform supports client-side dedupe (Feishu `uuid`) passes it on. An
   * adapter that sends one message as several parts honours and advances `progress`.
   */
  send(to: Recipient, msg: OutboundMessage, idempotencyKey: string, progress?: SendProgress): Promise<SendResult>;
  /**
   * The bytes of a file a message carried (its `Attachment.fileRef`; `messageId` is the platform's
   * id of that message), with its name when only the download tells it, where the platform lets a
   * bot download what it was sent. Throws AppError PLATFORM_API when the platform refuses, and
   * UNSUPPORTED_MESSAGE when the reference is not this adapter's.
   */
  fetchFile?(ref: { messageId: string; fileRef: string }): Promise<FetchedFile>;
}

/** A plain HTTP route an adapter needs (webhook callbacks); the server mounts it with the raw body. */
export interface HttpRoute {
  method: 'GET' | 'POST';
  url: string;
  handler(req: HttpRequest): Promise<HttpResponse>;
}
export interface HttpRequest {
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  /** The body exactly as received: signatures are computed over it. */
  rawBody: string;
}
export interface HttpResponse {
  status: number;
  body: string | object;
  headers?: Record<string, string>;
}

/** Adapters with webhook endpoints expose them here; the sink is the one given to `start`. */
export interface HttpAdapter extends Adapter {
  routes(): HttpRoute[];
}

/** Per-platform send limits (PLATFORMS.md); the outbound layer paces sends by them. */
export interface SendLimit {
  /** Scope of the limit: per recipient user, per chat, or for the whole bot. */
  scope: 'recipient' | 'bot';
  max: number;
  perMs: number;
}
