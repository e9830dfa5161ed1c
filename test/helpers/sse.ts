/** A server-sent event stream read as a browser reads it, for the simulator's tests. */
import { expect } from 'vitest';

export interface Sse {
  id?: string;
  event: string;
  data: unknown;
}

/** A stream read as the browser would: frames split on blank lines, fields by name. */
export class SseReader {
  readonly events: Sse[] = [];
  #buf = '';
  #waiters: Array<() => void> = [];
  ended = false;
  status = 0;
  headers: Headers | null = null;

  constructor(readonly ctl: AbortController) {}

  static async open(url: string, cookie: string): Promise<SseReader> {
    const r = new SseReader(new AbortController());
    const res = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal: r.ctl.signal });
    r.status = res.status;
    r.headers = res.headers;
    if (!res.ok || !res.body) {
      r.ended = true;
      r.events.push({ event: 'http-error', data: await res.text() });
      return r;
    }
    void r.#pump(res.body);
    return r;
  }

  async #pump(body: ReadableStream<Uint8Array>) {
    const dec = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.#buf += dec.decode(chunk, { stream: true });
        let i = this.#buf.indexOf('\n\n');
        while (i >= 0) {
          const frame = this.#buf.slice(0, i);
          this.#buf = this.#buf.slice(i + 2);
          const fields = new Map<string, string>();
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const at = line.indexOf(': ');
            if (at > 0) fields.set(line.slice(0, at), line.slice(at + 2));
          }
          if (fields.has('event')) {
            this.events.push({ ...(fields.has('id') ? { id: fields.get('id')! } : {}), event: fields.get('event')!, data: JSON.parse(fields.get('data')!) });
          }
          i = this.#buf.indexOf('\n\n');
        }
        for (const w of this.#waiters.splice(0)) w();
      }
    } catch {
      // aborted
    }
    this.ended = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits until an event matches (or the stream ends, or 20 s pass: the machine may be loaded). */
  async waitFor(pred: (e: Sse) => boolean, tick?: () => Promise<void>): Promise<Sse> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (this.ended || Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(this.events)}`);
      await tick?.();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitEnd(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!this.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(this.ended).toBe(true);
  }

  close() {
    this.ctl.abort();
  }
}
