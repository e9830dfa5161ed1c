/**
 * A bench stopped mid-run (Ctrl-C, `kill`) undoes what it started (scripts/bench/interrupt.ts):
 * the cleanups registered and not yet released run, newest first, and the process exits with the
 * signal's status. A child process stands in for the bench.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODULE = new URL('../../scripts/bench/interrupt.ts', import.meta.url).href;

/** Registers cleanups a, b, c, releases c, says "ready" and waits to be stopped. */
const child = (out: string) => `
import { appendFileSync } from 'node:fs';
import { onInterrupt } from ${JSON.stringify(MODULE)};
const note = (name) => async () => appendFileSync(${JSON.stringify(out)}, name + '\\n');
onInterrupt(note('a'));
onInterrupt(note('b'));
const release = onInterrupt(note('c'));
release();
console.log('ready');
setInterval(() => {}, 1000);
`;

describe('a bench interrupted', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dealwise-interrupt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('runs its registered cleanups, newest first, on %s and exits %i', async (signal, status) => {
    const out = join(dir, `${signal}.txt`);
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child(out)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [chunk] = (await once(p.stdout, 'data')) as [Buffer];
    expect(chunk.toString()).toContain('ready');
    const exited = once(p, 'exit');
    p.kill(signal);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(status);
    expect(await readFile(out, 'utf8')).toBe('b\na\n');
  });
});
