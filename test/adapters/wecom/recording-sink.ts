/**
 * An InboundSink that records what it was given and answers like ingest would: `stored` the
 * first time a (platform, messageId) is seen, `duplicate` after. The adapter under test must
 * respect the answer, not second-guess it.
 */
import type { InboundSink, IngestResult, PressResult } from '../../../adapters/types.ts';
import type { InboundMessage, CardPress } from '../../../core/types.ts';

export class RecordingSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly outcomes: IngestResult[] = [];
  /** Feedback presses, flattened as the adapters' tests read them. */
  readonly feedbacks: Array<{ platform: string; senderId: string; nudgeId: string; value: string }> = [];
  readonly presses: CardPress[] = [];
  /** When set, `message` rejects with it (a database that is down). */
  failWith: Error | null = null;
  private seen = new Set<string>();
  private waiters: Array<() => void> = [];

  async message(msg: InboundMessage): Promise<IngestResult> {
    if (this.failWith) throw this.failWith;
    this.messages.push(msg);
    const key = `${msg.platform}:${msg.messageId}`;
    const outcome: IngestResult = { status: this.seen.has(key) ? 'duplicate' : 'stored', id: key };
    this.seen.add(key);
    this.outcomes.push(outcome);
    this.notify();
    return outcome;
  }

  async press(p: CardPress): Promise<PressResult> {
    this.presses.push(p);
    if (p.action.kind === 'feedback') this.feedbacks.push({ platform: p.platform, senderId: p.senderId, nudgeId: p.action.nudgeId, value: p.action.value });
    this.notify();
    return { status: 'applied' };
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `test` holds; rejects after `timeoutMs`. */
  async waitUntil(test: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('recording sink: condition not met in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForMessages(n: number): Promise<void> {
    return this.waitUntil(() => this.messages.length >= n);
  }
}
