/**
 * Test helpers: a recording InboundSink (it stands in for ingest and only records; dedupe answers
 * are by messageId so a redelivery reads `duplicate`), a pino logger that keeps its lines in
 * memory so tests can check nothing secret was logged, and fixture loading.
 */
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { REDACT_PATHS } from '../../../core/logger.ts';
import type { InboundMessage, CardPress } from '../../../core/types.ts';
import type { InboundSink, IngestResult, PressResult } from '../../../adapters/types.ts';

export class RecordingSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  /** Feedback presses, flattened as the adapters' tests read them. */
  readonly feedbacks: Array<{ platform: string; senderId: string; nudgeId: string; value: string }> = [];
  readonly presses: CardPress[] = [];
  /** performance.now() at which each message()/feedback() call resolved, in order. */
  readonly resolvedAt: number[] = [];
  /** While set, message() waits on it before answering (to check the ack waits for the sink). */
  hold: Promise<void> | null = null;
  /** The next `failures` calls throw, as a store that is down would. */
  failures = 0;
  private readonly seen = new Set<string>();

  async message(msg: InboundMessage): Promise<IngestResult> {
    this.messages.push(msg);
    if (this.hold) await this.hold;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('store unavailable');
    }
    const status = this.seen.has(msg.messageId) ? 'duplicate' : 'stored';
    this.seen.add(msg.messageId);
    this.resolvedAt.push(performance.now());
    return { status, id: `row-${msg.messageId}` };
  }

  async press(p: CardPress): Promise<PressResult> {
    this.presses.push(p);
    if (p.action.kind === 'feedback') this.feedbacks.push({ platform: p.platform, senderId: p.senderId, nudgeId: p.action.nudgeId, value: p.action.value });
    this.resolvedAt.push(performance.now());
    return { status: 'applied' };
  }
}

/** A pino logger at debug level whose output lines are kept in `lines`. */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

/** A recorded-shape payload from fixtures/, with fields overridden. */
export function fixture(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  return { ...raw, ...overrides };
}

/** A promise with its resolve handle. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
