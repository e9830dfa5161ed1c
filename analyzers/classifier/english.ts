/**
 * English words for the classifier: natural's aggressive tokenizer and Porter stemmer, loaded
 * from their own files. `import 'natural'` would cost half a second and pull in storage
 * back-ends and dotenv (which reads ./.env and prints to stdout); these two files need neither.
 * They are CommonJS without type declarations, hence createRequire and the small types below.
 */
import { createRequire } from 'node:module';

interface NaturalTokenizer {
  tokenize(text: string): string[];
}
interface NaturalStemmer {
  stem(token: string): string;
}

const require = createRequire(import.meta.url);
const AggressiveTokenizer = require('natural/lib/natural/tokenizers/aggressive_tokenizer.js') as new () => NaturalTokenizer;
const PorterStemmer = require('natural/lib/natural/stemmers/porter_stemmer.js') as NaturalStemmer;

const tokenizer = new AggressiveTokenizer();

/** The words of lower-cased English text (letters, digits, ' - / inside a word). */
export function tokenizeEnglish(text: string): string[] {
  return tokenizer.tokenize(text);
}

// Porter runs a dozen regex replacements a word; chat reuses a small vocabulary, so a bounded
// cache turns nearly every call into one lookup. Cleared wholesale when full: simple and rare.
const STEM_CACHE_MAX = 50_000;
const stems = new Map<string, string>();

/** The Porter stem of a lower-cased word, cached. */
export function stemEnglish(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = PorterStemmer.stem(word);
    if (stems.size >= STEM_CACHE_MAX) stems.clear();
    stems.set(word, s);
  }
  return s;
}
