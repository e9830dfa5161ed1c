/**
 * The hot path's plain statements on PGlite, prepared once: what postgres.js's `prepare: true`
 * does on PostgreSQL (see openPostgres).
 *
 * PGlite's `query` sends every statement unnamed, as six protocol messages, each a call into the
 * WASM backend (Parse, Describe, Bind, Describe, Execute, Sync): the text is parsed, analysed and
 * rewritten at every call, and each call pays PGlite's per-message wrapping. Here a statement is
 * parsed once under a name, and each call is one buffer of Bind, Describe, Execute and Sync. The
 * session plans every call for its data, as on PostgreSQL (`force_custom_plan`, set at open):
 * a generic plan made while a table is small would keep its sequential scans as the table grows,
 * since the embedded database is never analysed. `planMode` opts a transaction's inserts into
 * plans made once, as it does on PostgreSQL.
 *
 * The statements are named in the backend's one session; they are not transactional (a rollback
 * keeps them) and the least recently used are closed beyond `max`, since statement texts are
 * not bounded in principle (a list spelled out as $1, $2, …).
 */
import { type PGlite, parse, protocol } from '@electric-sql/pglite';

const { serialize } = protocol;

/** What follows every Bind: Describe the unnamed portal (its row shape), Execute it to the end, Sync. */
const RUN = Buffer.concat([serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);

/**
 * A Bind of the unnamed portal to statement `name` (every parameter and result in text), then
 * RUN, in one buffer sized before it is written: the bytes PGlite's `serialize.bind` writes,
 * without its costs. That serializer measures each string's UTF-8 length in a JavaScript loop
 * and grows its buffer by copying, and a batch's one JSON parameter is tens of kB: it was about
 * 7% of the embedded loop's CPU. Here Node measures and encodes natively.
 */
export function bindAndRun(name: string, values: readonly (string | null)[]): Buffer {
  const n = values.length;
  const lengths = values.map((v) => (v === null ? -1 : Buffer.byteLength(v)));
  const nameLength = Buffer.byteLength(name);
  // code, length, portal '' and its NUL, name and its NUL, n and n format codes, n and each
  // value's length and bytes, the result formats' count (0: all text).
  let size = 1 + 4 + 1 + nameLength + 1 + 2 + 2 * n + 2 + 2;
  for (const l of lengths) size += 4 + Math.max(l, 0);
  const out = Buffer.allocUnsafe(size + RUN.length);
  let at = 0;
  out[at++] = 0x42; // 'B'
  at = out.writeInt32BE(size - 1, at);
  out[at++] = 0;
  at += out.write(name, at, 'utf8');
  out[at++] = 0;
  at = out.writeUInt16BE(n, at);
  for (let i = 0; i < n; i++) at = out.writeInt16BE(0, at);
  at = out.writeUInt16BE(n, at);
  for (let i = 0; i < n; i++) {
    at = out.writeInt32BE(lengths[i]!, at);
    if (lengths[i]! > 0) at += out.write(values[i]!, at, 'utf8');
  }
  at = out.writeInt16BE(0, at);
  RUN.copy(out, at);
  return out;
}

/** Statement names are unique in the process, so two of these on one PGlite never collide. */
let named = 0;

interface Prepared {
  name: string;
  /** The parameters' type oids, as PostgreSQL inferred them: each value is written as its type says. */
  types: number[];
}

export class PgliteStatements {
  readonly #client: PGlite;
  readonly #max: number;
  /** By text, least recently used first (a Map keeps insertion order; a use moves it last). */
  readonly #prepared = new Map<string, Prepared>();

  constructor(client: PGlite, max = 500) {
    this.#client = client;
    this.#max = max;
  }

  /**
   * Runs `text` with `values` (already in the driver's terms: dates as ISO text). `inTransaction`:
   * the caller holds PGlite's transaction (its `transaction` callback); otherwise this waits for
   * any transaction to end, as PGlite's own `query` does.
   */
  query<T>(text: string, values: readonly unknown[], inTransaction: boolean): Promise<T[]> {
    const client = this.#client;
    // PGlite's own `query` says this; its protocol calls would fail inside the closed backend.
    if (client.closed) return Promise.reject(new Error('PGlite is closed'));
    const run = () => client._runExclusiveQuery(() => this.#run<T>(text, values, !inTransaction));
    return inTransaction ? run() : client._runExclusiveTransaction(run);
  }

  // Each call's messages go as one buffer: the backend runs them in order in one call.
  async #run<T>(text: string, values: readonly unknown[], syncToFs: boolean): Promise<T[]> {
    const client = this.#client;
    let p = this.#prepared.get(text);
    if (p === undefined) p = await this.#prepare(text);
    else {
      this.#prepared.delete(text);
      this.#prepared.set(text, p);
    }
    const serializers = client.serializers;
    const written = values.map((v, i) => {
      if (v === null || v === undefined) return null;
      const write = serializers[p.types[i]!];
      return write ? write(v) : String(v);
    });
    const { messages } = await client.execProtocol(bindAndRun(p.name, written), { syncToFs });
    return (parse.parseResults(messages, client.parsers)[0]?.rows ?? []) as T[];
  }

  async #prepare(text: string): Promise<Prepared> {
    const parts: Uint8Array[] = [];
    if (this.#prepared.size >= this.#max) {
      const [oldest, gone] = this.#prepared.entries().next().value as [string, Prepared];
      this.#prepared.delete(oldest);
      parts.push(serialize.close({ type: 'S', name: gone.name }));
    }
    const name = `dw${named++}`;
    parts.push(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync());
    // A statement that fails to parse (or a transaction already aborted) throws here and is not kept.
    const { messages } = await this.#client.execProtocol(Buffer.concat(parts), { syncToFs: false });
    const prepared = { name, types: parse.parseDescribeStatementResults(messages) };
    this.#prepared.set(text, prepared);
    return prepared;
  }
}
