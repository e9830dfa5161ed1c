/**
 * The HTTP face of dealwise: health and metrics, the JSON API under /v1 (ingest, outbox, card
 * presses, deals) and the platform webhooks that adapters expose. Errors carry a code and a
 * message, never SQL, parameters or a stack.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { AppError, toAppError } from '../../core/errors.ts';
import { registerConsole } from '../console/routes.ts';
import { documentDepsFromConfig, registerDocumentRoutes } from '../documents/routes.ts';
import type { App } from '../app.ts';
import { registerDeals } from './routes/deals.ts';
import { registerIngest } from './routes/ingest.ts';
import { registerOps } from './routes/ops.ts';
import { registerOutbox } from './routes/outbox.ts';
import { registerPresses } from './routes/presses.ts';
import { registerWebhooks } from './routes/webhooks.ts';

/** Largest request body accepted, in bytes: a batch of messages at the text limit fits. */
export const BODY_LIMIT = 4 * 1024 * 1024;

export function buildServer(app: App): FastifyInstance {
  const { config, log } = app;
  const server = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // A client that never finishes its request is cut off instead of holding a socket forever.
    requestTimeout: 30_000,
    // Per-request lines would log every chat message's arrival; errors are logged where they occur.
    logController: new LogController({ disableRequestLogging: true }),
  });

  server.setErrorHandler((err, _req, reply) => {
    // Fastify's own errors (bad JSON, body too large) carry a status; ours carry a code.
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof AppError) && fastifyStatus && fastifyStatus < 500) {
      const code = fastifyStatus === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
      return reply.status(fastifyStatus === 413 ? 413 : 400).send({ error: { code, message: (err as Error).message } });
    }
    const e = toAppError(err);
    if (e.httpStatus >= 500) log.error({ err: e }, 'request failed');
    return reply.status(e.httpStatus).send({ error: { code: e.code, message: e.httpStatus >= 500 ? 'internal error' : e.message } });
  });

  registerOps(server, app);
  registerDocumentRoutes(
    server,
    documentDepsFromConfig(app.database.db, config, {
      now: () => app.clock.now(),
      storage: app.documents.storage,
      publicUrl: app.documents.publicUrl,
      onReading: app.documents.onReading,
      onShared: app.documents.onShared,
    }),
  );
  // The console's pages and its /v1/console JSON authenticate by session cookie, not the API token.
  registerConsole(server, { db: app.database.db, catalog: app.catalog, config, now: () => app.clock.now() });

  server.register(async (v1) => {
    if (config.API_TOKEN) {
      const expected = Buffer.from(`Bearer ${config.API_TOKEN}`);
      v1.addHook('onRequest', async (req) => {
        const got = Buffer.from(req.headers.authorization ?? '');
        if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new AppError('FORBIDDEN', 'missing or wrong API token');
      });
    }
    registerIngest(v1, app);
    registerOutbox(v1, app);
    registerPresses(v1, app);
    registerDeals(v1, app);
  });
  registerWebhooks(server, app);
  return server;
}
