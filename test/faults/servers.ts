/**
 * Servers a fault test owns and may stop: a redis-server and a PostgreSQL cluster of its own, each
 * on a free port under a temporary folder, never the machine's shared ones on 6379 and 5432.
 * PostgreSQL is initdb'd from /usr/lib/postgresql/<version>/bin; initdb refuses root, so as root
 * the cluster runs as the `postgres` user (runuser). A missing binary fails the test.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { syncCatalogFiles } from '../../bots/catalog/sync.ts';
import { openDatabase } from '../../db/client.ts';
import { CATALOG_FILES } from '../setup/constants.ts';
import { freePort, until } from '../services/stack.ts';

export interface OwnRedis {
  url: string;
  port: number;
  /** SHUTDOWN NOSAVE: every key is gone, as when this machine's Redis restarts. */
  stop(): Promise<void>;
  /** Starts it again on its port, if it is stopped. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const redisPing = (port: number): boolean => {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2_000 }).trim() === 'PONG';
  } catch {
    return false;
  }
};

export async function startRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    if (child) return;
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until(async () => redisPing(port), 10_000, `redis on ${port} to start`);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGKILL');
    await exited;
    child = null;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start, close: stop };
}

export interface OwnPostgres {
  port: number;
  /** The admin URL (database `postgres`). */
  adminUrl: string;
  /** A fresh database, migrated, with the default catalog loaded. */
  createDatabase(name: string): Promise<string>;
  /** An immediate stop, as a crash or a failover: open transactions are lost. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.map((v) => join(root, v, 'bin')).find((b) => existsSync(join(b, 'initdb')));
  if (!bin) throw new Error(`no PostgreSQL server binaries under ${root}/*/bin: install postgresql`);
  return bin;
}

export async function startPostgres(): Promise<OwnPostgres> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'dealwise-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: 'pipe', timeout: 120_000 })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe', timeout: 120_000 });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  // TCP only (no socket in /var/run/postgresql). No fsync: the machine does not crash, only the
  // server is stopped, and a committed transaction is in the WAL whichever way it stops (so
  // synchronous_commit stays on: off, an immediate stop loses the last commits).
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  };
  const stop = async () => {
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']);
  };
  await start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let template: Promise<void> | null = null;
  const admin = () => postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  const url = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  return {
    port,
    adminUrl,
    createDatabase: async (name) => {
      // Migrated once per cluster, copied after.
      template ??= (async () => {
        const a = admin();
        await a.unsafe('create database dealwise_template');
        await a.end();
        const db = await openDatabase({ databaseUrl: url('dealwise_template'), dataDir: '' });
        await syncCatalogFiles(db.db, CATALOG_FILES);
        await db.close();
      })();
      await template;
      const a = admin();
      await a.unsafe(`create database ${name} template dealwise_template`);
      await a.end();
      return url(name);
    },
    stop,
    start,
    close: async () => {
      try {
        await stop();
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
