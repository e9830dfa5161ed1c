/**
 * BM25 over segmented words: how well a customer's message (or a rep's /kb query) matches each
 * knowledge atom's title, topic, keywords and talk-tracks. Chinese has no spaces, so words come
 * from Intl.Segmenter; keywords count double because an admin chose them.
 */
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const QUERY_WINDOW = 600;

const CJK_RUN = /[\u4e00-\u9fff]{2,}/g;

/**
 * Lower-cased words of `text`, plus the character pairs of every Chinese run. The segmenter's
 * dictionary does not know the trade's words (等保 comes out as 等 + 保, 账期 as 账 + 期), and a
 * single character says too little to keep; pairs catch those words whole, the standard remedy
 * in Chinese retrieval, at the price of a few chance pairs that BM25's idf mostly discounts.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const lower = text.slice(0, QUERY_WINDOW * 4).toLowerCase();
  for (const s of segmenter.segment(lower)) {
    if (!s.isWordLike) continue;
    const w = s.segment;
    if (w.length < 2 && /[\u4e00-\u9fff]/.test(w)) continue;
    out.push(w);
  }
  for (const run of lower.match(CJK_RUN) ?? []) {
    for (let i = 0; i + 2 <= run.length; i++) out.push(`\u0001${run.slice(i, i + 2)}`);
  }
  return out;
}

export interface Bm25Doc {
  id: string;
  /** Weighted fields: each text counted `weight` times. */
  fields: Array<{ text: string; weight: number }>;
}

export class Bm25Index {
  /** For each word, the documents holding it and its weighted count there (postings). */
  readonly #postings = new Map<string, Array<{ id: string; f: number; len: number }>>();
  /** Each document's weighted word counts and length, for scoring a few documents (`scoreOf`). */
  readonly #docs = new Map<string, { tf: Map<string, number>; len: number }>();
  readonly #n: number;
  readonly #avg: number;
  readonly #k1 = 1.2;
  readonly #b = 0.75;

  constructor(docs: readonly Bm25Doc[]) {
    let total = 0;
    for (const d of docs) {
      const tf = new Map<string, number>();
      let len = 0;
      for (const f of d.fields) {
        for (const w of words(f.text)) {
          tf.set(w, (tf.get(w) ?? 0) + f.weight);
          len += f.weight;
        }
      }
      total += len;
      this.#docs.set(d.id, { tf, len });
      for (const [w, f] of tf) {
        const list = this.#postings.get(w);
        if (list) list.push({ id: d.id, f, len });
        else this.#postings.set(w, [{ id: d.id, f, len }]);
      }
    }
    this.#n = docs.length;
    this.#avg = docs.length > 0 ? total / docs.length : 1;
  }

  /** Each document's score for the query (only documents sharing a word appear). */
  score(query: string): Map<string, number> {
    const out = new Map<string, number>();
    // Only the documents that hold a query word are visited: a message shares a few words with a
    // few atoms, so this is far cheaper than scoring every atom for every word.
    for (const [w, idf] of this.#queryWords(query)) {
      for (const { id, f, len } of this.#postings.get(w)!) out.set(id, (out.get(id) ?? 0) + this.#term(idf, f, len));
    }
    return out;
  }

  /**
   * The same scores as `score`, for the given documents only: a message's nudge ranks the two or
   * three atoms its rule allows, without visiting every posting of every word it shares with the
   * rest of the knowledge base.
   */
  scoreOf(query: string, ids: readonly string[]): Map<string, number> {
    const docs = ids.flatMap((id) => {
      const doc = this.#docs.get(id);
      return doc ? [{ id, ...doc }] : [];
    });
    const out = new Map<string, number>();
    for (const [w, idf] of this.#queryWords(query)) {
      for (const { id, tf, len } of docs) {
        const f = tf.get(w);
        if (f !== undefined) out.set(id, (out.get(id) ?? 0) + this.#term(idf, f, len));
      }
    }
    return out;
  }

  /** The query's distinct words that some document holds, each with its idf. */
  #queryWords(query: string): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const w of new Set(words(query.slice(0, QUERY_WINDOW)))) {
      const df = this.#postings.get(w)?.length;
      if (df !== undefined) out.push([w, Math.log(1 + (this.#n - df + 0.5) / (df + 0.5))]);
    }
    return out;
  }

  /** One word's share of a document's score: its idf times its saturated, length-normalised count. */
  #term(idf: number, f: number, len: number): number {
    return (idf * f * (this.#k1 + 1)) / (f + this.#k1 * (1 - this.#b + (this.#b * len) / this.#avg));
  }
}
