/**
 * DATABASE_URL naming a Unix socket's directory (`?host=/var/run/postgresql`, as libpq has it):
 * the app migrates, reads and writes over the server's own socket, not over TCP. PostgreSQL
 * reports no server address for a socket connection, which is how the test tells them apart.
 * It needs the server on this machine: the socket's directory is the one the server reports.
 */
import { sql as dsql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, openDatabase } from '../../db/client.ts';
import { ADMIN_URL, createTestDatabase } from './pg.ts';

let created: { url: string; drop: () => Promise<void> };
/** The server's first socket directory, as it reports it (on this machine /var/run/postgresql). */
let socketDir: string;

beforeAll(async () => {
  const sql = connectPostgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const [row] = await sql<{ dirs: string }[]>`select current_setting('unix_socket_directories') as dirs`;
  await sql.end();
  socketDir = (row?.dirs ?? '').split(',')[0]?.trim() ?? '';
  // An empty database: the app's own migration runs, on its single connection, over the socket too.
  created = await createTestDatabase(null);
});

afterAll(async () => {
  await created?.drop();
});

describe('DATABASE_URL with a socket directory', () => {
  it('migrates, then reads and writes through both pools over the socket', async () => {
    expect(socketDir).toMatch(/^\//);
    const url = new URL(created.url);
    url.searchParams.set('host', socketDir);
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', migrate: true });
    try {
      const [plain] = await database.sql.query<{ addr: string | null; db: string }>('select inet_server_addr() as addr, current_database() as db');
      expect(plain?.addr).toBeNull();
      expect(plain?.db).toBe(new URL(created.url).pathname.slice(1));
      // drizzle's pool (the reports') is a second postgres.js client; the migration made `messages`.
      const [row] = (await database.db.execute(
        dsql`select inet_server_addr() as addr, (select count(*)::int from information_schema.tables where table_name = 'messages') as n`,
      )) as unknown as { addr: string | null; n: number }[];
      expect(row?.addr).toBeNull();
      expect(row?.n).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('goes over TCP without it, to the same database', async () => {
    const tcp = new URL(created.url);
    tcp.searchParams.delete('host');
    const database = await openDatabase({ databaseUrl: tcp.toString(), dataDir: '', migrate: false });
    try {
      const [row] = await database.sql.query<{ addr: string | null }>('select host(inet_server_addr()) as addr');
      // An IPv4 or IPv6 address: a TCP connection has one, a socket none.
      expect(row?.addr).toMatch(/^[\d.:a-f]+$/);
    } finally {
      await database.close();
    }
  });
});
