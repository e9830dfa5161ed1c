/**
 * SIGTERM ends a process whose shutdown hangs (a server that does not close, a database close
 * that waits forever): by SHUTDOWN_DEADLINE_MS and its grace, with exit code 1, also when the
 * signal comes while it is still starting; a second signal ends it at once. (The platform fault test covers the usual case: jobs hanging, a clean exit.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../bots/process.ts';
import { until } from '../services/stack.ts';

const REPO = new URL('../../', import.meta.url).pathname;

async function start(): Promise<{ child: ChildProcess; exit: Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fixtures/hangs-on-close.ts'], {
    cwd: REPO,
    env: { ...process.env, SHUTDOWN_DEADLINE_MS: '500', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(async () => out.includes('ready'), 60_000, 'the process to start');
  return { child, exit, output: () => out };
}

describe('shutdown', () => {
  it('ends a process whose shutdown hangs by its deadline, and at once on a second signal', async () => {
    const first = await start();
    const signalled = performance.now();
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(1);
    const took = performance.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(500 + SHUTDOWN_GRACE_MS - 100);
    expect(took).toBeLessThan(500 + SHUTDOWN_GRACE_MS + 3_000);

    const second = await start();
    second.child.kill('SIGTERM');
    // The second signal once the first is taken (its info line), not after a guess at how long that takes.
    await until(async () => second.output().includes('shutting down'), 10_000, 'the first signal to be taken');
    const again = performance.now();
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(1);
    expect(performance.now() - again).toBeLessThan(2_000);
  }, 120_000);
});
