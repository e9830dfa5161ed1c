/**
 * Which of many patterns can match a text, from one pass over the text: each pattern's required
 * literals (./literals.ts; "atoms" here) go into a hash table keyed by their first few characters,
 * and a scan looks up every position of the text once per key length that an atom starting with
 * that character has. A pattern none of whose atoms is in the text is not a candidate and need not
 * run; a pattern without atoms always is. Replaces dozens of pattern runs a message (each a scan
 * of the text, most of them failing) with one scan and a few runs.
 */
import type { Required } from './literals.ts';

/** Atoms are looked up by at most this many leading characters, then checked in full. */
const KEY = 4;
const TABLE_BITS = 14;

/** A key's hash, extended one character at a time (FNV-1a on UTF-16 units). */
function extend(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}
const SEED = 0x811c9dc5 | 0;
function slot(h: number, n: number): number {
  return Math.imul(h + n, 0x9e3779b1) >>> (32 - TABLE_BITS);
}
/** A character pair's place in the pair filter (collisions only let a position through). */
function pair(c0: number, c1: number): number {
  return Math.imul(c0 ^ (c1 << 16), 0x2c1b3c6d) >>> 16;
}

export class LiteralIndex {
  /** Per pattern: its atoms were seen in the last scanned text (stamp === this.scanNo), or it has none. */
  private readonly stamps: Int32Array;
  private readonly always: Uint8Array;
  /** Per character code: a bit for each key length of the atoms that start with it. */
  private readonly firstLengths = new Uint8Array(0x10000);
  /**
   * The first two characters of every atom longer than one, hashed: most positions of a message
   * start no atom's first pair, and this one lookup turns them away before any hashing.
   */
  private readonly pairs = new Uint8Array(0x10000);
  /** Hash slot → first atom (1-based; 0 is none); `next` chains atoms sharing a slot. */
  private readonly heads = new Int32Array(1 << TABLE_BITS);
  private readonly next: Int32Array;
  private readonly atomText: string[] = [''];
  private readonly atomKeyLength: Uint8Array;
  /** The hash of each atom's key, compared before the atom itself. */
  private readonly atomKeyHash: Int32Array;
  private readonly atomPatterns: number[][] = [[]];
  private readonly atomStamps: Int32Array;
  private scanNo = 0;

  /** `atoms[i]` are pattern i's required literals (null: it always runs). */
  constructor(atoms: readonly Required[]) {
    this.stamps = new Int32Array(atoms.length);
    this.always = new Uint8Array(atoms.length);
    const byText = new Map<string, number>();
    atoms.forEach((list, p) => {
      if (list === null) {
        this.always[p] = 1;
        return;
      }
      for (const a of list) {
        let id = byText.get(a);
        if (id === undefined) {
          id = this.atomText.length;
          byText.set(a, id);
          this.atomText.push(a);
          this.atomPatterns.push([]);
        }
        const ps = this.atomPatterns[id] as number[];
        if (!ps.includes(p)) ps.push(p);
      }
    });
    const n = this.atomText.length;
    this.next = new Int32Array(n);
    this.atomKeyLength = new Uint8Array(n);
    this.atomKeyHash = new Int32Array(n);
    this.atomStamps = new Int32Array(n);
    for (let id = 1; id < n; id++) {
      const a = this.atomText[id] as string;
      const len = Math.min(KEY, a.length);
      let h = SEED;
      for (let i = 0; i < len; i++) h = extend(h, a.charCodeAt(i));
      const s = slot(h, len);
      this.next[id] = this.heads[s] as number;
      this.heads[s] = id;
      this.atomKeyLength[id] = len;
      this.atomKeyHash[id] = h;
      const first = a.charCodeAt(0);
      this.firstLengths[first] = (this.firstLengths[first] as number) | (1 << len);
      if (a.length > 1) this.pairs[pair(first, a.charCodeAt(1))] = 1;
    }
  }

  /** Scans `text`; afterwards `candidate(p)` says whether pattern p can match it. */
  scan(text: string): void {
    if (++this.scanNo === 0x7fffffff) {
      this.scanNo = 1;
      this.stamps.fill(0);
      this.atomStamps.fill(0);
    }
    const no = this.scanNo;
    const { firstLengths, pairs, heads, next, atomText, atomKeyLength, atomKeyHash, atomStamps } = this;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      let lengths = firstLengths[c] as number;
      if (lengths === 0) continue;
      // Longer keys only where some atom starts with this pair of characters.
      if (lengths > 2 && (i + 1 === n || pairs[pair(c, text.charCodeAt(i + 1))] === 0)) lengths &= 2;
      if (lengths === 0) continue;
      let h = SEED;
      // Up to the longest key of an atom that starts here.
      const most = Math.min(31 - Math.clz32(lengths), n - i);
      for (let len = 1; len <= most; len++) {
        h = extend(h, text.charCodeAt(i + len - 1));
        if (((lengths >>> len) & 1) === 0) continue;
        for (let id = heads[slot(h, len)] as number; id !== 0; id = next[id] as number) {
          if (atomKeyHash[id] !== h || atomKeyLength[id] !== len || atomStamps[id] === no || !text.startsWith(atomText[id] as string, i)) continue;
          atomStamps[id] = no;
          for (const p of this.atomPatterns[id] as number[]) this.stamps[p] = no;
        }
      }
    }
  }

  /** Whether pattern p can match the last scanned text. */
  candidate(p: number): boolean {
    return this.stamps[p] === this.scanNo || this.always[p] === 1;
  }
}
