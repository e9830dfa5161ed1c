/**
 * Vitest global setup: one migrated database with the default catalog loaded, made once per run
 * and copied for every test app, so a test file pays for a copy, not for migrations.
 *  - unit suite: an embedded (PGlite) data folder; each app copies it.
 *  - services and faults suites: a PostgreSQL template database; each stack creates its database from it.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { syncCatalogFiles } from '../../bots/catalog/sync.ts';
import { connectPostgres, openDatabase } from '../../db/client.ts';
import { CATALOG_FILES, PG_ADMIN_URL, PG_TEMPLATE } from './constants.ts';
import { dropLeftDatabases, RUN_PREFIX, removeLeftRunFolders } from './left-runs.ts';
import { SCRATCH } from './scratch.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An embedded data folder, migrated, with the default catalog loaded. */
    templateDataDir: string;
    /** A PostgreSQL database to copy, migrated, with the default catalog loaded (services and faults suites). */
    pgTemplate: string;
    /** The run's folder (in SCRATCH), removed when the run ends: the template and every test's data folder are in it. */
    runDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Everything a run writes goes under one folder, removed when the run ends: the template, every
  // test's data folder (`makeDataDir`), the playbooks the stacks read.
  // A run that was killed left its folder (in /dev/shm: memory, until a reboot), and its
  // PostgreSQL databases; the next run removes them. Their names carry the run's process id.
  await removeLeftRunFolders(SCRATCH);
  const runDir = await mkdtemp(join(SCRATCH, `${RUN_PREFIX}${process.pid}-`));
  project.provide('runDir', runDir);
  const dir = join(runDir, 'template');
  const db = await openDatabase({ dataDir: dir });
  await syncCatalogFiles(db.db, CATALOG_FILES);
  await db.close();
  // PGlite's default 128 MB of shared buffers is set up at every open, about half of what opening
  // a test app's copy costs; the tests' databases are a few MB, so 16 MB caches all of them.
  await appendFile(join(dir, 'pglite', 'postgresql.conf'), '\nshared_buffers = 16MB\n');
  project.provide('templateDataDir', dir);
  let pgTemplate = '';
  if (project.name === 'services' || project.name === 'faults') {
    pgTemplate = `${PG_TEMPLATE}_${process.pid}`;
    await dropLeftDatabases(PG_ADMIN_URL);
    const admin = connectPostgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${pgTemplate} with (force)`);
    await admin.unsafe(`create database ${pgTemplate}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${pgTemplate}`;
    const pg = await openDatabase({ databaseUrl: url.toString(), dataDir: dir });
    await syncCatalogFiles(pg.db, CATALOG_FILES);
    await pg.close();
  }
  project.provide('pgTemplate', pgTemplate);
  return async () => {
    await rm(runDir, { recursive: true, force: true });
    if (pgTemplate) {
      const admin = connectPostgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${pgTemplate} with (force)`);
      await admin.end();
    }
  };
}
