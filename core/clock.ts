/**
 * Time comes from a clock so the demo and the tests can replay weeks of chat in seconds while the
 * production path reads the system time.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: the demo's simulated time and the tests'. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: Date) {
    this.#t = start.getTime();
  }
  now(): Date {
    return new Date(this.#t);
  }
  set(t: Date): void {
    // Time never runs backwards, even when replayed messages arrive out of order.
    if (t.getTime() > this.#t) this.#t = t.getTime();
  }
}
