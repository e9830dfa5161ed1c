/**
 * The production stack for the services tests: a fresh PostgreSQL database, the real Redis on
 * 127.0.0.1:6379 under a key prefix of its own, apps in any role, worker processes, and Redis
 * stopped and started for real. A missing service fails the test.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { createApp, type App, type Role } from '../../bots/app.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { REDIS_URL } from '../setup/constants.ts';
import { createTestDatabase } from './pg.ts';

export { REDIS_URL };
const REPO = new URL('../../', import.meta.url).pathname;

export interface Stack {
  env: Record<string, string>;
  prefix: string;
  app(role: Role, extra?: Record<string, string>): Promise<App>;
  /** An app that only stores and dispatches (a web process whose sends are left to the workers). */
  producer(): Promise<App>;
  config(extra?: Record<string, string>): Config;
  teardown(): Promise<void>;
}

/** A playbook where the quote follow-up window is `seconds` of wall-clock time, for timers that fire in a test. */
export async function fastPlaybook(seconds: number): Promise<string> {
  const pb = parse(await readFile(join(REPO, 'config/playbooks.yaml'), 'utf8')) as { rules: Array<{ id: string; within?: string; workingHours?: boolean }> };
  for (const r of pb.rules) {
    if (r.id !== 'quote-no-reply-3d') continue;
    r.within = `${seconds / 60}m`;
    r.workingHours = false;
  }
  const file = join(await mkdtemp(join(tmpdir(), 'dealwise-pb-')), 'playbooks.yaml');
  await writeFile(file, stringify(pb));
  return file;
}

export async function createStack(extra: Record<string, string> = {}): Promise<Stack> {
  const db = await createTestDatabase();
  const prefix = `dwtest${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    SWEEP_INTERVAL_MS: '300',
    SWEEP_SETTLE_MS: '0',
    JOB_LOCK_MS: '2000',
    SEND_LEASE_MS: '3000',
    SEND_TIMEOUT_MS: '2000',
    TIMER_TICK_MS: '200',
    CATALOG_POLL_MS: '200',
    PLAYBOOK_FILE: join(REPO, 'config/playbooks.yaml'),
    ATOMS_FILE: join(REPO, 'config/atoms.yaml'),
    ORG_FILE: join(REPO, 'config/org.yaml'),
    ...extra,
  };
  const apps: App[] = [];
  return {
    env,
    prefix,
    config: (more = {}) => loadConfig({ ...env, ...more }),
    app: async (role, more = {}) => {
      const app = await createApp({ config: loadConfig({ ...env, ...more }), role, migrate: false, log: createLogger({ level: 'silent' }) });
      apps.push(app);
      return app;
    },
    producer: async () => {
      const app = await createApp({
        config: loadConfig(env),
        role: 'web',
        consume: [],
        startAdapters: false,
        migrate: false,
        log: createLogger({ level: 'silent' }),
      });
      apps.push(app);
      return app;
    },
    teardown: async () => {
      for (const a of apps.splice(0)) await a.close().catch(() => {});
      await ensureRedis();
      await deleteKeys(prefix);
      await db.drop();
    },
  };
}

/** Deletes every Redis key under a prefix (a test's or a benchmark's queues). */
export async function deleteKeys(prefix: string): Promise<void> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const redisPing = () => {
  try {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8', timeout: 2000 }).trim() === 'PONG';
  } catch {
    return false;
  }
};

/** Stops the real Redis server (it keeps nothing on disk: a restart is an empty Redis). */
export async function stopRedis(): Promise<void> {
  try {
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { timeout: 5000, stdio: 'ignore' });
  } catch {
    // redis-cli reports the closed connection of a successful shutdown as an error.
  }
  await until(async () => !redisPing(), 10_000, 'redis to stop');
}

/** Starts Redis as this machine runs it, if it is not running. */
export async function ensureRedis(): Promise<void> {
  if (redisPing()) return;
  execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await until(async () => redisPing(), 10_000, 'redis to start');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** `npm run worker` as a real process (node with the tsx loader, so a kill reaches the worker itself). */
export const spawnWorker = (env: Record<string, string>): Promise<WorkerProcess> => spawnDealwise('bots/worker.ts', env);

/**
 * `npm start` (bots/main.ts, on PORT) or `npm run worker` (bots/worker.ts, on WORKER_PORT) as a
 * real process on a free port, resolved once its /readyz answers.
 */
export async function spawnDealwise(
  entry: 'bots/main.ts' | 'bots/worker.ts',
  env: Record<string, string>,
  opts: { readyMs?: number; nodeArgs?: readonly string[] } = {},
): Promise<WorkerProcess> {
  const port = await freePort();
  const portVariable = entry === 'bots/main.ts' ? 'PORT' : 'WORKER_PORT';
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: REPO,
    env: { ...process.env, ...env, [portVariable]: String(port), LOG_LEVEL: env.LOG_LEVEL === 'silent' ? 'warn' : (env.LOG_LEVEL ?? 'warn') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}: ${out}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      } catch {
        return false;
      }
    },
    opts.readyMs ?? 60_000,
    `${entry} to be ready`,
  );
  return { child, port, output: () => out };
}

export async function stopProcess(p: WorkerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill(signal);
  await exited;
}
