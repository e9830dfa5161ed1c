/**
 * Which hash buckets have a row of weights, and which row. The model keeps about a third of its
 * 2^hashBits buckets, each row in ascending bucket order, so a bucket's row is the number of kept
 * buckets below it: one bit a bucket and a running count a 32-bucket word answer that in 1/16 of
 * the memory of a bucket → row table (64 kB instead of 1 MB at 18 bits). Every feature of every
 * message is looked up here, at scattered places, so the smaller table stays in the core's cache
 * where the bigger one missed it: 2% of the classifier's time on a quiet machine, 9% beside a
 * process that thrashes the memory cache (analyzers/RESULTS.md, Speed).
 */

export interface RowIndex {
  /** Bit `b & 31` of word `b >>> 5` is set when bucket b has a row. */
  bits: Int32Array;
  /** Per word: how many buckets of the words before it have a row. */
  before: Int32Array;
}

/** The bitmap of `buckets`, which must be strictly ascending and below `size` (a multiple of 32). */
export function bucketBits(buckets: ArrayLike<number>, size: number): Int32Array {
  const bits = new Int32Array(size >>> 5);
  let last = -1;
  for (let r = 0; r < buckets.length; r++) {
    const b = buckets[r] as number;
    if (b >= size) throw new Error(`bucket ${b} out of range for ${Math.log2(size)} bits`);
    if (b <= last) throw new Error(`buckets must be ascending: ${b} after ${last}`);
    last = b;
    bits[b >>> 5] = (bits[b >>> 5] as number) | (1 << (b & 31));
  }
  return bits;
}

/** The index over a bitmap of kept buckets (kept, not copied). */
export function rowIndexOfBits(bits: Int32Array): RowIndex {
  const before = new Int32Array(bits.length);
  let count = 0;
  for (let w = 0; w < bits.length; w++) {
    before[w] = count;
    count += popcount(bits[w] as number);
  }
  return { bits, before };
}

/** How many buckets have a row. */
export function keptBuckets(index: RowIndex): number {
  const last = index.bits.length - 1;
  return last < 0 ? 0 : (index.before[last] as number) + popcount(index.bits[last] as number);
}

/** The row of bucket `b`, or -1 when the model has none for it. */
export function rowOf(index: RowIndex, b: number): number {
  const word = index.bits[b >>> 5] as number;
  const bit = b & 31;
  if (((word >>> bit) & 1) === 0) return -1;
  return (index.before[b >>> 5] as number) + popcount(word & ((1 << bit) - 1));
}

/** Set bits in a 32-bit word (the classic SWAR count). */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
