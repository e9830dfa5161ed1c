/**
 * The HTTP face of dealwise: health, the normalized-message ingest (the local adapter's way in),
 * the local outbox, nudge feedback, and the platform webhooks that adapters expose.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseLocalMessage } from '../../adapters/local/parse.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { FEEDBACK_VALUES, PLATFORMS, type InboundMessage, type Platform } from '../../core/types.ts';
import { deliveries } from '../../db/schema/index.ts';
import { isHttpAdapter } from '../adapters.ts';
import { importArchive } from '../archive-import.ts';
import { documentDepsFromConfig, registerDocumentRoutes } from '../documents/routes.ts';
import type { App } from '../app.ts';

/** Largest request body accepted, in bytes: a batch of messages at the text limit fits. */
export const BODY_LIMIT = 4 * 1024 * 1024;
/** Most messages in one POST /v1/messages. */
export const MAX_BATCH = 500;
/** Most records in one POST /v1/wecom/archive. */
export const MAX_ARCHIVE_BATCH = 2000;

const feedbackSchema = z
  .object({
    platform: z.enum(PLATFORMS),
    nudgeId: z.string().min(1).max(100),
    senderId: z.string().min(1).max(256),
    value: z.enum(FEEDBACK_VALUES),
  })
  .strict();

/** Readiness and metrics: served by web processes and, on WORKER_PORT, by workers. */
export function registerOps(server: FastifyInstance, app: App): void {
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

export function buildServer(app: App): FastifyInstance {
  const { config, log } = app.ctx;
  const server = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Per-request lines would log every chat message's arrival; errors are logged where they occur.
    logController: new LogController({ disableRequestLogging: true }),
  });

  server.setErrorHandler((err, _req, reply) => {
    // Fastify's own errors (bad JSON, body too large) carry a status; ours carry a code.
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof AppError) && fastifyStatus && fastifyStatus < 500) {
      return reply
        .status(fastifyStatus === 413 ? 413 : 400)
        .send({ error: { code: fastifyStatus === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: (err as Error).message } });
    }
    const e = toAppError(err);
    if (e.httpStatus >= 500) log.error({ err: e }, 'request failed');
    return reply.status(e.httpStatus).send({ error: { code: e.code, message: e.httpStatus >= 500 ? 'internal error' : e.message, details: e.details } });
  });

  server.get('/healthz', async () => ({ ok: true }));
  registerOps(server, app);
  registerDocumentRoutes(server, documentDepsFromConfig(app.ctx.db, config, { now: () => app.ctx.clock.now() }));

  server.register(async (v1) => {
    if (config.API_TOKEN) {
      const expected = Buffer.from(`Bearer ${config.API_TOKEN}`);
      v1.addHook('onRequest', async (req) => {
        const got = Buffer.from(req.headers.authorization ?? '');
        if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new AppError('FORBIDDEN', 'missing or wrong API token');
      });
    }

    v1.post('/v1/messages', async (req, reply) => {
      const body = req.body;
      const items = Array.isArray(body) ? body : [body];
      if (items.length === 0 || items.length > MAX_BATCH) throw new AppError('BAD_REQUEST', `send 1 to ${MAX_BATCH} messages`);
      // Validate the whole batch first: one bad message rejects the request and stores nothing.
      const parsed: InboundMessage[] = items.map((item, i) => {
        try {
          return parseLocalMessage(item, config.MAX_TEXT_LENGTH);
        } catch (err) {
          const e = toAppError(err);
          throw new AppError(e.code, Array.isArray(body) ? `message ${i}: ${e.message}` : e.message, { details: e.details });
        }
      });
      const results = [];
      for (const m of parsed) results.push({ messageId: m.messageId, ...(await app.sink.message(m)) });
      return reply.status(200).send({ results });
    });

    v1.post('/v1/wecom/archive', async (req) => {
      const body = req.body;
      const records = Array.isArray(body) ? body : [body];
      if (records.length === 0 || records.length > MAX_ARCHIVE_BATCH) throw new AppError('BAD_REQUEST', `send 1 to ${MAX_ARCHIVE_BATCH} records`);
      return importArchive(app.sink, records);
    });

    v1.get('/v1/outbox', async (req) => {
      const q = z.object({ personId: z.string().optional() }).parse(req.query);
      const rows = await app.ctx.db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.platform, 'local'), eq(deliveries.status, 'sent')))
        .orderBy(asc(deliveries.sentAt), asc(deliveries.id));
      return rows
        .filter((d) => !q.personId || ('personId' in d.to && d.to.personId === q.personId))
        .map((d) => ({ id: d.id, to: d.to, message: d.message, nudgeId: d.nudgeId, sentAt: d.sentAt }));
    });

    v1.post('/v1/feedback', async (req, reply) => {
      const parsed = feedbackSchema.safeParse(req.body);
      if (!parsed.success) throw new AppError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      await app.sink.feedback({ ...parsed.data, platform: parsed.data.platform as Platform });
      return reply.status(204).send();
    });
  });

  // Platform webhooks need the raw body for their signatures, so they get their own parser.
  server.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    for (const adapter of app.adapters.all.filter(isHttpAdapter)) {
      for (const route of adapter.routes()) {
        hooks.route({
          method: route.method,
          url: route.url,
          handler: async (req, reply: FastifyReply) => {
            const res = await route.handler({
              headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v])),
              query: req.query as Record<string, string | undefined>,
              rawBody: typeof req.body === 'string' ? req.body : '',
            });
            if (res.headers) reply.headers(res.headers);
            return reply.status(res.status).send(res.body);
          },
        });
      }
    }
  });

  return server;
}
