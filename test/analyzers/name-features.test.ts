/**
 * The English name features (analyzers/classifier/words.ts): a capitalised word inside a sentence
 * is probably a name, so an unknown vendor leaves a trace; a code or an acronym is not a name.
 */
import { describe, expect, it } from 'vitest';
import { FeatureBuffer } from '../../analyzers/classifier/buffer.ts';
import { englishNameFeatures } from '../../analyzers/classifier/words.ts';

function names(text: string): number[] {
  const buf = new FeatureBuffer();
  englishNameFeatures(text, buf, 1);
  return [...buf.hashes.subarray(0, buf.count)];
}

describe('English name features', () => {
  it('mark a capitalised word inside a sentence, with the words around it', () => {
    expect(names('We went with Quillon last year')).not.toEqual([]);
    // The word after the name is part of its features ("Quillon quoted" against "Quillon last").
    expect(names('We went with Quillon last year')).not.toEqual(names('We went with Quillon this year'));
  });

  it('leave out form codes, standards and acronyms, however they mix digits and hyphens', () => {
    for (const code of ['W-8BEN', 'W-9', 'ISO-9001', 'SOC2', 'PO', 'CFO']) {
      expect(names(`We need your ${code} before we can pay you`), code).toEqual([]);
    }
    expect(names('W-8BEN before we can pay you')).toEqual([]);
  });

  it('leave out days, months and holidays', () => {
    for (const text of ['Merry Christmas to you and the team!', 'Can we talk on Monday', 'Budget opens in April for us']) {
      expect(names(text), text).toEqual([]);
    }
    expect(names('We talked to Quillon on Monday')).not.toEqual([]);
  });
});
