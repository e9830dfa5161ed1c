/**
 * Batch statements take their rows as one JSON parameter (`jsonb_to_recordset($1::text::jsonb)`):
 * one statement text for any batch size, so it is prepared once. PostgreSQL's jsonb refuses NUL
 * characters and lone surrogates; text fields are refused at the door (core/text.ts), and free-form
 * payloads kept for audit (`raw`) are cleaned here instead.
 */

/** Serialises rows for a batch statement. */
export const rowsParam = (rows: readonly unknown[]): string => JSON.stringify(rows);

/** A JSON value with every string made storable: NULs dropped, lone surrogates replaced. */
export function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '').toWellFormed() : value.toWellFormed();
  if (depth > 32 || value === null || typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  if (Array.isArray(value)) return value.map((v) => storableJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[storableJson(k, depth + 1) as string] = storableJson(v, depth + 1);
  return out;
}
