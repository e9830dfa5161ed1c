/**
 * `npm run worker`: analysis, timers, reports and sends from BullMQ (REDIS_URL required), as
 * many processes as the load needs, against the same PostgreSQL and Redis as `npm start`.
 * Serves /readyz and /metrics on WORKER_PORT.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { createApp } from './app.ts';
import { registerOps } from './http/routes/ops.ts';
import { runProcess } from './process.ts';

runProcess('dealwise-worker', async (config, log) => {
  const app = await createApp({ config, log, role: 'worker' });
  const ops = Fastify({ loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger });
  registerOps(ops, app);
  await ops.listen({ host: config.HOST, port: config.WORKER_PORT });
  log.info({ db: app.database.kind }, 'dealwise worker is up');
  return { app, close: () => ops.close() };
});
