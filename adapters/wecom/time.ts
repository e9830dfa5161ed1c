/**
 * WeCom timestamps: callbacks use Unix seconds (`create_time`, `CreateTime`), the chat archive
 * uses milliseconds (`msgtime`). One reader accepts both, telling them apart by magnitude.
 */

/** Seconds or milliseconds since the epoch → Date; a missing or nonsensical value means now. */
export function wecomTime(value: number | undefined, now = Date.now()): Date {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return new Date(now);
  // 1e12 ms is 2001; 1e12 s is far in the future: no real timestamp is ambiguous.
  return new Date(value > 1e12 ? value : value * 1000);
}
