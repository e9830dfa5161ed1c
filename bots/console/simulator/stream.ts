/**
 * Server-sent events for the simulator: the frame format, and the open streams of this process,
 * at most MAX_STREAMS_PER_SESSION per console session (a page, a second tab, a reconnect while
 * the old socket has not closed yet), ended when their session signs out and when the server
 * closes, so that shutdown never waits on a page left open.
 *
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import type { ServerResponse } from 'node:http';

export const MAX_STREAMS_PER_SESSION = 3;
/** A comment line this often keeps proxies from closing an idle stream and checks the session. */
export const HEARTBEAT_MS = 15_000;

/**
 * One event: `id`, `event` and one `data` line of JSON. JSON.stringify escapes line breaks inside
 * strings, so the data never spans lines; an id or event name with a line break is a bug.
 */
export function sseFrame(event: string, data: unknown, id?: string): string {
  if (/[\r\n]/.test(event) || (id !== undefined && /[\r\n\0]/.test(id))) throw new Error('an event name or id cannot hold a line break');
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface OpenStream {
  readonly sessionKey: string;
  /** Writes one event; false once the stream has ended. */
  send(event: string, data: unknown, id?: string): boolean;
  /** Ends the stream, telling the page why (it does not reconnect after `closing`). */
  end(reason: string): void;
  /** Runs when the stream ends, whoever ends it. */
  onEnd(fn: () => void): void;
}

export class StreamRegistry {
  readonly #bySession = new Map<string, Set<OpenStream>>();
  #closed = false;

  constructor(readonly maxPerSession = MAX_STREAMS_PER_SESSION) {}

  /** Streams open in this process. */
  get size(): number {
    let n = 0;
    for (const s of this.#bySession.values()) n += s.size;
    return n;
  }

  /**
   * Takes over `res` as an event stream for the session; null (nothing written) when the session
   * already has its most streams open or the server is closing.
   */
  open(sessionKey: string, res: ServerResponse, headers: Record<string, string>): OpenStream | null {
    const mine = this.#bySession.get(sessionKey) ?? new Set<OpenStream>();
    if (this.#closed || mine.size >= this.maxPerSession) return null;
    this.#bySession.set(sessionKey, mine);
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx and similar proxies would otherwise hold the events back.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    // The browser reconnects after this long if the connection drops without `closing`.
    res.write('retry: 3000\n\n');
    const ends: Array<() => void> = [];
    let open = true;
    const finish = () => {
      if (!open) return;
      open = false;
      mine.delete(stream);
      if (mine.size === 0 && this.#bySession.get(sessionKey) === mine) this.#bySession.delete(sessionKey);
      for (const fn of ends) fn();
    };
    const stream: OpenStream = {
      sessionKey,
      send: (event, data, id) => {
        if (!open || res.writableEnded) return false;
        res.write(sseFrame(event, data, id));
        return true;
      },
      end: (reason) => {
        if (!open) return;
        if (!res.writableEnded) res.end(sseFrame('closing', { reason }));
        finish();
      },
      onEnd: (fn) => {
        if (open) ends.push(fn);
        else fn();
      },
    };
    res.on('close', finish);
    mine.add(stream);
    return stream;
  }

  /** Ends the session's streams (sign-out). */
  closeSession(sessionKey: string, reason = 'signed-out'): void {
    for (const s of [...(this.#bySession.get(sessionKey) ?? [])]) s.end(reason);
  }

  /** Ends every stream and refuses new ones (server shutdown). */
  closeAll(reason = 'shutdown'): void {
    this.#closed = true;
    for (const set of [...this.#bySession.values()]) for (const s of [...set]) s.end(reason);
  }
}
