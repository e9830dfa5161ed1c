/**
 * The words of a message as features. Chinese: character 1–3-grams; English: natural's tokenizer
 * and Porter stems (./english.ts), stem bigrams; both: word families (./lexicons.ts). Latin words
 * inside Chinese text are stemmed like English ones, so "demo", "po" and "roi" mean the same in
 * either language.
 */
import type { FeatureBuffer } from './buffer.ts';
import { stemEnglish, tokenizeEnglish } from './english.ts';
import { finish, hashString, namespace, step } from './hash.ts';
import { COMMON_WORDS } from './common-words.ts';
import { EN_LEXICON, ZH_LEXICON } from './lexicons.ts';

const NS = {
  famPair: namespace('fam2'),
  name: namespace('name'),
  opener: namespace('oname'),
  openerNext: namespace('oname>'),
  namePrev: namespace('name<'),
  nameNext: namespace('name>'),
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
// The start of an English message, paired with its first stem ("Fair.", "Understood,", "Yes,"):
// how a rep opens tells an answer to a concern from a plain answer.
const U_START = 0x25e;

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

// Chinese word families found without a segmenter: keyed by the character n-gram hash of the word.
const ZH_LEX_BY_GRAM = new Map<number, readonly number[]>();
const ZH_LEX_LAST = new Uint8Array(0x10000);
for (const [w, fams] of ZH_LEXICON) {
  let h = 0;
  if (w.length === 1) h = finish(step(NS.c1, w.charCodeAt(0)));
  else if (w.length === 2) h = finish(step(step(NS.c2, w.charCodeAt(0)), w.charCodeAt(1)));
  else if (w.length === 3) h = finish(step(step(step(NS.c3, w.charCodeAt(0)), w.charCodeAt(1)), w.charCodeAt(2)));
  else throw new Error(`Chinese lexicon word ${w}: at most 3 characters (families are found by n-gram)`);
  ZH_LEX_BY_GRAM.set(h, fams);
  ZH_LEX_LAST[w.charCodeAt(w.length - 1)] = 1;
}

function pushFamilies(fams: readonly number[] | undefined, buf: FeatureBuffer, salt: number): void {
  if (!fams) return;
  for (const f of fams) {
    buf.pushBoth(f, salt);
    buf.addFamily(f);
  }
}

/** Latin words and numbers inside Chinese text, as English stems and number shapes. */
function latinRun(text: string, from: number, to: number, buf: FeatureBuffer, salt: number): void {
  const info = wordInfo(text.slice(from, to));
  buf.pushBoth(info.hash, salt);
  pushFamilies(info.families, buf, salt);
}

/**
 * Chinese: character 1–3-grams over the unit stream of normalised text plus the bigram into the
 * end; bigrams also crossed with the speaker's role (the same words mean different actions from a
 * rep and from a customer); the word families of ./lexicons.ts found by n-gram; Latin words and
 * numbers inside the text as English stems and number shapes. No word segmenter: cross-validated,
 * `Intl.Segmenter` words added nothing over these n-grams (macro-F1 0.926 with, 0.927 without)
 * and cost more than half of the analyzer's time on a Chinese message.
 */
export function chineseFeatures(text: string, buf: FeatureBuffer, salt: number): void {
  let p1 = 0;
  let p2 = 0;
  let inDigits = false;
  let inLatin = false;
  let runStart = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const alnum = isLatin(c) || isDigit(c);
    if (alnum) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0 && !((c === 0x2e || c === 0x2c) && inDigits && i + 1 < n && isDigit(text.charCodeAt(i + 1)))) {
      latinRun(text, runStart, i, buf, salt);
      runStart = -1;
    }
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
      inDigits = false;
      inLatin = false;
      continue;
    }
    inDigits = u === U_DIGIT;
    inLatin = u === U_LATIN;
    const h1 = finish(step(NS.c1, u));
    buf.push(h1);
    const lex = u < 0x10000 && ZH_LEX_LAST[u] === 1;
    if (lex) pushFamilies(ZH_LEX_BY_GRAM.get(h1), buf, salt);
    if (p1 !== 0) {
      const h2 = finish(step(step(NS.c2, p1), u));
      buf.pushBoth(h2, salt);
      if (lex) pushFamilies(ZH_LEX_BY_GRAM.get(h2), buf, salt);
    }
    if (p2 !== 0) {
      const h3 = finish(step(step(step(NS.c3, p2), p1), u));
      buf.push(h3);
      if (lex) pushFamilies(ZH_LEX_BY_GRAM.get(h3), buf, salt);
    }
    p2 = p1;
    p1 = u;
  }
  if (runStart >= 0) latinRun(text, runStart, n, buf, salt);
  if (p1 !== 0) buf.push(finish(step(step(NS.c2, p1), U_END)));
}

