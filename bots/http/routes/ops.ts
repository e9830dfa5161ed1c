/**
 * Liveness, readiness and metrics: served by web processes and, on WORKER_PORT, by workers.
 * /healthz answers while the process runs; /readyz answers 503 when the database or Redis is
 * down, or when a queue this process consumes is stuck (its oldest waiting job has waited longer
 * than QUEUE_STUCK_MS: every consumer busy with jobs that do not end).
 */
import type { FastifyInstance } from 'fastify';
import { toAppError } from '../../../core/errors.ts';
import type { App } from '../../app.ts';

export function registerOps(server: FastifyInstance, app: App): void {
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
  server.get('/metrics', async (_req, reply) => {
    reply.header('content-type', app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
}
