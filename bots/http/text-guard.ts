/**
 * Unstorable text refused at the edge: a NUL or a lone surrogate in a path parameter, the query
 * or a parsed body is a 400 naming where it was, on every route, before any handler can put it
 * into a query (PostgreSQL refuses both, which used to come back as a 500). One walk over what
 * fastify parsed (core/text.ts `findTextProblem`); nothing is built for a request that passes.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler, RouteOptions } from 'fastify';
import { AppError } from '../../core/errors.ts';
import { findTextProblem, type TextProblemAt } from '../../core/text.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route checks every string it takes and answers an unstorable one its own way, so the
     * edge check leaves it alone: a webhook verifies its signature before anything else, the
     * archive skips such a record with its reason, the message ingest names the message and the
     * field (checkInbound) and need not walk its body twice.
     */
    ownTextChecks?: boolean;
  }
}

/** `labels[0].title`, as core/inbound.ts names fields. */
function pathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

function bodyRefusal(found: TextProblemAt): string {
  const where = pathText(found.path) || 'the body';
  return found.inKey ? `a key in ${where} ${found.problem}` : `${where} ${found.problem}`;
}

function paramRefusal(kind: 'path' | 'query', found: TextProblemAt): string {
  if (found.inKey) return `a ${kind} parameter's name ${found.problem}`;
  return `${kind} parameter ${pathText(found.path)} ${found.problem}`;
}

const guard: preHandlerAsyncHookHandler = async (req: FastifyRequest) => {
  let found = findTextProblem(req.params);
  if (found) throw new AppError('BAD_REQUEST', paramRefusal('path', found));
  found = findTextProblem(req.query);
  if (found) throw new AppError('BAD_REQUEST', paramRefusal('query', found));
  found = findTextProblem(req.body);
  if (found) throw new AppError('BAD_REQUEST', bodyRefusal(found));
};

/**
 * Adds the check to every route registered after it, in this server and its plugins, but those
 * with `ownTextChecks`. It runs as the route's first own preHandler, after the instance's hooks: who is
 * asking is settled first (a /v1 token, a console session), so a caller without one still gets
 * its 401 or 403 rather than learning what its input lacked.
 */
export function guardTextInput(server: FastifyInstance): void {
  server.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.ownTextChecks) return;
    const own = route.preHandler;
    route.preHandler = own === undefined ? [guard] : [guard, ...(Array.isArray(own) ? own : [own])];
  });
}
