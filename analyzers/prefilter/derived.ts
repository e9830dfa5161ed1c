/**
 * The required literals of the message path's patterns, derived ahead of time (`npm run literals`
 * writes ./literals.json): parsing some two hundred patterns costs a process about 100 ms at
 * start, reading the file about 1. Entries are keyed by a hash of the pattern, so a pattern that
 * changed since is simply not found and is derived at load instead: a stale file costs time, never
 * a wrong answer (test/analyzers/prefilter.test.ts also fails on it, naming the command).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Required, requiredLiterals } from './literals.ts';

export const LITERALS_FILE = fileURLToPath(new URL('./literals.json', import.meta.url));

/** What ./literals.json holds. */
export interface LiteralsFile {
  about: string;
  /** Pattern key (see `patternKey`) → its required literals. */
  patterns: Record<string, Required>;
}

/** A pattern's key in the file: its flags and source, hashed. */
export function patternKey(re: RegExp): string {
  return createHash('sha256').update(`${re.flags}/${re.source}`).digest('base64url').slice(0, 20);
}

let derived: Map<string, Required> | null = null;

function load(): Map<string, Required> {
  try {
    const file = JSON.parse(readFileSync(LITERALS_FILE, 'utf8')) as LiteralsFile;
    return new Map(Object.entries(file.patterns));
  } catch {
    // No file (or not one this code wrote): every pattern is derived at load, as without one.
    return new Map();
  }
}

/** `re`'s required literals: from the file when it has them, else derived now. */
export function literalsOf(re: RegExp): Required {
  derived ??= load();
  const known = derived.get(patternKey(re));
  return known !== undefined ? known : requiredLiterals(re);
}
