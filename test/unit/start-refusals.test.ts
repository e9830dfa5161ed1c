/**
 * Every configuration refusal at start ends `npm start` and `npm run worker` alike: exit code 2
 * and one line `<name> failed to start: CONFIG_INVALID: …`, whether the schema refused a variable
 * or a later check did (a public HOST with no API token: test/http/auth.test.ts). A bad variable is
 * caught before anything opens, so no database or Redis is needed here.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function start(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', entry],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, timeout: 30_000 },
      (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('configuration refusals at start', () => {
  it.each([
    ['bots/main.ts', 'dealwise', { NUDGE_MAX_AGE: 'forever' }, /NUDGE_MAX_AGE: expected a duration/],
    ['bots/worker.ts', 'dealwise-worker', { PUBLIC_URL: 'ftp://x' }, /PUBLIC_URL: expected an http:\/\/ or https:\/\/ URL/],
  ])('%s with %j exits 2 with one CONFIG_INVALID line', async (entry, name, env, message) => {
    const r = await start(entry, env);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`${name} failed to start: CONFIG_INVALID: `)).toBe(true);
    expect(r.stderr).toMatch(message);
  });
});
