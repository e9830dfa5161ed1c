/**
 * `npm run worker`: analysis, timers, reports and sends from BullMQ (REDIS_URL required), as
 * many processes as the load needs, against the same PostgreSQL and Redis as `npm start`.
 * Serves /readyz and /metrics on WORKER_PORT; like `npm start`, refuses a public HOST with no API
 * token (/metrics needs one, or a direct request on loopback). Runs at the nice value
 * WORKER_NICE (default 10), so that on shared cores the web process's acks go first.
 */
import { createApp } from './app.ts';
import { lowerCpuPriority } from '../core/priority.ts';
import { assertSafeExposure } from './http/auth.ts';
import { buildOpsServer } from './http/ops-server.ts';
import { runProcess } from './process.ts';

runProcess('dealwise-worker', async (config, log) => {
  // Before anything opens, as `npm start` does: a public HOST with no token is refused, naming the variable.
  assertSafeExposure(config, "the worker's ops port (WORKER_PORT) would be public with its /metrics unprotected by any token");
  // Before the app opens anything, so the threads it starts inherit the priority.
  const priority = lowerCpuPriority(config.WORKER_NICE);
  const app = await createApp({ config, log, role: 'worker' });
  const ops = buildOpsServer(app, log);
  await ops.listen({ host: config.HOST, port: config.WORKER_PORT });
  log.info({ db: app.database.kind, nice: priority.to }, 'dealwise worker is up');
  return { app, close: () => ops.close() };
});
