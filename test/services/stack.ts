/**
 * The production stack for the services and faults tests: a fresh PostgreSQL database, the real
 * Redis on 127.0.0.1:6379 under a key prefix of its own (or a database and a Redis the test owns),
 * apps in any role, and web and worker processes. A missing service fails the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { inject } from 'vitest';
import { createApp, type App, type Role } from '../../bots/app.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { REDIS_URL } from '../setup/constants.ts';
import { createTestDatabase } from './pg.ts';
import { freePort } from '../helpers/browser.ts';

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
  // In the run's folder, removed when the run ends: a stack may read the file (the catalog's
  // reload) until its teardown, which can come after the test.
  const file = join(await mkdtemp(join(inject('runDir'), 'pb-')), 'playbooks.yaml');
  await writeFile(file, stringify(pb));
  return file;
}

/** Where a stack's database and Redis are, when not a fresh database on the shared server and the shared Redis. */
export interface StackServers {
  databaseUrl?: string;
  redisUrl?: string;
}

export async function createStack(extra: Record<string, string> = {}, servers: StackServers = {}): Promise<Stack> {
  const db = servers.databaseUrl ? { url: servers.databaseUrl, drop: async () => {} } : await createTestDatabase();
  const redisUrl = servers.redisUrl ?? REDIS_URL;
  const prefix = `dwtest${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    LOCAL_ADAPTER: 'true',
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
      await deleteKeys(prefix, redisUrl).catch(() => {});
      await db.drop();
    },
  };
}

/** Deletes every Redis key under a prefix (a test's or a benchmark's queues). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
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

/** Sweeps run so far by an app in this process, or by a spawned one (read from its /metrics). */
async function sweepsRun(app: Pick<App, 'metrics'> | WorkerProcess): Promise<number> {
  if ('metrics' in app) return (await app.metrics.sweepsRun.get()).values.reduce((sum, v) => sum + v.value, 0);
  // A direct request on loopback needs no token (bots/http/auth.ts).
  const text = await (await fetch(`http://127.0.0.1:${app.port}/metrics`)).text();
  const line = /^dealwise_sweeps_total (\d+)$/m.exec(text);
  if (!line) throw new Error('dealwise_sweeps_total is missing from /metrics');
  return Number(line[1]);
}

/**
 * Waits until the given processes (each counted once; in this process or spawned) together have
 * run two more sweeps to the end. "A few more sweeps change nothing" is then shown, not assumed
 * of a sleep that a loaded machine may outlast; two, because one may already be under way when
 * this starts.
 */
export async function moreSweeps(apps: ReadonlyArray<Pick<App, 'metrics'> | WorkerProcess>, timeoutMs = 30_000): Promise<void> {
  const runs = async () => {
    let total = 0;
    for (const a of new Set(apps)) total += await sweepsRun(a);
    return total;
  };
  const from = await runs();
  await until(async () => (await runs()) >= from + 2, timeoutMs, 'two more sweeps');
}

export { freePort };

export interface WorkerProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** `npm run worker` as a real process (node with the tsx loader, so a kill reaches the worker itself). */
export const spawnWorker = (env: Record<string, string>, port?: number): Promise<WorkerProcess> =>
  spawnDealwise('bots/worker.ts', env, port === undefined ? {} : { port });

/** `npm start` as a real process: the web role with REDIS_URL, everything in one process without. */
export const spawnWeb = (env: Record<string, string>, port?: number): Promise<WorkerProcess> =>
  spawnDealwise('bots/main.ts', env, port === undefined ? {} : { port });

/**
 * `npm start` (bots/main.ts, on PORT) or `npm run worker` (bots/worker.ts, on WORKER_PORT) as a
 * real process, on a free port unless given one, resolved once its /readyz answers.
 */
export async function spawnDealwise(
  entry: 'bots/main.ts' | 'bots/worker.ts',
  env: Record<string, string>,
  opts: { port?: number; readyMs?: number; nodeArgs?: readonly string[] } = {},
): Promise<WorkerProcess> {
  const port = opts.port ?? (await freePort());
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
