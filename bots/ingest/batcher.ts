/**
 * Group commit: what arrives while a batch is being written waits for the next one, so a quiet
 * system writes each message at once and a busy one writes hundreds per statement. The batch size
 * adapts to the load with no timer and no added latency when idle.
 *
 * Two lines, each writing one batch at a time, in order. Urgent items (one platform delivery,
 * whose sender waits for the answer and delivers again after a few seconds) have a line of their
 * own: written in a small batch of their own at once, not behind an import's or an HTTP batch's
 * hundreds being written, nor filled up with them.
 */
export class Batcher<T, R> {
  readonly #flush: (items: T[], urgent: boolean) => Promise<R[]>;
  readonly #max: number;
  readonly #bulk = new Line<T, R>();
  readonly #urgent = new Line<T, R>();
  #idle: Array<() => void> = [];

  /** `flush(items, urgent)` writes one batch; `urgent` tells which line it comes from. */
  constructor(flush: (items: T[], urgent: boolean) => Promise<R[]>, max = 500) {
    this.#flush = flush;
    this.#max = max;
  }

  /**
   * Resolves with this item's result once its batch is written; rejects if the batch failed.
   * `urgent`: written in the urgent line, apart from bulk items.
   */
  add(item: T, urgent = false): Promise<R> {
    const line = urgent ? this.#urgent : this.#bulk;
    return new Promise<R>((resolve, reject) => {
      line.queue.push({ item, resolve, reject });
      if (!line.busy) void this.#run(line, urgent);
    });
  }

  /** Several items as one call; each still gets its own result. */
  addMany(items: readonly T[]): Promise<R[]> {
    return Promise.all(items.map((i) => this.add(i)));
  }

  /** Resolves when nothing is waiting or being written. */
  async idle(): Promise<void> {
    if (this.#bulk.idle && this.#urgent.idle) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #run(line: Line<T, R>, urgent: boolean): Promise<void> {
    line.busy = true;
    try {
      while (line.queue.length > 0) {
        const batch = line.queue.splice(0, this.#max);
        try {
          const results = await this.#flush(
            batch.map((b) => b.item),
            urgent,
          );
          for (const [i, b] of batch.entries()) b.resolve(results[i]!);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      line.busy = false;
      if (this.#bulk.idle && this.#urgent.idle) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}

class Line<T, R> {
  queue: Array<Entry<T, R>> = [];
  busy = false;
  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }
}

interface Entry<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}
