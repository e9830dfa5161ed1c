/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise PGlite (PostgreSQL in WASM,
 * in-process) in DATA_DIR. One drizzle schema serves both; migrations run at open.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { AppError } from '../core/errors.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** A database or a transaction: queries take either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
// Any constant works; it only has to be the same in every dealwise process.
const MIGRATION_LOCK = 7_461_002;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}

async function openPglite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  let client: PGlite;
  try {
    client = await PGlite.create({ dataDir: `${dataDir}/pglite` });
  } catch (err) {
    throw new AppError('DATABASE', `cannot open the embedded database in ${dataDir}/pglite`, { cause: err });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
  return {
    db,
    kind: 'pglite',
    ping: async () => void (await client.query('select 1')),
    close: () => client.close(),
  };
}

async function openPostgres(url: string): Promise<Database> {
  const client = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 5 });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  try {
    // Several processes may start together: one migrates, the others wait on the lock. The lock
    // belongs to a session, so migration runs on a client of exactly one connection.
    const single = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
      await migratePostgres(drizzlePostgres(single, { schema }), { migrationsFolder: MIGRATIONS });
    } finally {
      await single.end({ timeout: 1 });
    }
  } catch (err) {
    await client.end({ timeout: 1 });
    // The URL may hold a password: never put it in the message.
    throw new AppError('DATABASE', 'cannot connect to or migrate PostgreSQL (DATABASE_URL)', { cause: err });
  }
  return {
    db,
    kind: 'postgres',
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => client.end({ timeout: 5 }),
  };
}
