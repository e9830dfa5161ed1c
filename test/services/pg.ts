/**
 * A fresh PostgreSQL database per test file on the real server (TEST_DATABASE_URL, default the
 * machine's 127.0.0.1:5432/test), copied from the run's migrated template and dropped afterwards.
 * A server that is not there fails the test.
 */
import { randomBytes } from 'node:crypto';
import { connectPostgres } from '../../db/client.ts';
import { inject } from 'vitest';
import { PG_ADMIN_URL } from '../setup/constants.ts';
import { runPidOf } from '../setup/left-runs.ts';

export const ADMIN_URL = PG_ADMIN_URL;

/** A copy of the run's template; `null` for an empty database (outside vitest: the app migrates it). */
export async function createTestDatabase(template: string | null = inject('pgTemplate')): Promise<{ url: string; drop: () => Promise<void> }> {
  // Named for the run (or the bench) that made it: if that process is killed, the next run drops it (test/setup/left-runs.ts).
  const name = `dealwise_test_${runPidOf(template)}_${randomBytes(6).toString('hex')}`;
  const admin = connectPostgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  await admin.unsafe(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = connectPostgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
