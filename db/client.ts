/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise PGlite (PostgreSQL in WASM,
 * in-process) in DATA_DIR. One drizzle schema serves both; migrations run at open.
 *
 * Two ways in: `db`, drizzle, for everything that is not on the message path (reports, commands,
 * admin); and `sql`, plain statements with positional parameters, for the hot path. Those are
 * named prepared statements (parsed once per connection; on PGlite, db/pglite-statements.ts),
 * which drizzle's drivers do not do for unnamed queries; their batch forms take one JSON parameter
 * (`jsonb_to_recordset`), so one statement text serves any batch size.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql as dsql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { AppError } from '../core/errors.ts';
import { postgresTarget } from '../core/postgres-url.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { PgliteStatements } from './pglite-statements.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** A database or a transaction: drizzle queries take either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** Plain SQL with $1… parameters; rows come back with the column names (or aliases) as written. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Whether statements issued without waiting for each other go in one round trip, in order (a
   * PostgreSQL connection pipelines them); PGlite runs them one at a time. See `pipeline`.
   */
  readonly pipelined?: boolean;
  /** A transaction's, whose statements are prepared: `planMode` applies to it. */
  readonly plans?: boolean;
  /**
   * In a PostgreSQL transaction: sends COMMIT behind the statements issued before it (see
   * `pipelineCommit`); the transaction then ends there instead of when its function returns.
   */
  commit?(): Promise<void>;
}

/**
 * Runs statements in order and returns their results: on PostgreSQL all sent at once (one write,
 * one round trip; the server still runs them one after the other, so a later one sees what an
 * earlier one wrote), on PGlite one after the other. If one fails the transaction fails with it.
 */
export async function pipeline<T extends readonly unknown[]>(tx: Sql, steps: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (tx.pipelined) return (await Promise.all(steps.map((s) => s()))) as unknown as T;
  const out: unknown[] = [];
  for (const s of steps) out.push(await s());
  return out as unknown as T;
}

/**
 * A transaction's last statements and its COMMIT: on PostgreSQL in one round trip (a failed
 * statement aborts the transaction, and COMMIT then ends it as a rollback), after which the
 * transaction's function must issue nothing more; on PGlite `pipeline`, and the transaction
 * commits when its function returns.
 */
export async function pipelineCommit<T extends readonly unknown[]>(tx: Sql, steps: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const { commit } = tx;
  if (!commit) return pipeline(tx, steps);
  const out = await pipeline<unknown[]>(tx, [...(steps as ReadonlyArray<() => Promise<unknown>>), commit]);
  return out.slice(0, -1) as unknown as T;
}

/**
 * Sets how a PostgreSQL transaction's statements after it are planned, as a step of a pipeline (no
 * round trip of its own). The hot path's sessions plan every call for its data
 * (`force_custom_plan`, see openPostgres), which its reads and updates need. An insert of the
 * batch's own rows (`insert … select … from jsonb_to_recordset($1)`, reading no other table) has
 * one plan whatever the data, and so do the foreign-key checks it sets off (PostgreSQL's own
 * statements, a primary-key probe a row, planned again for every row under `force_custom_plan`),
 * and so does a read written as an index probe per id (db/queries/analysis.ts, PER_ID): such
 * statements go between `planMode(tx, 'generic')` and `planMode(tx, 'custom')`, planned once per
 * connection (on PGlite, its one session: db/pglite-statements.ts). A no-op outside a
 * transaction, where `set local` would hold for nothing.
 */
export async function planMode(tx: Sql, mode: 'generic' | 'custom'): Promise<void> {
  if (!tx.plans) return;
  await tx.query(mode === 'generic' ? 'set local plan_cache_mode = force_generic_plan' : 'set local plan_cache_mode = force_custom_plan');
}

/** Plain statements and transactions: the database's own, or its urgent lane's. */
export interface Lane {
  sql: Sql;
  /** Runs `fn` in one transaction on one connection; commits when it resolves. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export interface Database extends Lane {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * For work a sender waits on (a platform's delivery stored before its answer, its replay
   * check): on PGlite, whose one connection is taken in turns, it goes before every other
   * statement and transaction waiting for it (an analysis batch, a bulk ingest batch), so it
   * waits at most for the one running; on PostgreSQL the same as the rest (each transaction has
   * a connection of its own).
   */
  urgent: Lane;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Dates go as ISO text: both drivers then let the statement's context type them (timestamptz). */
const params = (values: readonly unknown[]): unknown[] => values.map((v) => (v instanceof Date ? v.toISOString() : v));

export const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
// Any constant works; it only has to be the same in every dealwise process.
const MIGRATION_LOCK = 7_461_002;

export interface OpenOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Most PostgreSQL connections this process opens. */
  poolSize?: number;
  /** False when the database is known to be migrated already (a copy of a migrated template). */
  migrate?: boolean;
  /** PostgreSQL's warnings to this process's sessions (its notices, "already exists, skipping", are dropped). */
  onWarning?: (message: string) => void;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts.dataDir, opts.migrate ?? true);
}

