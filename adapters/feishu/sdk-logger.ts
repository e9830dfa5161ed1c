/**
 * Bridges the SDK's logger to pino. The SDK logs whole axios errors (request config with the
 * Authorization header; for the token call, a body holding the app secret), so only messages
 * and plain strings are passed on, never an object as it is.
 */
import { LoggerLevel, type Logger as SdkLogger } from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../core/logger.ts';

function describe(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
  if (arg instanceof Error) {
    const status = (arg as { response?: { status?: unknown } }).response?.status;
    return typeof status === 'number' ? `${arg.message} (HTTP ${status})` : arg.message;
  }
  if (Array.isArray(arg)) return arg.map(describe).join(' ');
  if (arg && typeof arg === 'object') {
    // formatErrors() output and Feishu reply bodies: keep the diagnosis, drop config and data.
    const { message, code, msg } = arg as { message?: unknown; code?: unknown; msg?: unknown };
    const parts = [message, code === undefined ? undefined : `code=${String(code)}`, msg].filter(
      (p): p is string | number => typeof p === 'string' || typeof p === 'number',
    );
    return parts.length > 0 ? parts.join(' ') : '[object]';
  }
  return String(arg);
}

/** An SDK Logger writing to a pino child logger, secrets kept out. */
export function toSdkLogger(log: Logger): SdkLogger {
  // LoggerProxy passes its arguments as one array.
  const line = (args: unknown[]): string => args.map(describe).join(' ');
  return {
    error: (...args: unknown[]) => log.error(line(args)),
    warn: (...args: unknown[]) => log.warn(line(args)),
    // The SDK's info lines are start-up chatter (a multi-line console banner among them).
    info: (...args: unknown[]) => log.debug(line(args)),
    debug: (...args: unknown[]) => log.debug(line(args)),
    trace: (...args: unknown[]) => log.trace(line(args)),
  };
}

/** The SDK's own level filter, set from pino's so the SDK does not format lines pino drops. */
export function sdkLoggerLevel(log: Logger): LoggerLevel {
  switch (log.level) {
    case 'trace':
      return LoggerLevel.trace;
    case 'debug':
      return LoggerLevel.debug;
    case 'info':
    case 'warn':
      return LoggerLevel.warn;
    case 'error':
      return LoggerLevel.error;
    default:
      return LoggerLevel.fatal;
  }
}
