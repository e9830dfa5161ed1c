/**
 * Where a postgres:// URL points: a TCP host, or, as libpq spells it, a Unix-domain socket's
 * directory in the `host` parameter (`postgres://dealwise@localhost/dealwise?host=/var/run/postgresql`).
 * postgres.js takes a socket only as its `path` option, and would send an unknown URL parameter
 * to the server as a setting, which refuses it: so the parameter becomes that option here.
 *
 * Why a socket: with PostgreSQL on the same machine a round trip then skips the loopback TCP
 * stack, which both ends otherwise run: at a paced 100 msg/s the bench measured PostgreSQL's CPU
 * a message 6% lower, the whole stack's 3% (docs/MEASUREMENTS.md, thirteenth session).
 */

/** What postgres.js is given: the URL without the socket parameter, and the socket's path. */
export interface PostgresTarget {
  url: string;
  path?: string;
}

/** Whether the URL's `host` parameter, if any, is a socket directory (checked by the config). */
export function socketHostValid(url: string): boolean {
  try {
    postgresTarget(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits a socket directory out of `url` (the configuration has checked it). The socket is
 * PostgreSQL's own name for it in that directory, for the URL's port (5432 by default).
 */
export function postgresTarget(url: string): PostgresTarget {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  if (host === null) return { url };
  if (!host.startsWith('/')) throw new Error('postgres URL: the host parameter must be a socket directory (an absolute path)');
  parsed.searchParams.delete('host');
  const port = parsed.port || '5432';
  return { url: parsed.toString(), path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${port}` };
}
