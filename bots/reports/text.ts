/** Small text helpers shared by the report queries. */

/** Escapes LIKE wildcards so a user's `%` or `_` matches itself (PostgreSQL's default escape `\`). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `text` on one line, cut to `max` characters with an ellipsis. Counts code points, so an emoji
 * or a rare CJK character is never split in half.
 */
export function excerpt(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}
