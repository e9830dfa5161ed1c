/**
 * Group commit: what arrives while a batch is being written waits for the next one, so a quiet
 * system writes each message at once and a busy one writes hundreds per statement. The batch size
 * adapts to the load with no timer and no added latency when idle.
 *
 * Urgent items (one platform delivery, whose sender waits for the answer and delivers again after
 * a few seconds) go into the next batch ahead of bulk ones (an import's or an HTTP batch's
 * hundreds), instead of waiting behind every batch already queued.
 */
export class Batcher<T, R> {
  readonly #flush: (items: T[]) => Promise<R[]>;
  readonly #max: number;
  #queue: Array<Entry<T, R>> = [];
  #urgent: Array<Entry<T, R>> = [];
  #busy = false;
  #idle: Array<() => void> = [];

  constructor(flush: (items: T[]) => Promise<R[]>, max = 500) {
    this.#flush = flush;
    this.#max = max;
  }

  /**
   * Resolves with this item's result once its batch is written; rejects if the batch failed.
   * `urgent`: written in the next batch, before bulk items queued earlier.
   */
  add(item: T, urgent = false): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      (urgent ? this.#urgent : this.#queue).push({ item, resolve, reject });
      if (!this.#busy) void this.#run();
    });
  }

  /** Several items as one call; each still gets its own result. */
  addMany(items: readonly T[]): Promise<R[]> {
    return Promise.all(items.map((i) => this.add(i)));
  }

  /** Resolves when nothing is waiting or being written. */
  async idle(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0 && this.#urgent.length === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #run(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#queue.length > 0 || this.#urgent.length > 0) {
        const batch = this.#urgent.splice(0, this.#max);
        batch.push(...this.#queue.splice(0, this.#max - batch.length));
        try {
          const results = await this.#flush(batch.map((b) => b.item));
          for (const [i, b] of batch.entries()) b.resolve(results[i]!);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.#busy = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}

interface Entry<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}
