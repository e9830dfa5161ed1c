/**
 * The scripts' command lines (scripts/options.ts): `--help` prints the usage and exits 0; a
 * mistyped option, a stray argument or a bad count names itself with the usage and exits 2. In
 * this process with `process.exit` stopped, and once through a real script.
 */
import { spawnSync } from 'node:child_process';
import type { ParseArgsConfig } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { parseOptions, positiveInt } from '../../scripts/options.ts';

const USAGE = 'npx tsx scripts/x.ts [--chats 10] [--keep]';
const OPTIONS = {
  chats: { type: 'string' },
  keep: { type: 'boolean', default: false },
  sql: { type: 'string', multiple: true, default: [] },
} satisfies NonNullable<ParseArgsConfig['options']>;

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/** Runs `fn` with these arguments; what it printed and the exit code it asked for, if any. */
function run<T>(args: string[], fn: () => T): { value?: T; code?: number | undefined; out: string; err: string } {
  const argv = process.argv;
  process.argv = [argv[0]!, 'scripts/x.ts', ...args];
  let out = '';
  let err = '';
  const spies = [
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Exit(code === undefined || code === null ? undefined : Number(code));
    }),
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out += `${a.join(' ')}\n`;
    }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      err += `${a.join(' ')}\n`;
    }),
  ];
  try {
    return { value: fn(), out, err };
  } catch (e) {
    if (e instanceof Exit) return { code: e.code, out, err };
    throw e;
  } finally {
    process.argv = argv;
    // Only its own spies: the unit files share a module graph (and console) per worker.
    for (const spy of spies) spy.mockRestore();
  }
}

describe('script options', () => {
  it('parses the options given, with their defaults', () => {
    const r = run(['--chats', '5', '--sql', 'a', '--sql', 'b'], () => parseOptions(USAGE, OPTIONS));
    expect(r.code).toBeUndefined();
    expect(r.value).toMatchObject({ chats: '5', keep: false, sql: ['a', 'b'] });
  });

  it('prints the usage for --help and exits 0', () => {
    const r = run(['--help'], () => parseOptions(USAGE, OPTIONS));
    expect(r).toMatchObject({ code: 0, out: `${USAGE}\n`, err: '' });
  });

  it('names a mistyped option or a stray argument with the usage, exit 2', () => {
    const typo = run(['--chat', '5'], () => parseOptions(USAGE, OPTIONS));
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("Unknown option '--chat'");
    expect(typo.err).toContain(USAGE);
    const stray = run(['5'], () => parseOptions(USAGE, OPTIONS));
    expect(stray.code).toBe(2);
    expect(stray.err).toContain("Unexpected argument '5'");
  });

  it('takes a count only as a positive integer', () => {
    expect(run([], () => positiveInt(USAGE, 'runs', undefined, 3)).value).toBe(3);
    expect(run([], () => positiveInt(USAGE, 'runs', '7', 3)).value).toBe(7);
    for (const bad of ['0', '-1', '2.5', 'ten', '']) {
      const r = run([], () => positiveInt(USAGE, 'runs', bad, 3));
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--runs ${bad}: expected a positive integer`);
    }
  });

  it('is what a script uses: a mistyped option stops bench-pipeline before it connects to anything', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-pipeline.ts', '--chat', '5'], {
      encoding: 'utf8',
      timeout: 30_000,
      // Nothing to connect to: had the script gone on, it would fail differently.
      env: { ...process.env, TEST_DATABASE_URL: 'postgres://127.0.0.1:9/none' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--chat'");
    expect(r.stderr).toContain('scripts/bench-pipeline.ts [--chats 1000] [--rounds 4]');
  });
});
