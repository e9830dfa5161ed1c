/**
 * What the knowledge admin's forms share: YAML text read against a schema, every problem named by
 * its field (`talkTracks.0`, `rules.3.within`) so the page can show it beside what the admin wrote,
 * and the one error a change refused with them throws.
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../../../core/errors.ts';

export interface FieldError {
  /** Dotted path in the YAML (`talkTracks.0`); `(yaml)` for text that is not YAML at all. */
  field: string;
  message: string;
}

/** A change refused for its content: nothing was written. `details.fields` lists the problems. */
export function invalid(summary: string, fields: FieldError[]): AppError {
  return new AppError('BAD_REQUEST', `${summary}：${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { details: { fields } });
}

export const fieldsOf = (err: unknown): FieldError[] => ((err as AppError).details as { fields?: FieldError[] } | undefined)?.fields ?? [];

/** Longest YAML an admin may paste (the sample atoms file is about 40 KB). */
export const MAX_YAML_CHARS = 400_000;

/** Parses YAML and validates it; the data or the problems, each with its field. */
export function readYaml<T>(text: string, schema: z.ZodType<T>): { ok: true; data: T } | { ok: false; errors: FieldError[] } {
  if (text.length > MAX_YAML_CHARS) return { ok: false, errors: [{ field: '(yaml)', message: `too long (over ${MAX_YAML_CHARS} characters)` }] };
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, errors: [{ field: '(yaml)', message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` }] };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })) };
  return { ok: true, data: parsed.data };
}
