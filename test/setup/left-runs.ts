/**
 * What a killed run leaves behind, found by the process id in its name and removed by the next
 * run: run folders (`dealwise-run-<pid>-…`) and PostgreSQL databases (`dealwise_template_<pid>`,
 * `dealwise_test_<pid>_…`). A run that ends normally removes its own.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { postgresTarget } from '../../core/postgres-url.ts';
import { connectPostgres } from '../../db/client.ts';

export const RUN_PREFIX = 'dealwise-run-';
/** A run folder's name: the prefix, its run's process id, mkdtemp's suffix. */
const LEFT_RUN = new RegExp(`^${RUN_PREFIX}(\\d+)-`);
/** A run's template database, or a test database made from it (or by a bench), with its process id. */
const LEFT_DATABASE = /^dealwise_(?:template|test)_(\d+)(?:_|$)/;

/** Removes the run folders in `dir` of runs whose process is gone. */
export async function removeLeftRunFolders(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = Number(LEFT_RUN.exec(name)?.[1]);
    if (pid && !alive(pid)) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Drops the databases of runs whose process is gone; returns their names. Only on a server on this
 * machine: a process id says nothing about a run on another one that shares the server.
 */
export async function dropLeftDatabases(adminUrl: string): Promise<string[]> {
  // A socket directory is on this machine by definition.
  if (!postgresTarget(adminUrl).path && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(adminUrl).hostname)) return [];
  const admin = connectPostgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'dealwise\\_%'`;
    const left = rows.map((r) => r.datname).filter((name) => !alive(Number(LEFT_DATABASE.exec(name)?.[1] ?? process.pid)));
    for (const name of left) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    return left;
  } finally {
    await admin.end();
  }
}

/** The process id a test database is named for: its run's (from the template's name), else this process's. */
export function runPidOf(template: string | null): number {
  return Number(/_(\d+)$/.exec(template ?? '')?.[1] ?? process.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: a process of another user holds that id, so it is not gone.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
