/**
 * Who may call the HTTP API (/v1/*, the documents API). Bearer tokens carry scopes:
 *  - `ingest`: post customer and rep messages and archive records, share documents;
 *  - `read`: the outbox, deals, documents and their reading;
 *  - `admin`: everything, including acting as a given person (commands and feedback over the
 *    ingest, card presses, deal corrections, page labels);
 *  - `metrics`: /metrics only, for a scraper (`read` and `admin` include it).
 * `API_TOKEN` is one admin token (as before scopes). With no token configured the API answers
 * only requests made directly on the loopback interface, and `npm start` refuses a HOST that is
 * not loopback. Tokens are compared as SHA-256 digests in constant time, and never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { ApiScope, Config } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';

export type { ApiScope } from '../../core/config.ts';

interface KnownToken {
  digest: Buffer;
  scopes: readonly ApiScope[];
}

/** The scopes a request was granted; `local` when no token is configured and it came over loopback. */
export interface Grant {
  scopes: ReadonlySet<ApiScope>;
  via: 'token' | 'local';
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** True for 127.0.0.0/8, ::1 (and its IPv4-mapped form) and `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Throws CONFIG_INVALID when a port would be reachable beyond this machine with no token: the
 * web's /v1, or (`what`) the worker's ops port, whose /metrics describe the business.
 */
export function assertSafeExposure(config: Pick<Config, 'HOST' | 'API_TOKEN' | 'API_TOKENS'>, what = 'anyone who reaches the port could use /v1'): void {
  if (isLoopback(config.HOST) || config.API_TOKEN || (config.API_TOKENS?.length ?? 0) > 0) return;
  throw new AppError(
    'CONFIG_INVALID',
    `API_TOKENS: required when HOST (${config.HOST}) is not a loopback address; without a token ${what} (set API_TOKENS=admin:<token>, or the older API_TOKEN)`,
  );
}

/** Checks bearer tokens; built once from the config. */
export class ApiAuth {
  private readonly tokens: readonly KnownToken[];

  constructor(config: Partial<Pick<Config, 'API_TOKEN' | 'API_TOKENS'>>) {
    const tokens: KnownToken[] = (config.API_TOKENS ?? []).map((t) => ({ digest: digest(t.token), scopes: t.scopes }));
    if (config.API_TOKEN) tokens.push({ digest: digest(config.API_TOKEN), scopes: ['admin'] });
    this.tokens = tokens;
  }

  /** False when no token is configured: only direct loopback requests are let in. */
  get configured(): boolean {
    return this.tokens.length > 0;
  }

  /** The request's grant; throws UNAUTHORIZED when it has none. */
  grant(req: Pick<FastifyRequest, 'headers' | 'socket'>): Grant {
    if (!this.configured) {
      // Without tokens the API is for this machine only. A request relayed by a proxy on this
      // machine comes from loopback too, but says so in its forwarding headers.
      const forwarded = req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined || req.headers['x-real-ip'] !== undefined;
      if (forwarded || !isLoopback(req.socket?.remoteAddress ?? '')) {
        throw new AppError('UNAUTHORIZED', 'no API token is configured, so the API answers only direct requests from this machine (set API_TOKENS)');
      }
      return { scopes: new Set(['admin', 'read', 'ingest', 'metrics']), via: 'local' };
    }
    const header = req.headers.authorization ?? '';
    const m = /^Bearer +(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('UNAUTHORIZED', 'missing API token (Authorization: Bearer <token>)');
    const given = digest(m[1]!);
    const scopes = new Set<ApiScope>();
    // Every token is compared, whichever matches: the time taken says nothing about which.
    for (const t of this.tokens) if (timingSafeEqual(t.digest, given)) for (const s of t.scopes) scopes.add(s);
    if (scopes.size === 0) throw new AppError('UNAUTHORIZED', 'wrong API token');
    if (scopes.has('admin')) {
      scopes.add('read');
      scopes.add('ingest');
    }
    if (scopes.has('read')) scopes.add('metrics');
    return { scopes, via: 'token' };
  }

  /** Throws UNAUTHORIZED without a valid token, FORBIDDEN when the token lacks `scope`. */
  require(req: Pick<FastifyRequest, 'headers' | 'socket'>, scope: ApiScope): Grant {
    const g = this.grant(req);
    requireScope(g, scope);
    return g;
  }
}

/** Throws FORBIDDEN naming the scope the grant lacks. */
export function requireScope(grant: Grant, scope: ApiScope, why = ''): void {
  if (!grant.scopes.has(scope)) throw new AppError('FORBIDDEN', `this API token lacks the ${scope} scope${why ? ` (${why})` : ''}`);
}
