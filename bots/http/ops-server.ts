/**
 * The worker's HTTP server on WORKER_PORT: /healthz, /readyz and /metrics (routes/ops.ts), with
 * the web's error shape and, like the web, no line per request: a load balancer's probe every few
 * seconds would fill the log with lines that say nothing; errors are logged where they occur.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../../core/logger.ts';
import type { App } from '../app.ts';
import { frameworkErrors, notFound } from './fastify-errors.ts';
import { registerOps } from './routes/ops.ts';

export function buildOpsServer(app: App, log: Logger): FastifyInstance {
  const ops = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
  });
  ops.setNotFoundHandler(notFound);
  registerOps(ops, app);
  return ops;
}
