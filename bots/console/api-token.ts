/**
 * /v1/console/* for a CRM or BI tool: a bearer token with the `read` scope (bots/http/auth.ts)
 * instead of a session cookie. The token reads what an admin reads and changes nothing: a change
 * needs a person, so it needs a console session.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import type { Person } from '../catalog/catalog.ts';
import type { ApiAuth } from '../http/auth.ts';
import type { Viewing } from './session.ts';

/** Who a read token stands for: every team, nobody's own deals. */
export const API_READER: Person = { id: 'api:read', name: 'API', role: 'admin', teamId: null, manages: [], active: true };

/** Whether the request asks in with a token rather than the cookie. */
export const wantsToken = (req: FastifyRequest): boolean => req.url.startsWith('/v1/console/') && req.headers.authorization !== undefined;

/** The request's viewing from its token; throws UNAUTHORIZED, or FORBIDDEN without `read` or for a change. */
export function tokenViewing(auth: ApiAuth, req: FastifyRequest, now: Date): Viewing {
  auth.require(req, 'read');
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new AppError('FORBIDDEN', 'an API token reads the console API; changes need a console session');
  return {
    person: API_READER,
    key: '',
    session: { tokenHash: '', personId: API_READER.id, csrfToken: '', createdAt: now, expiresAt: now, endedAt: null },
  };
}
