/**
 * Feature hashing: every feature (a word, a character n-gram, a stem bigram, a rule id) becomes
 * a 32-bit number computed straight from character codes, so the message path never builds a
 * feature string and never looks one up in a Map. Training and the runtime share these
 * functions, which is what keeps a trained model valid: change one and the model must be retrained.
 */

/** FNV-1a offset basis: the start of every chain. */
const FNV_BASIS = 0x811c9dc5;

/** One FNV-1a step: folds one code (a UTF-16 unit, or another hash) into `h`. */
export function step(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193);
}

/**
 * murmur3's final avalanche: FNV's low bits are weak, and buckets are taken from the top bits.
 * Returns a signed 32-bit integer: V8 keeps those unboxed, where values above 2^31 would become
 * doubles; the bucket (`h >>> shift`) is the same either way.
 */
export function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The start of a chain for one feature family, so "报价" as a word and as a bigram differ. */
export function namespace(name: string): number {
  let h = FNV_BASIS;
  for (let i = 0; i < name.length; i++) h = step(h, name.charCodeAt(i));
  return finish(h);
}

/** An unfinished chain over `s[from, to)`, continuing `h`. */
export function stepString(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) h = step(h, s.charCodeAt(i));
  return h;
}

/** The finished hash of a whole string in a family. */
export function hashString(ns: number, s: string): number {
  return finish(stepString(ns, s));
}

/** The same feature seen from one role: a cross of a finished hash with a role salt. */
export function cross(h: number, salt: number): number {
  return finish(h ^ salt);
}