/** Stems and stem bigrams (plain and role-crossed, the first one with the message start), and word families. */
export function englishFeatures(text: string, buf: FeatureBuffer, salt: number): void {
  const tokens = tokenizeEnglish(text);
  let prev = U_START;
  for (const t of tokens) {
    const w = wordInfo(t);
    buf.pushBoth(w.hash, salt);
    pushFamilies(w.families, buf, salt);
    if (prev !== 0) buf.pushBoth(finish(step(step(NS.stemPair, prev), w.hash)), salt);
    prev = w.hash;
  }
  if (prev !== U_START) buf.pushBoth(finish(step(step(NS.stemPair, prev), U_END)), salt);
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}
function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || isUpper(c) || (c >= 0x30 && c <= 0x39) || c === 0x27 || c === 0x26 || c === 0x2d;
}

/** Capitalised words that name a time (and the greeting of one), never a company or a person. */
const CALENDAR_WORDS: ReadonlySet<string> = new Set(
  (
    'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august ' +
    'september october november december christmas xmas easter thanksgiving halloween diwali deepavali ramadan eid ' +
    'hanukkah vesak merry'
  ).split(' '),
);

/**
 * Names in English text, read from the original casing: a capitalised word that does not start a
 * sentence (not "I", not an acronym or code such as PO, CFO or W-8BEN) is probably a name, of a
 * person or of a company. The words around it tell which ("quoted us", "went with", "Hi …"),
 * so a vendor the competitor list has never heard of still leaves a trace: a name flag and
 * the stems just before and just after the name (a run of capitalised words is one name).
 */
export function englishNameFeatures(raw: string, buf: FeatureBuffer, salt: number): void {
  const n = raw.length;
  let sentenceStart = true;
  // The span of the last word that was not part of a name: stemmed only when a name follows it.
  let prevFrom = -1;
  let prevTo = -1;
  let inName = false;
  let any = false;
  let i = 0;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (!isWordChar(c) || c === 0x27 || c === 0x2d) {
      if (c === 0x2e || c === 0x21 || c === 0x3f || c === 0x0a || c === 0x3a || c === 0x3e) sentenceStart = true;
      i++;
      continue;
    }
    let j = i + 1;
    let lower = false;
    while (j < n && isWordChar(raw.charCodeAt(j))) {
      const d = raw.charCodeAt(j);
      if (d >= 0x61 && d <= 0x7a) lower = true;
      j++;
    }
    // A capital followed by lower-case letters: digits and hyphens do not make a code such as
    // W-8BEN, W-9 or ISO-9001 a name (it was one before, and a tax form read as a vendor); nor
    // is a day, a month or a holiday ("Merry Christmas to the team" read as a rival).
    const word = isUpper(c) && lower ? raw.slice(i, j).toLowerCase() : '';
    const capitalised = word !== '' && !CALENDAR_WORDS.has(word);
    // A sentence opener the training lines never use in lower case ("Quillon came in under
    // you", not "Price is too high"): a name of its own kind, with the word after it.
    if (capitalised && sentenceStart && !inName && !COMMON_WORDS.has(word)) {
      let k = j;
      while (k < n && !isWordChar(raw.charCodeAt(k)) && raw.charCodeAt(k) === 0x20) k++;
      let e = k;
      while (e < n && isWordChar(raw.charCodeAt(e))) e++;
      buf.pushBoth(NS.opener, salt);
      buf.pushBoth(finish(step(NS.openerNext, e > k ? wordInfo(raw.slice(k, e).toLowerCase()).hash : U_END)), salt);
    }
    if (capitalised && !sentenceStart) {
      if (!inName) {
        any = true;
        const prevStem = prevFrom < 0 ? 0 : wordInfo(raw.slice(prevFrom, prevTo).toLowerCase()).hash;
        buf.pushBoth(finish(step(NS.namePrev, prevStem)), salt);
      }
      inName = true;
    } else {
      if (inName) buf.pushBoth(finish(step(NS.nameNext, wordInfo(raw.slice(i, j).toLowerCase()).hash)), salt);
      inName = false;
      prevFrom = i;
      prevTo = j;
    }
    sentenceStart = false;
    i = j;
  }
  if (inName) buf.pushBoth(finish(step(NS.nameNext, U_END)), salt);
  if (any) buf.pushBoth(NS.name, salt);
}

/** At most this many families of a message form pairs (bounds the pair features to 66). */
const MAX_PAIRED_FAMILIES = 12;

/**
 * Pairs of word families present together (a sending word and a contract word, a yes and a
 * deadline, a money word and a rival word), plain and role-crossed: conjunctions a linear model
 * cannot form from the families alone, and which carry over to phrasings it has not seen.
 */
export function familyPairFeatures(buf: FeatureBuffer, salt: number): void {
  const fams = buf.families;
  const n = Math.min(fams.length, MAX_PAIRED_FAMILIES);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = fams[i] as number;
      const b = fams[j] as number;
      buf.pushBoth(finish(step(step(NS.famPair, Math.min(a, b)), Math.max(a, b))), salt);
    }
  }
}
