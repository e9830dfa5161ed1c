/**
 * Tracked documents on dealwise's HTTP server: one fastify plugin with narrow seams. The server
 * registers it with `registerDocumentRoutes(server, deps)`; everything it needs comes in `deps`
 * (database, storage, config, the public address, how /v1 is authorized, and a listener for
 * reading events), so the message loop and the server's auth can change under it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../core/config.ts';
import { toAppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import type { DocumentLinkRow, DocumentRow } from '../../db/queries/documents.ts';
import { ApiAuth, type ApiScope } from '../http/auth.ts';
import { fastifyRefusal } from '../http/fastify-errors.ts';
import { registerApiRoutes } from './api-routes.ts';
import { DocumentLookups } from './lookups.ts';
import type { ReadingEvent } from './reading.ts';
import { createDocumentStorage, type DocumentStorage } from './storage.ts';
import { registerViewerRoutes } from './viewer-routes.ts';

/** What a /v1/documents call needs: uploading and revoking, reading, editing page labels. */
export type DocumentScope = 'documents:write' | 'documents:read' | 'documents:admin';

/** Requests a minute before 429. A beacon comes every 15 s per reader, plus one per tab switch. */
export interface DocumentLimits {
  beaconPerLinkPerMinute: number;
  beaconPerIpPerMinute: number;
  openPerLinkPerMinute: number;
  openPerIpPerMinute: number;
  /** The viewer page and the file, per IP. */
  viewerPerIpPerMinute: number;
}

export const DEFAULT_LIMITS: DocumentLimits = {
  beaconPerLinkPerMinute: 240,
  // Customers behind one hospital or company NAT share an address.
  beaconPerIpPerMinute: 600,
  openPerLinkPerMinute: 60,
  openPerIpPerMinute: 120,
  viewerPerIpPerMinute: 600,
};

export interface DocumentDeps {
  db: Db;
  storage: DocumentStorage;
  config: Pick<Config, 'DOCUMENT_LINK_DAYS'>;
  /** Where customers reach this server (https://your-host): tracked links start with it. */
  publicUrl: string;
  /** Throws (AppError FORBIDDEN) when the request may not do `scope`. */
  authorize(req: FastifyRequest, scope: DocumentScope): void | Promise<void>;
  /**
   * Called after each stored open and beacon; the loop's way in. Its errors are logged only: an
   * event that matters (an open, a rule crossed) is kept first as a pending reading, `pendingId`,
   * which the listener deletes when it applies it and the sweep finds when it did not.
   */
  onReading?: (event: ReadingEvent, pendingId?: string) => void | Promise<void>;
  /** Called after a tracked link is made over the API (the loop opens its timers). Its errors are logged only. */
  onShared?: (shared: { document: DocumentRow; link: DocumentLinkRow }) => void | Promise<void>;
  limits?: Partial<DocumentLimits>;
  now?: () => Date;
}

/** The API scope each documents call needs: sharing and revoking are ingest, reading read, labels admin. */
const API_SCOPE: Record<DocumentScope, ApiScope> = { 'documents:write': 'ingest', 'documents:read': 'read', 'documents:admin': 'admin' };

/** The same check as /v1: a bearer token with the scope the call needs (bots/http/auth.ts). */
export function scopedAuthorizer(auth: ApiAuth): DocumentDeps['authorize'] {
  return (req, scope) => {
    auth.require(req, API_SCOPE[scope]);
  };
}

/** One admin token (the older API_TOKEN); without one, only direct requests from this machine. */
export function bearerAuthorizer(apiToken: string | undefined): DocumentDeps['authorize'] {
  return scopedAuthorizer(new ApiAuth({ API_TOKEN: apiToken }));
}

/** Deps from the configuration alone: folder or S3 storage, PUBLIC_URL, the /v1 tokens. */
export function documentDepsFromConfig(db: Db, config: Config, extra: Partial<DocumentDeps> = {}): DocumentDeps {
  return {
    db,
    storage: extra.storage ?? createDocumentStorage(config),
    config,
    publicUrl: config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
    authorize: scopedAuthorizer(new ApiAuth(config)),
    ...extra,
  };
}

/** Registers /v1/documents and /d/* (with their own error handler, body parsers and limits). */
export function registerDocumentRoutes(server: FastifyInstance, deps: DocumentDeps): void {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  server.register(async (scope) => {
    scope.setErrorHandler((err, req, reply) => {
      // Fastify's own errors (bad JSON, body too large, multipart limits) carry a status.
      const refusal = fastifyRefusal(err, req);
      if (refusal) return reply.status(refusal.status).send({ error: { code: refusal.error.code, message: refusal.error.message } });
      const e = toAppError(err);
      if (e.httpStatus >= 500) req.log.error({ err: e, url: req.routeOptions.url }, 'documents request failed');
      if (e.code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
      const status2 = e.code === 'PAYLOAD_TOO_LARGE' ? 413 : ((e.details as { status?: number } | undefined)?.status ?? e.httpStatus);
      return reply.status(status2).send({ error: { code: e.code, message: e.httpStatus >= 500 ? 'internal error' : e.message } });
    });
    const lookups = new DocumentLookups(deps.db);
    await scope.register(async (api) => registerApiRoutes(api, deps, lookups));
    await scope.register(async (viewer) => registerViewerRoutes(viewer, deps, limits, lookups));
  });
}
