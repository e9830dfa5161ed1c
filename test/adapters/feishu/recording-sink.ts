/**
 * An InboundSink that records what the adapter hands it and answers like ingest would: `stored`
 * the first time a message id is seen, `duplicate` after. It can hold the next message (to show
 * the ack waits for it) or fail it (to show a failure is not acked as success).
 */
import type { InboundMessage, CardPress } from '../../../core/types.ts';
import type { InboundSink, IngestResult, PressResult } from '../../../adapters/types.ts';

export class RecordingSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly outcomes: IngestResult[] = [];
  /** Feedback presses, flattened as the adapters' tests read them. */
  readonly feedbacks: Array<{ platform: string; senderId: string; nudgeId: string; value: string }> = [];
  readonly presses: CardPress[] = [];
  /** performance.now() at which each message call resolved. */
  readonly resolvedAt: number[] = [];
  private readonly seen = new Set<string>();
  private gate: Promise<void> | null = null;
  private failure: Error | null = null;

  /** Holds the next messages until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.gate = null;
      release();
    };
  }

  /** The next message call rejects with this error. */
  failNext(err: Error): void {
    this.failure = err;
  }

  async message(msg: InboundMessage): Promise<IngestResult> {
    this.messages.push(msg);
    if (this.gate) await this.gate;
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      throw err;
    }
    const outcome: IngestResult = { status: this.seen.has(msg.messageId) ? 'duplicate' : 'stored', id: `row-${this.seen.size + 1}` };
    this.seen.add(msg.messageId);
    this.outcomes.push(outcome);
    this.resolvedAt.push(performance.now());
    return outcome;
  }

  async press(p: CardPress): Promise<PressResult> {
    this.presses.push(p);
    if (p.action.kind === 'feedback') this.feedbacks.push({ platform: p.platform, senderId: p.senderId, nudgeId: p.action.nudgeId, value: p.action.value });
    return { status: 'applied' };
  }
}
