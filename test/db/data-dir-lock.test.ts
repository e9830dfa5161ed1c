/**
 * One process at a time in an embedded database's folder (db/data-dir-lock.ts). A process holds
 * the database (a child, as a running server would); the `dealwise` commands run on the same
 * DATA_DIR are refused with the folder and the holder's pid, exit non-zero and write nothing. A
 * holder killed outright leaves its lock behind, and the next process takes it over.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { registerImportArchive } from '../../bots/cli/import-archive.ts';
import { openDatabase } from '../../db/client.ts';
import { lockFileOf } from '../../db/data-dir-lock.ts';
import { auditLog, consoleLinks, messages } from '../../db/schema/index.ts';
import { makeDataDir } from '../helpers/app.ts';
import { runCommandHere } from '../helpers/cli.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const HOLDER = fileURLToPath(new URL('./fixtures/hold-db.ts', import.meta.url));
const envFor = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' });

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A child process that has the database in `dataDir` open. */
async function hold(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dataDir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', () => out.includes('open\n') && ok());
    child.once('exit', (code) => fail(new Error(`the holder exited with ${code}: ${out}`)));
  });
  return child;
}

async function counts(dataDir: string) {
  const database = await openDatabase({ dataDir, migrate: false });
  try {
    const { db } = database;
    return {
      links: (await db.select().from(consoleLinks)).length,
      audit: (await db.select().from(auditLog)).length,
      messages: (await db.select().from(messages)).length,
    };
  } finally {
    await database.close();
  }
}

describe('the embedded database, one process at a time', () => {
  it('refuses the commands while another process holds the folder, and they write nothing', async () => {
    const dataDir = await makeDataDir();
    const before = await counts(dataDir);
    const holder = await hold(dataDir);
    const refusal = `the embedded database in ${dataDir} is in use by process ${holder.pid}: stop it first, or use DATABASE_URL`;

    // The command as an admin runs it, in a process of its own.
    const link = spawnSync(process.execPath, [join(ROOT, 'bin/dealwise.js'), 'console-link', 'wangjing'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...envFor(dataDir) },
    });
    expect(link.status).toBe(1);
    expect(link.stdout).toBe('');
    expect(link.stderr).toContain(`console-link: ${refusal}`);

    const archive = join(dataDir, 'archive.jsonl');
    const record = {
      msgid: 'r1',
      action: 'send',
      from: 'zhangsan',
      tolist: ['wmLi'],
      roomid: 'wrRoom',
      msgtime: Date.now(),
      msgtype: 'text',
      text: { content: '你好' },
    };
    writeFileSync(archive, `${JSON.stringify(record)}\n`);
    const imported = await runCommandHere(registerImportArchive, ['import-archive', archive], envFor(dataDir));
    expect(imported.status).toBe(1);
    expect(imported.stdout).toBe('');
    expect(imported.stderr).toBe(`import-archive: ${refusal}\n`);
    // Opening it in this process is refused as well, and leaves the holder's lock alone.
    await expect(openDatabase({ dataDir, migrate: false })).rejects.toThrow(refusal);
    expect(readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(holder.pid));

    holder.stdin?.end();
    await once(holder, 'exit');
    expect(holder.exitCode).toBe(0);
    // Closed: the lock is gone, and the database is as it was.
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
    expect(await counts(dataDir)).toEqual(before);
  }, 120_000);

  it('takes over the lock of a process killed outright', async () => {
    const dataDir = await makeDataDir();
    const holder = await hold(dataDir);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(holder.pid));

    const database = await openDatabase({ dataDir, migrate: false });
    try {
      expect(readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(process.pid));
      await database.ping();
    } finally {
      await database.close();
    }
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
  }, 60_000);

  it('takes over a lock that names no process', async () => {
    const dataDir = await makeDataDir();
    writeFileSync(lockFileOf(dataDir), '');
    const database = await openDatabase({ dataDir, migrate: false });
    await database.close();
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
  }, 60_000);
});