async function openPglite(dataDir: string, migrate: boolean): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  // Before PGlite reads a page: a second process in the folder would lose what either writes.
  const unlock = lockDataDir(dataDir);
  try {
    return await startPglite(dataDir, migrate, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function startPglite(dataDir: string, migrate: boolean, unlock: () => void): Promise<Database> {
  let client: PGlite;
  try {
    // pg_trgm: the console's conversation search (migration 0004). Shared buffers of 32 MB, not
    // PostgreSQL's 128: PGlite sets the pool up in its WebAssembly memory at every start, about
    // 0.1 s of CPU more for 128 MB (each test file, each `npm start`); PGlite's reads come from
    // the operating system's page cache anyway, and a 60,000-message database drained no slower.
    client = await PGlite.create({
      dataDir: `${dataDir}/pglite`,
      extensions: { pg_trgm },
      startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=32MB'],
    });
  } catch (err) {
    throw new AppError('DATABASE', `cannot open the embedded database in ${dataDir}/pglite`, { cause: err });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  if (migrate) {
    try {
      await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
  }
  // PGlite runs each statement synchronously on this thread, and awaiting it yields only to
  // microtasks: a transaction of many statements would hold the event loop for all of them
  // (HTTP, /healthz, timers waiting seconds behind an analysis batch). A statement first lets
  // pending I/O run once the thread has been ours for YIELD_AFTER_MS: yielding before every one
  // stretched each transaction by a turn of the event loop a statement, and a platform's
  // delivery waits for the transaction that holds the connection to end.
  let ranSince = 0;
  // The plain statements are prepared (db/pglite-statements.ts); each call is planned for its data,
  // as on PostgreSQL, unless a transaction's `planMode` says otherwise. drizzle's statements are
  // unnamed, which PostgreSQL plans for their data at every call whatever this says.
  await client.exec('set plan_cache_mode = force_custom_plan');
  const statements = new PgliteStatements(client);
  const on = (inTransaction: boolean): Sql => ({
    plans: inTransaction,
    query: async <T>(text: string, values: readonly unknown[] = []) => {
      if (performance.now() - ranSince >= YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        ranSince = performance.now();
      }
      return statements.query<T>(text, params(values), inTransaction);
    },
  });
  // PGlite's own queue is first come, first served; ours lets urgent work ahead (see `urgent`).
  const turns = new Turns();
  const direct = on(false);
  const inTransaction = on(true);
  const lane = (urgent: boolean): Lane => ({
    sql: { query: (text, values) => turns.take(urgent, () => direct.query(text, values)) },
    transaction: (fn) => turns.take(urgent, () => client.transaction(() => fn(inTransaction))),
  });
  return {
    db,
    ...lane(false),
    urgent: lane(true),
    kind: 'pglite',
    ping: async () => void (await client.query('select 1')),
    close: async () => {
      try {
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * PGlite's one connection, taken in turns: whoever waits in the urgent line goes next, then the
 * rest, each line in order. An urgent turn that ends with nobody urgent waiting keeps the
 * connection for one more turn of the event loop: a webhook's replay check is followed at once by
 * its store, which would otherwise wait for a whole analysis batch that slipped in between. So
 * that a stream of urgent work cannot starve the rest, at most URGENT_STREAK urgent turns go in a
 * row while others wait. (drizzle's queries go straight to PGlite's own queue; they are the
 * console's and admin's, not the message path's.)
 */
class Turns {
  #busy = false;
  #streak = 0;
  readonly #urgent: Array<() => void> = [];
  readonly #normal: Array<() => void> = [];

  async take<T>(urgent: boolean, fn: () => Promise<T>): Promise<T> {
    if (this.#busy) await new Promise<void>((resolve) => (urgent ? this.#urgent : this.#normal).push(resolve));
    this.#busy = true;
    try {
      return await fn();
    } finally {
      if (urgent && this.#urgent.length === 0 && this.#normal.length > 0) setImmediate(() => this.#next());
      else this.#next();
    }
  }

  /** Hands the connection straight to the next in line, so nobody can slip in between. */
  #next(): void {
    const urgentFirst = this.#urgent.length > 0 && (this.#streak < URGENT_STREAK || this.#normal.length === 0);
    const next = urgentFirst ? this.#urgent.shift() : this.#normal.shift();
    this.#streak = urgentFirst ? this.#streak + 1 : 0;
    if (next) next();
    else this.#busy = false;
  }
}

/** How long PGlite's statements may hold the event loop before letting pending I/O run. */
const YIELD_AFTER_MS = 8;

/** Urgent turns in a row while other work waits (a webhook's replay check and store are two). */
const URGENT_STREAK = 8;

/**
 * A postgres.js client for `url`, over TCP or, when the URL names a socket directory
 * (`?host=/var/run/postgresql`, ../core/postgres-url.ts), over that Unix socket.
 */
export function connectPostgres(url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  const target = postgresTarget(url);
  return postgres(target.url, { ...options, path: target.path });
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  // Reconnects at most a second apart (postgres.js waits up to 20 s after repeated failures): a
  // restarted server is used again within a second, and queries during an outage fail as fast.
  const onnotice = (n: postgres.Notice) => {
    if (n.severity === 'WARNING') opts.onWarning?.(String(n.message));
  };
  const settings = {
    onnotice,
    connect_timeout: 5,
    idle_timeout: 60,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    connection: { jit: 'off' },
  };
  // Two pools: drizzle replaces its client's type parsers (timestamps stay strings for its own
  // mapping), so the plain statements keep a client of their own that parses as PostgreSQL types say.
  // The drizzle pool serves the reports, whose aggregates over CTEs PostgreSQL estimates at
  // billions of rows: its JIT then spends seconds compiling (7 of 19 s of /breakpoints at 100,000
  // deals) what runs in milliseconds, so it is off (`settings`), and for the hot path's pool (below).
  const client = connectPostgres(url, { ...settings, max: Math.max(2, Math.ceil((opts.poolSize ?? 10) / 3)) });
  // The hot path's statements are prepared; after five runs PostgreSQL may switch one to a generic
  // plan, costed from the table's size *then* (a fresh database: empty), and keeps it until the
  // table is analysed again, never with autovacuum off: conversations, deals and confirmations
  // were then read by sequential scans, growing with the tables (8 ms a call at 40,000 chats).
  // Custom plans cost a plan per call (tens of µs) and follow the data. With custom plans the
  // batch joins' row estimates can pass JIT's threshold, whose compile (~15 ms) outweighs the
  // query, so JIT is off here as well. The inserts of a batch's own rows and the analysis batch's
  // reads by probes are planned once instead (planMode, above).
  const raw = connectPostgres(url, { ...settings, max: opts.poolSize ?? 10, connection: { ...settings.connection, plan_cache_mode: 'force_custom_plan' } });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  if (opts.migrate ?? true) {
    try {
      // Several processes may start together: one migrates, the others wait on the lock. The lock
      // belongs to a session, so migration runs on a client of exactly one connection.
      const single = connectPostgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(single, { schema }), { migrationsFolder: MIGRATIONS });
      } finally {
        await single.end({ timeout: 1 });
      }
    } catch (err) {
      await Promise.all([client.end({ timeout: 1 }), raw.end({ timeout: 1 })]);
      // The URL may hold a password: never put it in the message.
      throw new AppError('DATABASE', 'cannot connect to or migrate PostgreSQL (DATABASE_URL)', { cause: err });
    }
  }
  // Only a transaction's statements are pipelined: the pool would spread them over connections.
  const on = (c: postgres.Sql | postgres.TransactionSql, pipelined = false): Sql => ({
    pipelined,
    query: async <T>(text: string, values: readonly unknown[] = []) =>
      (await c.unsafe(text, params(values) as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as T[],
  });
  const sql = on(raw);
  // COMMIT goes with a transaction's last statements where it uses `pipelineCommit`, and the
  // caller goes on as soon as it is answered: a message's store is two round trips, an analysis
  // batch four, and nothing follows them (see `commit` below). Each round trip is also a wait for
  // this process's event loop, and a nudge's path has several transactions. BEGIN is still
  // awaited: a transaction on `reserve()` could send it with the first statements, but a reserved
  // connection that PostgreSQL dropped comes back to the pool listed as open and every later query
  // on it waits forever (seen after a restart); and sending it unawaited in `begin()` saved no CPU
  // (docs/MEASUREMENTS.md, tenth session).
  const transaction: Lane['transaction'] = <T>(fn: (tx: Sql) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      let committed = false;
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        f();
      };
      raw
        .begin(async (c) => {
          const statements = on(c, true);
          // Set when the COMMIT is sent; read by postgres.js too (scripts/patch-postgres.mjs).
          const state = c as unknown as { ended?: boolean };
          const tx: Sql = {
            pipelined: true,
            plans: true,
            query: <R>(text: string, values?: readonly unknown[]) =>
              state.ended
                ? Promise.reject(new AppError('INTERNAL', 'the transaction ended with its pipelined COMMIT: nothing may follow it'))
                : statements.query<R>(text, values),
            // postgres.js gives the connection back to its pool as soon as a statement of `begin()`
            // leaves the session idle, as this COMMIT does, and would then send its own COMMIT (or
            // a ROLLBACK, if `fn` throws) once `fn` returns, into whatever transaction the
            // connection serves by then. `ended` on its transaction tells it not to
            // (scripts/patch-postgres.mjs); before, the COMMIT was `commit; begin`, and
            // postgres.js's own COMMIT ended the empty transaction: one more round trip for every
            // store and batch, which cost the nudge's tail at 100 msg/s (docs/MEASUREMENTS.md).
            commit: async () => {
              state.ended = true;
              await c.unsafe('commit');
              committed = true;
            },
          };
          const result = await fn(tx);
          if (committed) settle(() => resolve(result));
          return result;
        })
        .then(
          (result) => settle(() => resolve(result as T)),
          (err: unknown) => settle(() => reject(err)),
        );
    });
  return {
    db,
    sql,
    transaction,
    urgent: { sql, transaction },
    kind: 'postgres',
    ping: async () => void (await db.execute(dsql`select 1`)),
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), raw.end({ timeout: 5 })]);
    },
  };
}
