/**
 * `npm run worker`: analysis, timers, reports and sends from BullMQ (REDIS_URL required), as
 * many processes as the load needs, against the same PostgreSQL and Redis as `npm start`.
 * Serves /readyz and /metrics on WORKER_PORT. SIGTERM lets running jobs finish, then exits.
 */
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { loadConfig } from '../core/config.ts';
import { toAppError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { createApp } from './app.ts';
import { registerOps } from './http/server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${toAppError(err).message}\n`);
    process.exit(2);
  }
  const log = createLogger({ level: config.LOG_LEVEL, name: 'dealwise-worker' });
  const app = await createApp({ config, log, role: 'worker' });
  const ops = Fastify({ loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger });
  registerOps(ops, app);
  await ops.listen({ host: config.HOST, port: config.WORKER_PORT });
  log.info({ db: app.database.kind }, 'dealwise worker is up');

  process.on('SIGHUP', () => void app.reload().catch((err) => log.error({ err }, 'reload failed')));
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'worker shutting down');
    await ops.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  const e = toAppError(err);
  process.stderr.write(`dealwise worker failed to start: ${e.code}: ${e.message}\n`);
  process.exit(1);
});
