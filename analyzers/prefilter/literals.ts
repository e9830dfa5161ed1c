/**
 * Required literals of a pattern: a set of strings at least one of which is in every text the
 * pattern matches (what RE2's FilteredRE2 calls atoms), derived from the pattern's syntax tree,
 * so a message holding none of them cannot match and the pattern need not run. Sound by
 * construction: where the tree does not say (a wide class, an optional part, a backreference, a
 * flag that changes case), the answer is null, "nothing required", never a guess.
 *
 * How: a character requires itself; a small class, any of its characters; a group, anything one
 * of its alternatives requires (null if one alternative requires nothing); a repeat at least once, what
 * its element requires; zero-width assertions and optional parts nothing. In a sequence, parts
 * that match a few exact strings are joined into longer strings (「(?:数据|信息)安全」 → 数据安全,
 * 信息安全), and of everything the sequence requires the rarest set is kept.
 */
import { createRequire } from 'node:module';
import type { Alternative, CharacterClass, Element } from '@eslint-community/regexpp/ast';

/** Strings of which a match holds at least one; null when the pattern requires none. */
export type Required = readonly string[] | null;

type Parser = typeof import('@eslint-community/regexpp');
let parser: Parser | null = null;
/** The parser is loaded on first use: a process normally reads the derived file (./derived.ts) instead. */
function parse(re: RegExp): ReturnType<Parser['parseRegExpLiteral']> {
  parser ??= createRequire(import.meta.url)('@eslint-community/regexpp') as Parser;
  return parser.parseRegExpLiteral(re);
}

/** A class of at most this many characters is spelled out as single-character literals. */
const MAX_CLASS = 16;
/** Joined exact strings stop growing past this many combinations. */
const MAX_EXACT = 64;

/** What one part of a pattern says about the text it matches. */
interface Facts {
  /** Every string it can match, when they are few; null otherwise. */
  exact: string[] | null;
  /** What any match of it holds (see Required). */
  required: Required;
}

const NOTHING: Facts = { exact: null, required: null };
const EMPTY: Facts = { exact: [''], required: null };

/** The required literals of `re`; null when none can be derived (then the pattern always runs). */
export function requiredLiterals(re: RegExp): Required {
  // Case folding would make a literal stand for several spellings: not derived.
  if (re.flags.includes('i')) return null;
  return group(parse(re).pattern.alternatives).required;
}

/** A group: its alternatives' exact strings if few, and the union of what they require. */
function group(alternatives: readonly Alternative[]): Facts {
  const facts = alternatives.map((a) => sequence(a.elements));
  let exact: string[] | null = [];
  for (const f of facts) {
    if (f.exact === null || exact === null || exact.length + f.exact.length > MAX_EXACT) exact = null;
    else exact.push(...f.exact);
  }
  const required = new Set<string>();
  for (const f of facts) {
    if (f.required === null) return { exact, required: exact && !exact.includes('') ? exact : null };
    for (const a of f.required) required.add(a);
  }
  return { exact, required: [...required] };
}

function sequence(elements: readonly Element[]): Facts {
  const candidates: (readonly string[])[] = [];
  // The exact parts of the run being joined, and how many combinations they make.
  let run: string[][] = [];
  let combinations = 1;
  const endRun = (): void => {
    if (run.length > 1) candidates.push(product(run));
    run = [];
    combinations = 1;
  };
  let whole: string[][] | null = [];
  let wholeCombinations = 1;
  for (const el of elements) {
    // Zero-width: it neither breaks a run (the characters around it are adjacent in the match) nor adds.
    if (el.type === 'Assertion') continue;
    const f = element(el);
    if (whole !== null && f.exact !== null && wholeCombinations * f.exact.length <= MAX_EXACT) {
      whole.push(f.exact);
      wholeCombinations *= f.exact.length;
    } else whole = null;
    if (f.exact !== null) {
      if (combinations * f.exact.length > MAX_EXACT) endRun();
      run.push(f.exact);
      combinations *= f.exact.length;
    } else endRun();
    if (f.required !== null) candidates.push(f.required);
  }
  endRun();
  return { exact: whole === null ? null : product(whole), required: rarest(candidates) };
}

/** Every concatenation of one string of each part, in order. */
function product(parts: readonly string[][]): string[] {
  let out = [''];
  for (const part of parts) {
    if (part.length === 1) {
      const tail = part[0] as string;
      for (let i = 0; i < out.length; i++) out[i] += tail;
      continue;
    }
    const next: string[] = [];
    for (const x of out) for (const y of part) next.push(x + y);
    out = next;
  }
  return out;
}

function element(el: Exclude<Element, { type: 'Assertion' }>): Facts {
  switch (el.type) {
    case 'Character': {
      const c = String.fromCodePoint(el.value);
      return { exact: [c], required: [c] };
    }
    case 'CharacterClass':
      return characterClass(el);
    case 'CharacterSet':
      if (el.kind === 'digit' && !el.negate) return chars(range(0x30, 0x39));
      return NOTHING;
    case 'Group':
    case 'CapturingGroup':
      return group(el.alternatives);
    case 'Quantifier': {
      if (el.min === 0) return el.max === 0 ? EMPTY : NOTHING;
      if (el.element.type === 'Assertion') return NOTHING;
      const inner = element(el.element);
      // Exactly once more is still exact; a longer repeat still holds what its element requires.
      if (el.min === 1 && el.max === 1) return inner;
      return { exact: null, required: inner.required ?? (inner.exact && !inner.exact.includes('') ? inner.exact : null) };
    }
    default:
      // Backreferences, class expressions of the v flag: nothing derived.
      return NOTHING;
  }
}

function characterClass(el: CharacterClass): Facts {
  if (el.negate || el.unicodeSets) return NOTHING;
  const out: string[] = [];
  for (const e of el.elements) {
    if (e.type === 'Character') out.push(String.fromCodePoint(e.value));
    else if (e.type === 'CharacterClassRange') {
      if (e.max.value - e.min.value >= MAX_CLASS) return NOTHING;
      out.push(...range(e.min.value, e.max.value));
    } else if (e.type === 'CharacterSet' && e.kind === 'digit' && !e.negate) out.push(...range(0x30, 0x39));
    else return NOTHING;
    if (out.length > MAX_CLASS) return NOTHING;
  }
  return chars([...new Set(out)]);
}

function chars(cs: string[]): Facts {
  return { exact: cs, required: cs };
}

function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let c = from; c <= to; c++) out.push(String.fromCodePoint(c));
  return out;
}

/**
 * How likely a text is to hold a string, roughly: the product of its characters' odds (an ideograph
 * is rare in any one message, a Latin letter or a space common). Only ranks candidate sets.
 */
function odds(s: string): number {
  let p = 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    p *= c >= 0x3400 ? 0.03 : c >= 0x61 && c <= 0x7a ? 0.4 : c >= 0x30 && c <= 0x39 ? 0.15 : c === 0x20 ? 0.9 : 0.2;
  }
  return p;
}

/** Of several sets a sequence requires (any one suffices), the one least likely to be in a text. */
function rarest(candidates: readonly (readonly string[])[]): Required {
  let best: readonly string[] | null = null;
  let bestOdds = Infinity;
  for (const c of candidates) {
    if (c.length === 0 || c.includes('')) continue;
    let sum = 0;
    for (const s of c) sum += odds(s);
    if (sum < bestOdds) {
      best = c;
      bestOdds = sum;
    }
  }
  return best;
}
