/**
 * `Bm25Index.scoreOf`, which ranks only a nudge's candidate atoms, gives exactly the scores the
 * full `score` gives those atoms (so the choice is the same as before it existed), on the default
 * knowledge base and messages made of its own words, other words and nothing at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atomIndex } from '../../bots/coaching/atoms.ts';
import { defaultCatalog } from '../../scripts/eval-atoms.ts';

describe('BM25 over a few documents', () => {
  const catalog = defaultCatalog();
  const index = atomIndex(catalog);
  const ids = [...catalog.atoms.keys()];
  const vocabulary = [...catalog.atoms.values()].flatMap((a) => [a.title, a.topic, ...a.keywords, ...a.talkTracks.map((t) => t.slice(0, 12))]);

  it('scores the given atoms as the whole index does', () => {
    const text = fc.array(fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 8 }), fc.constantFrom('太贵了', '预算', 'price', '？')), {
      maxLength: 6,
    });
    fc.assert(
      fc.property(text, fc.subarray(ids, { maxLength: 6 }), (parts, some) => {
        const query = parts.join('');
        const all = index.score(query);
        const few = index.scoreOf(query, some);
        expect(few).toEqual(new Map(some.filter((id) => all.has(id)).map((id) => [id, all.get(id)])));
      }),
      { numRuns: 300 },
    );
    // Not vacuous: a price objection shares words with some atoms.
    expect(index.scoreOf('48 万？太贵了，超预算了', ids).size).toBeGreaterThan(0);
  });
});
