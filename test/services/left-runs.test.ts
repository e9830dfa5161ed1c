/**
 * What a killed test run (or bench) leaves is removed by the next run: the databases and run
 * folders named for a process that is gone, never those of a live one.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectPostgres } from '../../db/client.ts';
import { PG_ADMIN_URL } from '../setup/constants.ts';
import { dropLeftDatabases, removeLeftRunFolders } from '../setup/left-runs.ts';

/** The id of a process that has ended. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('what a killed run leaves', () => {
  const admin = connectPostgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  afterAll(() => admin.end());
  const databases = async () => (await admin<{ datname: string }[]>`select datname from pg_database`).map((r) => r.datname);

  it('drops the databases of a run that is gone and keeps a live run’s', async () => {
    const dead = deadPid();
    const left = [`dealwise_template_${dead}`, `dealwise_test_${dead}_0a1b2c`];
    const live = `dealwise_test_${process.pid}_0a1b2c`;
    for (const name of [...left, live]) await admin.unsafe(`create database ${name}`);
    try {
      const dropped = await dropLeftDatabases(PG_ADMIN_URL);
      expect(dropped).toEqual(expect.arrayContaining(left));
      const now = await databases();
      expect(now).toContain(live);
      for (const name of left) expect(now).not.toContain(name);
    } finally {
      for (const name of [...left, live]) await admin.unsafe(`drop database if exists ${name} with (force)`);
    }
  });

  it('leaves a server on another machine alone', async () => {
    const elsewhere = new URL(PG_ADMIN_URL);
    elsewhere.hostname = '192.0.2.1';
    expect(await dropLeftDatabases(elsewhere.toString())).toEqual([]);
  });

  it('removes the run folders of a run that is gone and keeps a live run’s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dealwise-left-'));
    try {
      const dead = `dealwise-run-${deadPid()}-x1`;
      const live = `dealwise-run-${process.pid}-y2`;
      await mkdir(join(dir, dead));
      await mkdir(join(dir, live));
      await removeLeftRunFolders(dir);
      expect(await readdir(dir)).toEqual([live]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
