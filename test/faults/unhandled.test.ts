/**
 * A promise rejected with nobody to handle it ends the process as Node would (exit code 1), but
 * through the logger: one structured fatal line, with a failed query's parameters redacted,
 * instead of Node printing the whole error object (customer text included) to stderr.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const REPO = new URL('../../', import.meta.url).pathname;

describe('an unhandled rejection', () => {
  it('is logged once, redacted, and ends the process with code 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fixtures/rejects-unhandled.ts'], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    expect(code).toBe(1);
    const fatal = out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string; parameters?: unknown } })
      .filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toBe('unhandled rejection: exiting');
    expect(fatal[0]!.err?.message).toBe('insert into messages failed');
    expect(fatal[0]!.err?.parameters).toBe('[redacted]');
    expect(out + err).not.toContain('48万');
  }, 60_000);
});
