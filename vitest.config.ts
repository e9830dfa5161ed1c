import { defineConfig } from 'vitest/config';

// `unit` needs nothing but Node 20 (PGlite, the in-process runner, loopback fakes); `services`
// needs the real PostgreSQL and Redis on 127.0.0.1 and `browser` Debian's /usr/bin/chromium, and
// each fails when what it needs is missing. `npm run test:services` runs both. `faults` kills
// processes and stops servers, a redis-server and a PostgreSQL cluster of its own where it stops
// them (it also needs the shared ones, redis-server and the PostgreSQL server binaries).
// All start from a migrated template database made once per run (test/setup/template-db.ts).
// `unit` shares one module graph per worker (`isolate: false`: importing the app again for every
// file was more than half of the suite's CPU; no test file mocks a module, and each builds its
// own app) and runs three files at once even on two cores, since much of its time is spent
// waiting on loopback servers and timers (vitest's default is one worker there: cores - 1). Three
// against two, alternated on a slow hour's machine: 110 / 103 s against 112 / 116 s quiet, 144 /
// 154 s against 159 / 159 s with a busy loop on one core (docs/MEASUREMENTS.md, twelfth session).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/services/**', 'test/faults/**', 'test/**/*browser.test.ts'],
          globalSetup: ['test/setup/template-db.ts'],
          isolate: false,
          maxWorkers: 3,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'services',
          include: ['test/services/**/*.test.ts'],
          globalSetup: ['test/setup/template-db.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/**/*browser.test.ts'],
          globalSetup: ['test/setup/template-db.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/setup/template-db.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
