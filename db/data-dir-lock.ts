/**
 * One process at a time in an embedded database's folder. PGlite keeps no lock of its own: a
 * second process opening DATA_DIR while the server runs (a CLI command, a second `npm start`)
 * works on its own copy of the pages in memory, answers as if all went well, and each overwrites
 * what the other wrote (a console link the server has never seen, an import that loses records).
 *
 * The lock is a file created only if absent (`wx`), holding the owner's pid; it is removed on
 * close and, failing that, when the process exits. A process killed outright (kill -9, a crash
 * of the machine) leaves it behind: a lock whose pid is no longer running is stale and taken over.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../core/errors.ts';

/** The lock's file, beside PGlite's own folder (`pglite`) in DATA_DIR. */
export const lockFileOf = (dataDir: string): string => join(dataDir, 'pglite.lock');

/** The folders this process holds, so that its exit releases them if nothing closed them. */
const held = new Set<string>();
let exitHook = false;

/**
 * Takes the lock of `dataDir` for this process, or throws naming the process that holds it.
 * Returns what releases it.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = lockFileOf(dataDir);
  // Two tries: a stale lock removed, then created again, unless another process took it meanwhile.
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new AppError('DATABASE', `cannot lock the embedded database in ${dataDir}`, { cause: err });
    }
    const owner = ownerOf(file);
    // Our own pid in a lock we do not hold is not live: a previous process of the same pid (a
    // container restarted, whose processes get the same few pids again) was killed holding it.
    const live = owner !== null && !(owner === process.pid && !held.has(file)) && running(owner);
    if (live) {
      throw new AppError('DATABASE', `the embedded database in ${dataDir} is in use by process ${owner}: stop it first, or use DATABASE_URL`);
    }
    if (attempt > 0) throw new AppError('DATABASE', `cannot lock the embedded database in ${dataDir}: its lock file ${file} keeps coming back`);
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new AppError('DATABASE', `cannot remove the stale lock ${file}`, { cause: err });
    }
  }
  held.add(file);
  if (!exitHook) {
    exitHook = true;
    // Synchronous, as an exit handler must be: process.exit() after a failed shutdown, a crash.
    process.on('exit', () => {
      for (const f of held) removeIfOurs(f);
    });
  }
  return () => {
    if (!held.delete(file)) return;
    removeIfOurs(file);
  };
}

/** The pid a lock file names; null when it names none (a file cut short as its writer died). */
function ownerOf(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is a live process: signal 0 checks without sending; a zombie (dead, not yet reaped by its parent) is not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: "pid (comm) S …", the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function removeIfOurs(file: string): void {
  try {
    if (ownerOf(file) === process.pid) unlinkSync(file);
  } catch {
    // Gone already, or a folder removed with it: nothing to release.
  }
}
