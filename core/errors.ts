/**
 * Coded errors. Every boundary (HTTP, CLI, job handler, adapter callback) turns whatever it
 * caught into an AppError with `toAppError`, so callers branch on a code, never on a message.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
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
  if (err instanceof AppError) return err;
  if (err instanceof Error) return new AppError('INTERNAL', err.message, { cause: err });
  return new AppError('INTERNAL', String(err));
}
