/**
 * Batch statements take their rows as one JSON parameter (`jsonb_to_recordset($1::text::jsonb)`):
 * one statement text for any batch size, so it is prepared once. PostgreSQL's jsonb refuses NUL
 * characters and lone surrogates; text fields are refused at the door (core/text.ts), and free-form
 * payloads kept for audit (`raw`) are cleaned here instead.
 *
 * An update of the batch's rows by id says so twice (`byBatchId`): `from x where t.id =
 * any(array(select id from x)) and t.id = x.id`. Joined to the function's rows alone (estimated at 100, whatever the
 * batch), the table was planned as a sequential scan into a hash until it is many times larger:
 * on the embedded database, never analysed, a batch's update of 30 conversations read all 3,000
 * (3.9 ms, growing with the table); the array turns it into primary-key probes (1.5 ms, flat).
 */

/** The condition of an update of table alias `t` from the batch's rows, a CTE named `x` with an `id` column (see above). */
export const byBatchId = (t: string): string => `${t}.id = any(array(select id from x)) and ${t}.id = x.id`;

/**
 * A condition on the state of rows a statement finds by id (`t.status = 'pending'`), tested on each
 * row found instead of answered from an index on that column. Where the statistics say such rows
 * are rare (deliveries almost all sent, timers almost all done), the planner reads the status
 * index in place of the ids' primary-key probes, or ANDs the two bitmaps; but that index still
 * holds an entry for every row that left the state since the last vacuum (a bitmap scan never
 * marks them dead), so a send job's mark read about 10,000 of them a call in a burst.
 * `(…) is true` keeps a WHERE clause's meaning, and no index can answer it.
 */
export const testedPerRow = (condition: string): string => `(${condition}) is true`;

/** Serialises rows for a batch statement. */
export const rowsParam = (rows: readonly unknown[]): string => JSON.stringify(rows);

/** Nesting kept in `raw`; anything deeper is replaced by a marker (no platform nests this far). */
const MAX_DEPTH = 32;

/** A JSON value with every string made storable: NULs dropped, lone surrogates replaced. */
export function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '').toWellFormed() : value.toWellFormed();
  if (value === null || typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? null : value;
  // Returned as it was, a deeper part could still hold a NUL that PostgreSQL refuses.
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((v) => storableJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  // Defined, not assigned: a key named __proto__ stays a key, as JSON.parse made it.
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, storableJson(k) as string, { value: storableJson(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
