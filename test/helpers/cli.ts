/**
 * A `dealwise` command run in this process: the command's `register…` function on a fresh
 * commander program, its output and exit code captured, the environment it reads set for the
 * run and restored after. A child process costs over a second of CPU (node, tsx, the app's
 * modules); a test file keeps one true run of bin/dealwise.js and checks the rest of the
 * command's behaviour here, through the same code.
 */
import { Command } from 'commander';
import { vi } from 'vitest';

export interface CommandRun {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCommandHere(register: (program: Command) => void, args: string[], env: Record<string, string> = {}): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const savedCode = process.exitCode;
  process.exitCode = undefined;
  let status = 0;
  try {
    const program = new Command('dealwise');
    register(program);
    await program.parseAsync(args, { from: 'user' });
    status = Number(process.exitCode ?? 0);
  } finally {
    process.exitCode = savedCode;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    out.mockRestore();
    err.mockRestore();
  }
  return { status, stdout, stderr };
}
