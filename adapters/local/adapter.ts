/**
 * The local adapter: messages come in through the HTTP ingest, replays and the demo; what it
 * "sends" is recorded as a sent delivery, readable at GET /v1/outbox. Used when no platform
 * credentials are set, and by the tests.
 */
import type { OutboundMessage, Recipient } from '../../core/types.ts';
import type { Adapter, InboundSink, SendResult } from '../types.ts';

export class LocalAdapter implements Adapter {
  readonly platform = 'local' as const;
  #sink: InboundSink | null = null;
  /** Sends in order, for tests that want to fail one: set `failNext` to throw from the next send. */
  failNext: Error | null = null;

  async start(sink: InboundSink): Promise<void> {
    this.#sink = sink;
  }

  async stop(): Promise<void> {
    this.#sink = null;
  }

  /** The sink given at start: the HTTP ingest hands local messages to it. */
  get sink(): InboundSink {
    if (!this.#sink) throw new Error('local adapter not started');
    return this.#sink;
  }

  async send(_to: Recipient, _msg: OutboundMessage, idempotencyKey: string): Promise<SendResult> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = null;
      throw err;
    }
    return { platformMessageId: `local:${idempotencyKey}` };
  }
}
