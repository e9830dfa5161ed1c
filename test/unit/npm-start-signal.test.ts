/**
 * `npm start` stopped as a container or a process manager stops it: SIGTERM to npm alone (Docker's
 * `CMD ["npm", "start"]` makes npm the process that gets it). npm passes it to its script's
 * process, which must be the server itself (package.json: `exec node --import tsx …`): a shell or
 * a tsx wrapper in between died of it and left the server running, still holding its port and
 * the embedded database. Here every process npm started ends, the server by its graceful shutdown,
 * and the port and the database's lock are free again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lockFileOf } from '../../db/data-dir-lock.ts';
import { makeDataDir } from '../helpers/app.ts';
import { freePort } from '../helpers/browser.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let started: ChildProcess | null = null;
let tree: number[] = [];
afterEach(() => {
  // A failed test leaves nothing running: npm's group (it is detached), and any process of its tree.
  if (started?.pid && started.exitCode === null) kill(-started.pid);
  for (const pid of tree) kill(pid);
});

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** The processes below `root` now, from /proc (pid, parent pid, command line). */
function descendants(root: number): Array<{ pid: number; cmd: string }> {
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(d), ppid, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() }];
      } catch {
        return [];
      }
    });
  const out: Array<{ pid: number; cmd: string }> = [];
  const below = [root];
  while (below.length > 0) {
    const parent = below.shift();
    for (const p of procs.filter((q) => q.ppid === parent)) {
      out.push({ pid: p.pid, cmd: p.cmd });
      below.push(p.pid);
    }
  }
  return out;
}

/** Whether a process runs (a zombie, dead and not yet reaped, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

async function until(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('npm start and SIGTERM', () => {
  it('ends every process npm started, the server gracefully, and frees its port and database', async () => {
    const dataDir = await makeDataDir();
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      cwd: ROOT,
      // Its own process group, as under a container's init: nothing here reaches it but the test's signal.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: '',
        REDIS_URL: '',
        LOG_LEVEL: 'info',
        SHUTDOWN_DEADLINE_MS: '3000',
      },
    });
    started = npm;
    let out = '';
    npm.stdout?.on('data', (d) => (out += d));
    npm.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));

    await until('/healthz', 30_000, async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}: ${out}`);
      return fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    });
    const below = descendants(npm.pid as number);
    tree = below.map((p) => p.pid);
    // The server is among them (else the test would pass with nothing to stop).
    expect(below.map((p) => p.cmd).join('\n')).toMatch(/node .*bots\/main\.ts/);
    expect(existsSync(lockFileOf(dataDir))).toBe(true);

    const t0 = Date.now();
    process.kill(npm.pid as number, 'SIGTERM');
    await until('npm to exit', 10_000, () => npm.exitCode !== null || npm.signalCode !== null);
    await until(`every process npm started to end (${below.map((p) => `${p.pid} ${p.cmd}`).join('; ')})`, 10_000, () => tree.every((pid) => !alive(pid)));
    const tookMs = Date.now() - t0;
    await exited;

    // The server shut down by its own handler, within the deadline, not cut off.
    expect(out).toContain('"msg":"shutting down"');
    expect(out).not.toContain('shutdown deadline passed');
    expect(tookMs).toBeLessThan(8_000);
    expect(await portFree(port)).toBe(true);
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
  }, 60_000);
});
