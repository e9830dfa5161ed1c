/**
 * Turns a zod failure into a BAD_REQUEST AppError whose message names each bad field, so a
 * malformed platform payload is rejected with a clear reason and never half-parsed.
 */
import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';

/** `what` names the payload (e.g. "WeCom archive record"); issues keep path and message only. */
export function invalidPayload(what: string, error: z.ZodError): AppError {
  const issues = error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message }));
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new AppError('BAD_REQUEST', `invalid ${what}: ${summary}`, { details: { issues } });
}
