/**
 * An atom's use is measured, not assumed: a rep's message that resembles one of the talk-tracks
 * they were pushed for the deal in the last week counts as using that atom.
 */
import type { Atom } from '../catalog/schema.ts';

/** Dice similarity of character bigrams above which a message counts as using a talk-track. */
export const USE_THRESHOLD = 0.3;
export const USE_WINDOW_MS = 7 * 86_400_000;

const trackGrams = new WeakMap<Atom, Array<Map<string, number>>>();

/** True when `text` resembles one of the atom's talk-tracks. */
export function usesAtom(text: string, atom: Atom): boolean {
  if (text.length < 8) return false;
  let grams = trackGrams.get(atom);
  if (!grams) {
    grams = atom.talkTracks.map(bigrams);
    trackGrams.set(atom, grams);
  }
  const mine = bigrams(text.slice(0, 2000));
  return grams.some((g) => dice(mine, g) >= USE_THRESHOLD);
}

function bigrams(s: string): Map<string, number> {
  const t = s.replace(/\{[^}]*\}|[\s，。、！？,.!?：:；;“”"'（）()]/g, '');
  const out = new Map<string, number>();
  for (let i = 0; i < t.length - 1; i++) {
    const g = t.slice(i, i + 2);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const [g, n] of a) {
    total += n;
    shared += Math.min(n, b.get(g) ?? 0);
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}
