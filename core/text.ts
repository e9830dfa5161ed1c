/**
 * What every text field from outside must be before it is stored: PostgreSQL refuses NUL
 * characters and lone surrogates, so they are refused at the door with a clear error naming the
 * field, on every path (HTTP, each platform, the archive), instead of failing as a 500 later.
 */
import { AppError } from './errors.ts';

/** Why `s` cannot be stored as text, or null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (!s.isWellFormed()) return 'contains a lone surrogate (invalid UTF-16)';
  return null;
}

/** Throws BAD_REQUEST naming `field` when `s` is not storable or longer than `max` characters. */
export function checkText(field: string, s: string, max: number): string {
  const problem = textProblem(s);
  if (problem) throw new AppError('BAD_REQUEST', `${field} ${problem}`);
  if (s.length > max) throw new AppError('PAYLOAD_TOO_LARGE', `${field} is longer than ${max} characters`, { details: { field, max } });
  return s;
}

/**
 * `s` cut to at most `max` characters, ending with a marker that says how long it was; a
 * surrogate pair is never split. Platform messages are cut rather than refused: the writer cannot
 * be asked to send it again, and the platform would only redeliver the same text.
 */
export function clampText(s: string, max: number): string {
  if (s.length <= max) return s;
  const marker = `…[truncated: ${s.length} characters]`;
  let keep = Math.max(0, max - marker.length);
  const last = s.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep--;
  return keep === 0 ? s.slice(0, max).toWellFormed() : s.slice(0, keep) + marker;
}

/** Earliest and latest instants a message may carry (PostgreSQL and Date both hold them). */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST_AHEAD_MS = 366 * 86_400_000;

/** Throws BAD_REQUEST unless `d` is a real date between 2000 and a year from `now`. */
export function checkDate(field: string, d: Date, now = Date.now()): Date {
  const t = d.getTime();
  if (!Number.isFinite(t) || t < EARLIEST || t > now + LATEST_AHEAD_MS) throw new AppError('BAD_REQUEST', `${field} is not a plausible time`);
  return d;
}
