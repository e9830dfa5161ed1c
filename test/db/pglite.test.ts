import { rm } from 'node:fs/promises';
import { openDatabase } from '../../db/client.ts';
import { makeDataDir } from '../helpers/app.ts';
import { defineRepositorySuite } from './repository-suite.ts';

let dir = '';
defineRepositorySuite(
  'PGlite',
  async () => {
    dir = await makeDataDir();
    return openDatabase({ dataDir: dir, migrate: false });
  },
  () => rm(dir, { recursive: true, force: true }),
);
