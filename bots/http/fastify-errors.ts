/**
 * Fastify's own refusals in the app's shape, `{ error: { code, message } }`: an unknown route, a
 * URL that is not valid percent-encoding, a body too large, a content type no parser takes, bad
 * JSON. Fastify answers these itself as `{ message, error, statusCode }` unless told otherwise,
 * so a client would have to read two shapes. Each error handler (the API's, the console's, the
 * documents') maps them here first.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body a route takes, for a refused content type's message; unset, JSON. */
    accepts?: string;
  }
}

/** An AppError with the status to answer it with (AppError's table answers PAYLOAD_TOO_LARGE with 400, so a body fastify refuses as too large carries its 413 here). */
export interface Refusal {
  status: number;
  error: AppError;
}

const contentTypeOf = (req: FastifyRequest): string | undefined => req.headers['content-type']?.split(';')[0]?.trim().slice(0, 100) || undefined;

/** The app's refusal for one of fastify's own errors (a FastifyError below 500), or null for any other error. */
export function fastifyRefusal(err: unknown, req: FastifyRequest): Refusal | null {
  if (err instanceof AppError || !(err instanceof Error)) return null;
  const status = (err as { statusCode?: number }).statusCode;
  if (!status || status >= 500) return null;
  const accepts = req.routeOptions?.config?.accepts ?? 'application/json';
  switch ((err as { code?: string }).code) {
    case 'FST_ERR_BAD_URL':
      return { status: 400, error: new AppError('BAD_REQUEST', 'the URL is not valid: a path segment is not valid percent-encoding') };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, error: new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than this route accepts') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = contentTypeOf(req);
      const message =
        type === undefined ? `the body has no Content-Type: send it as ${accepts}` : `Content-Type ${type} is not accepted: the body must be ${accepts}`;
      return { status: 415, error: new AppError('UNSUPPORTED_MEDIA_TYPE', message) };
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, error: new AppError('BAD_REQUEST', 'the body is empty but its Content-Type is application/json') };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, error: new AppError('BAD_REQUEST', 'the body is not valid JSON') };
  }
  if (status === 413) return { status, error: new AppError('PAYLOAD_TOO_LARGE', err.message) };
  if (status === 415) return { status, error: new AppError('UNSUPPORTED_MEDIA_TYPE', err.message) };
  if (status === 429) return { status, error: new AppError('RATE_LIMITED', err.message) };
  return { status: 400, error: new AppError('BAD_REQUEST', err.message) };
}

/** Fastify's `frameworkErrors`: a bad URL is refused before routing, so no error handler sees it. */
export function frameworkErrors(err: Error, req: FastifyRequest, reply: FastifyReply): void {
  const r = fastifyRefusal(err, req) ?? { status: 400, error: new AppError('BAD_REQUEST', err.message) };
  void reply.status(r.status).send({ error: { code: r.error.code, message: r.error.message } });
}

/** The not-found answer for an unknown route, in the app's shape. */
export function notFound(req: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
}

/**
 * Fastify's JSON parser, refusing `__proto__` and `constructor.prototype` keys as it does by
 * default (they could reach an object's prototype in code that merges the body), but saying so:
 * its own refusal is the same as for broken JSON, "not valid JSON", which sent the caller looking
 * for a syntax error. A body fastify refuses that JSON.parse reads is one with such a key; the
 * second parse happens only on a refusal.
 */
export function namePrototypeKeys(server: FastifyInstance): void {
  const parse = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    parse(req, body as string, (err, value) => {
      if ((err as { code?: string } | null)?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' && readsAsJson(body as string)) {
        done(new AppError('BAD_REQUEST', 'a key named __proto__, or constructor with a prototype key in it, is not accepted in a JSON body'), undefined);
      } else done(err, value);
    });
  });
}

function readsAsJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
