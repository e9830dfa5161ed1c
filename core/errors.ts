/**
 * Coded errors. Every boundary (HTTP, CLI, job handler, adapter callback) turns whatever it
 * caught into an AppError with `toAppError`, so callers branch on a code, never on a message.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNKNOWN_PLATFORM'
  | 'UNSUPPORTED_MESSAGE'
  | 'SIGNATURE_INVALID'
  | 'REPLAYED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PLATFORM_API'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'UNAUTHORIZED'
  | 'DATABASE'
  | 'INTERNAL';

const HTTP_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 400,
  /** A body in a content type the route does not read (text/plain where JSON is expected). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_PLATFORM: 400,
  UNSUPPORTED_MESSAGE: 400,
  SIGNATURE_INVALID: 401,
  /** A signed webhook already received within its time window. */
  REPLAYED: 409,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** The same id again with a different content (an idempotency key reused). */
  CONFLICT: 409,
  PLATFORM_API: 502,
  RATE_LIMITED: 429,
  TIMEOUT: 504,
  UNAUTHORIZED: 401,
  DATABASE: 503,
  INTERNAL: 500,
};

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** Safe, structured detail for the caller (never secrets). */
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export function toAppError(err: unknown): AppError {
  const safe = withoutQueryParams(err);
  if (safe instanceof AppError) return safe;
  if (safe instanceof Error) return new AppError('INTERNAL', safe.message, { cause: safe });
  return new AppError('INTERNAL', String(safe));
}

/**
 * A failed query as it may be wrapped and logged: its SQL and PostgreSQL's own error (the cause:
 * code, severity, message, the table and constraint it names), never its parameters, which are
 * customer text and raw payloads. drizzle's error writes them into its message, so into its stack
 * and every message copied from it, where no redaction path looks.
 */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  readonly query: string;
  /** PostgreSQL's SQLSTATE (`23505`, `22021` …), when it was PostgreSQL that refused. */
  readonly code?: string;

  constructor(query: string, frames: string, cause: unknown) {
    const pg = cause as { message?: unknown; code?: unknown } | undefined;
    const code = typeof pg?.code === 'string' ? pg.code : undefined;
    const said = typeof pg?.message === 'string' ? `: ${pg.message}${code ? ` (${code})` : ''}` : '';
    super(`Failed query: ${query}${said}`, cause === undefined ? undefined : { cause });
    this.query = query;
    if (code) this.code = code;
    this.stack = `QueryError: ${this.message}${frames}`;
  }
}

/**
 * What a PostgreSQL error may say in a log. Left out: the statement's values (`params`,
 * `parameters`, PGlite's `queryOptions`) and the fields that quote a row or a key (`detail`:
 * "Key (id)=(…) already exists", "Failing row contains (…)"; `where`, `internalQuery`).
 */
const PG_FIELDS = ['severity', 'code', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine', 'position'] as const;

/** An error's stack without its first line, the message (drizzle's names the parameters). */
function framesOf(err: Error): string {
  const stack = err.stack ?? '';
  for (const head of [`${err.name}: ${err.message}`, `Error: ${err.message}`]) if (stack.startsWith(head)) return stack.slice(head.length);
  return '';
}

const isDrizzleQueryError = (err: Error): err is Error & { query: string } =>
  typeof (err as { query?: unknown }).query === 'string' && 'params' in err && err.message.startsWith('Failed query: ');

/** PGlite's and node-postgres's DatabaseError, postgres.js's PostgresError: PostgreSQL's own answer. */
const isPgError = (err: Error): boolean => typeof (err as { code?: unknown }).code === 'string' && typeof (err as { severity?: unknown }).severity === 'string';

/** Errors made here: cleaning one again (a logged AppError over a cleaned cause) must not copy or reword it. */
const cleaned = new WeakSet<Error>();

/**
 * `err` with every failed query in it, itself or down its causes, replaced by its QueryError and
 * every PostgreSQL error by one without the statement's values; a wrapper of one is copied with
 * the cleaned cause, and the cause's old message replaced where the wrapper had copied it.
 * Anything else is returned as it was (the same object).
 */
export function withoutQueryParams(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) || err instanceof QueryError || cleaned.has(err) || depth > 8) return err;
  const cause = err.cause === undefined ? undefined : withoutQueryParams(err.cause, depth + 1);
  if (isDrizzleQueryError(err)) return new QueryError(err.query, framesOf(err), cause);
  if (isPgError(err)) {
    const pg = new Error(err.message);
    pg.name = err.name;
    pg.stack = err.stack ?? `${err.name}: ${err.message}`;
    for (const f of PG_FIELDS) {
      const v = (err as unknown as Record<string, unknown>)[f];
      if (v !== undefined) (pg as unknown as Record<string, unknown>)[f] = v;
    }
    cleaned.add(pg);
    return pg;
  }
  if (cause === err.cause) return err;
  const copy = Object.create(Object.getPrototypeOf(err) as object, Object.getOwnPropertyDescriptors(err)) as Error;
  const was = (err.cause as Error).message;
  const now = (cause as Error).message;
  Object.defineProperty(copy, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
  if (was && err.message.includes(was)) copy.message = err.message.replaceAll(was, now);
  if (was && err.stack?.includes(was)) copy.stack = err.stack.replaceAll(was, now);
  cleaned.add(copy);
  return copy;
}
