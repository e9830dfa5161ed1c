/**
 * Liveness, readiness and metrics: served by web processes and, on WORKER_PORT, by workers.
 * /healthz answers while the process runs; /readyz answers 503 when the database or Redis is
 * down, or when a queue this process consumes is stuck (its oldest waiting job has waited longer
 * than QUEUE_STUCK_MS: every consumer busy with jobs that do not end).
 *
 * /metrics follows the rule of /v1: with API tokens configured it needs one with the `metrics`
 * scope (or `read`, `admin`); without, it answers only direct requests on loopback. Its figures
 * (queue depths, dead letters, message and nudge counts) describe the business, and the probes
 * stay open because a load balancer's health check carries no token.
 */
import type { FastifyInstance } from 'fastify';
import { toAppError } from '../../../core/errors.ts';
import type { App } from '../../app.ts';
import { ApiAuth } from '../auth.ts';

export function registerOps(server: FastifyInstance, app: App, auth: ApiAuth = new ApiAuth(app.config)): void {
  server.get('/healthz', async () => ({ ok: true }));
  server.get('/readyz', async (_req, reply) => {
    try {
      await app.ready();
      const stuck = await app.stuckQueues();
      if (stuck.length === 0) return { ready: true, role: app.role };
      const queues = stuck.map((q) => ({ queue: q.queue, oldestWaitingSeconds: Math.round(q.oldestWaitingMs / 1_000) }));
      const error = `queue stuck: ${queues.map((q) => `${q.queue} (oldest waiting job ${q.oldestWaitingSeconds} s)`).join(', ')}`;
      return reply.status(503).send({ ready: false, role: app.role, error, stuck: queues });
    } catch (err) {
      return reply.status(503).send({ ready: false, role: app.role, error: toAppError(err).message });
    }
  });
  server.get('/metrics', async (req, reply) => {
    try {
      auth.require(req, 'metrics');
    } catch (err) {
      // Answered here, not by the API's error handler: the worker's ops server has none.
      const e = toAppError(err);
      if (e.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
      return reply.status(e.httpStatus).send({ error: { code: e.code, message: e.message } });
    }
    reply.header('content-type', app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
}
