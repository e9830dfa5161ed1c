/**
 * A pino logger that keeps every line in memory, so a test can assert that no secret or token
 * ever reached a log line. Same redaction as production (createLogger's paths).
 */
import { pino } from 'pino';
import { REDACT_PATHS, type Logger } from '../../../core/logger.ts';

export function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}
