import { openDatabase } from '../../db/client.ts';
import { defineRepositorySuite } from '../db/repository-suite.ts';
import { createTestDatabase } from './pg.ts';

let drop: () => Promise<void> = async () => {};
defineRepositorySuite(
  'PostgreSQL',
  async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    return openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false });
  },
  () => drop(),
);
