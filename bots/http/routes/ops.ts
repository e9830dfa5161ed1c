/** Liveness, readiness and metrics: served by web processes and, on WORKER_PORT, by workers. */
import type { FastifyInstance } from 'fastify';
import { toAppError } from '../../../core/errors.ts';
import type { App } from '../../app.ts';

export function registerOps(server: FastifyInstance, app: App): void {
  server.get('/healthz', async () => ({ ok: true }));
  server.get('/readyz', async (_req, reply) => {
    try {
      await app.ready();
      return { ready: true, role: app.role };
    } catch (err) {
      return reply.status(503).send({ ready: false, role: app.role, error: toAppError(err).message });
    }
  });
  server.get('/metrics', async (_req, reply) => {
    reply.header('content-type', app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
}
