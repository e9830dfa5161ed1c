/**
 * The words of a message as features. Chinese: the words of one shared `Intl.Segmenter` and
 * character 1–3-grams; English: natural's tokenizer and Porter stems (./english.ts), stem
 * bigrams; both: word families (./lexicons.ts). Latin words inside Chinese text are stemmed like
 * English ones, so "demo", "po" and "roi" mean the same in either language.
 */
import type { FeatureBuffer } from './buffer.ts';
import { stemEnglish, tokenizeEnglish } from './english.ts';
import { finish, hashString, namespace, step } from './hash.ts';
import { EN_LEXICON, ZH_LEXICON } from './lexicons.ts';

const NS = {
  word: namespace('w'),
  stem: namespace('s'),
  stemPair: namespace('sb'),
  c1: namespace('c1'),
  c2: namespace('c2'),
  c3: namespace('c3'),
};

// Units of the character n-gram stream. Digit runs (12.8, 35,000) become one '0' and Latin
// words one 'a', so "12.8万" and "9.9万" share n-grams and an English word inside Chinese
// leaves a trace without flooding the stream (the word itself is a feature of its own).
const U_DIGIT = 0x30;
const U_LATIN = 0x61;
const U_BREAK = 0x2c;
const U_QUESTION = 0x3f;
const U_CURRENCY = 0x24;
const U_PERCENT = 0x25;
const U_END = 0x24f;

/** One shared segmenter: constructing one costs far more than segmenting a message. */
const SEGMENTER = new Intl.Segmenter('zh', { granularity: 'word' });

/** A CJK ideograph (what makes text Chinese and what n-grams are made of). */
export function isCjk(c: number): boolean {
  return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
/** A lower-case Latin letter (text is normalised). */
export function isLatin(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

/** A Latin word's feature hash and its word families. */
export interface WordInfo {
  hash: number;
  families: readonly number[] | undefined;
}

// One lookup a Latin word: its feature hash (by stem, or by shape for numbers) and its word
// families. Bounded like the stem cache and cleared wholesale when full.
const WORD_CACHE_MAX = 50_000;
const words = new Map<string, WordInfo>();

/** A Latin word's feature: numbers by shape ("3pm" → "0pm"), anything else by its Porter stem. */
export function wordInfo(word: string): WordInfo {
  let info = words.get(word);
  if (info !== undefined) return info;
  let digits = false;
  for (let i = 0; i < word.length; i++) {
    if (isDigit(word.charCodeAt(i))) {
      digits = true;
      break;
    }
  }
  if (digits) {
    let h = NS.stem;
    let inRun = false;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (isDigit(c)) {
        if (!inRun) h = step(h, U_DIGIT);
        inRun = true;
      } else {
        h = step(h, c);
        inRun = false;
      }
    }
    info = { hash: finish(h), families: undefined };
  } else {
    const stem = stemEnglish(word);
    info = { hash: hashString(NS.stem, stem), families: EN_LEXICON.get(stem) };
  }
  if (words.size >= WORD_CACHE_MAX) words.clear();
  words.set(word, info);
  return info;
}

/**
 * Character 1–3-grams over the unit stream of normalised text, plus the bigram into the end.
 * Not crossed with the role: that would cost a third more features a Chinese message, and time,
 * for +0.003 cross-validated macro-F1 (the words, which are crossed, carry the role well enough).
 */
function charNgrams(text: string, buf: FeatureBuffer): void {
  let p1 = 0;
  let p2 = 0;
  let inDigits = false;
  let inLatin = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let u: number;
    if (isCjk(c)) u = c;
    else if (isDigit(c)) {
      if (inDigits) continue;
      u = U_DIGIT;
    } else if ((c === 0x2e || c === 0x2c) && inDigits && i + 1 < n && isDigit(text.charCodeAt(i + 1))) continue;
    else if (isLatin(c)) {
      if (inLatin) continue;
      u = U_LATIN;
    } else if (c === 0x3f) u = U_QUESTION;
    else if (c === 0x2c || c === 0x2e || c === 0x21 || c === 0x3b || c === 0x3a || c === 0x3002 || c === 0x3001 || c === 0x7e || c === 0x0a) u = U_BREAK;
    else if (c === 0x24 || c === 0xa5 || c === 0x20ac || c === 0xa3) u = U_CURRENCY;
    else if (c === 0x25) u = U_PERCENT;
    else {
      // Spaces, emoji and other symbols leave no unit but end a number or a Latin word.
      inDigits = false;
      inLatin = false;
      continue;
    }
    inDigits = u === U_DIGIT;
    inLatin = u === U_LATIN;
    buf.push(finish(step(NS.c1, u)));
    if (p1 !== 0) buf.push(finish(step(step(NS.c2, p1), u)));
    if (p2 !== 0) buf.push(finish(step(step(step(NS.c3, p2), p1), u)));
    p2 = p1;
    p1 = u;
  }
  if (p1 !== 0) buf.push(finish(step(step(NS.c2, p1), U_END)));
}

/** Segmenter words (plain and role-crossed), their families, then character n-grams. */
export function chineseFeatures(text: string, buf: FeatureBuffer, salt: number): void {
  for (const seg of SEGMENTER.segment(text)) {
    if (!seg.isWordLike) continue;
    const w = seg.segment;
    const c = w.charCodeAt(0);
    // Latin words inside Chinese share the English stems: "demo", "po", "roi" mean the same.
    if (isLatin(c) || isDigit(c)) {
      const info = wordInfo(w);
      buf.pushBoth(info.hash, salt);
      if (info.families) for (const f of info.families) buf.pushBoth(f, salt);
    } else {
      buf.pushBoth(hashString(NS.word, w), salt);
      const fam = ZH_LEXICON.get(w);
      if (fam) for (const f of fam) buf.pushBoth(f, salt);
    }
  }
  charNgrams(text, buf);
}

/** Stems and stem bigrams (plain and role-crossed), and word families. */
export function englishFeatures(text: string, buf: FeatureBuffer, salt: number): void {
  const tokens = tokenizeEnglish(text);
  let prev = 0;
  for (const t of tokens) {
    const w = wordInfo(t);
    buf.pushBoth(w.hash, salt);
    if (w.families) for (const f of w.families) buf.pushBoth(f, salt);
    if (prev !== 0) buf.pushBoth(finish(step(step(NS.stemPair, prev), w.hash)), salt);
    prev = w.hash;
  }
  if (prev !== 0) buf.pushBoth(finish(step(step(NS.stemPair, prev), U_END)), salt);
}
