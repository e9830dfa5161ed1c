/**
 * The HTTP face of dealwise: health and metrics, the JSON API under /v1 (ingest, outbox, card
 * presses, deals) and the platform webhooks that adapters expose. Errors carry a code and a
 * message, never SQL, parameters or a stack.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { toAppError } from '../../core/errors.ts';
import { registerConsole } from '../console/routes.ts';
import { documentDepsFromConfig, registerDocumentRoutes, scopedAuthorizer } from '../documents/routes.ts';
import type { App } from '../app.ts';
import { ApiAuth, type ApiScope, assertSafeExposure, type Grant } from './auth.ts';
import { registerDealEvents } from './routes/deal-events.ts';
import { registerDeals } from './routes/deals.ts';
import { registerIngest } from './routes/ingest.ts';
import { registerOps } from './routes/ops.ts';
import { registerOutbox } from './routes/outbox.ts';
import { registerPresses } from './routes/presses.ts';
import { registerWebhooks } from './routes/webhooks.ts';
import { guardTextInput } from './text-guard.ts';
import { fastifyRefusal, frameworkErrors, namePrototypeKeys, notFound } from './fastify-errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a /v1 route needs; a route that names none needs admin. */
    scope?: ApiScope;
  }
  interface FastifyRequest {
    /** What the request's token grants (set on every /v1 request). */
    grant: Grant | null;
  }
}

/**
 * Largest request body accepted, in bytes. A full batch (500 messages) fits when their text is
 * ASCII at the 8,000-character limit (about 8.2 KB of JSON each); Chinese text takes 3 bytes a
 * character, so at that limit about 170 messages fit and a bigger batch is a 413 to split.
 */
export const BODY_LIMIT = 4 * 1024 * 1024;

export function buildServer(app: App): FastifyInstance {
  const { config, log } = app;
  assertSafeExposure(config);
  const auth = new ApiAuth(config);
  const server = Fastify({
    loggerInstance: log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // A client that never finishes its request is cut off instead of holding a socket forever.
    requestTimeout: 30_000,
    // Only the proxies named in TRUST_PROXY may say who the client is (rate limits, readers).
    trustProxy: config.TRUST_PROXY ?? false,
    // Per-request lines would log every chat message's arrival; errors are logged where they occur.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors,
  });

  server.setErrorHandler((err, req, reply) => {
    // Fastify's own errors (bad JSON, body too large, a content type it has no parser for) carry a status; ours carry a code.
    const refusal = fastifyRefusal(err, req);
    if (refusal) return reply.status(refusal.status).send({ error: { code: refusal.error.code, message: refusal.error.message } });
    const e = toAppError(err);
    if (e.httpStatus >= 500) log.error({ err: e }, 'request failed');
    if (e.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
    return reply.status(e.httpStatus).send({ error: { code: e.code, message: e.httpStatus >= 500 ? 'internal error' : e.message } });
  });
  server.setNotFoundHandler(notFound);
  // Every body is JSON but where a route says otherwise (multipart uploads, console forms, the
  // webhooks' raw bodies): fastify would hand text/plain to the route as a string, which then
  // failed the route's schema with "expected object, received string".
  server.removeContentTypeParser('text/plain');
  namePrototypeKeys(server);

  // Before any route is added: the check goes on every route (text-guard.ts).
  guardTextInput(server);
  registerOps(server, app, auth);
  registerDocumentRoutes(
    server,
    documentDepsFromConfig(app.database.db, config, {
      now: () => app.clock.now(),
      storage: app.documents.storage,
      publicUrl: app.documents.publicUrl,
      onReading: app.documents.onReading,
      onShared: app.documents.onShared,
      authorize: scopedAuthorizer(auth),
    }),
  );
  // The console's pages and its /v1/console JSON authenticate by session cookie; /v1/console also by a read-scoped API token.
  registerConsole(server, {
    db: app.database.db,
    catalog: app.catalog,
    config,
    now: () => app.clock.now(),
    storage: app.documents.storage,
    auth,
    simulator: { sink: config.LOCAL_ADAPTER ? app.sink : null },
  });

  server.register(async (v1) => {
    v1.decorateRequest('grant', null);
    // Fail closed: a route that does not say which scope it needs is admin-only.
    v1.addHook('onRequest', async (req) => {
      req.grant = auth.require(req, req.routeOptions.config.scope ?? 'admin');
    });
    registerIngest(v1, app);
    registerOutbox(v1, app);
    registerPresses(v1, app);
    registerDeals(v1, app);
    registerDealEvents(v1, app);
  });
  registerWebhooks(server, app);
  return server;
}
