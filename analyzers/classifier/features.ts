/**
 * What the classifier sees of one message, as hashed features (./hash.ts) written into a reused
 * buffer: character 1–3-grams for Chinese, Porter stems and stem bigrams for English (./words.ts),
 * attachment-name pieces, the rule hits of ../rules, and a few flags (role, language, question
 * mark, currency, length), word families (./lexicons.ts), for English day/time/deadline flags
 * and for Chinese the vendor-name shapes of ./names.ts. Words, Chinese bigrams, families and
 * flags are emitted twice, plain and crossed with the speaker's role, because the same words
 * mean different actions from a rep and from a customer; other character n-grams once.
 *
 * The text is normalised once; the rules run on that same string.
 */
import type { AnalyzerInput, AnalyzerRole } from '../../core/types.ts';
import { EN_DAY, EN_DEADLINE, EN_TIME } from '../rules/patterns.ts';
import { messageLiterals } from '../prefilter/shared.ts';
import { ruleHitsOn } from '../rules/index.ts';
import { hasCjk, normalize } from '../text.ts';
import type { FeatureBuffer } from './buffer.ts';
import { finish, hashString, namespace, step, stepString } from './hash.ts';
import { chineseNameSlots } from './names.ts';
import { chineseFeatures, englishFeatures, englishNameFeatures, familyPairFeatures, isCjk, isLatin, wordInfo } from './words.ts';

export { FeatureBuffer } from './buffer.ts';

const NS = {
  att: namespace('a'),
  attExt: namespace('ax'),
  rule: namespace('r'),
  ruleKind: namespace('rk'),
  flag: namespace('f'),
};
const ROLE_SALT: Record<AnalyzerRole, number> = { rep: namespace('role:rep'), customer: namespace('role:customer') };

const flag = (name: string): number => hashString(NS.flag, name);
const FLAG = {
  bias: flag('bias'),
  zh: flag('lang:zh'),
  en: flag('lang:en'),
  question: flag('?'),
  endsQuestion: flag('?$'),
  currency: flag('currency'),
  percent: flag('%'),
  url: flag('url'),
  attachment: flag('attachment'),
  len: [flag('len:0'), flag('len:1'), flag('len:2'), flag('len:3'), flag('len:4')],
  day: flag('day'),
  time: flag('time'),
  deadline: flag('deadline'),
};
const zhNameFlags = new Map<string, number>();
/** The flag of a Chinese vendor-name shape (./names.ts). */
function zhNameFlag(slot: string): number {
  let h = zhNameFlags.get(slot);
  if (h === undefined) {
    h = flag(`zh-name:${slot}`);
    zhNameFlags.set(slot, h);
  }
  return h;
}
const EN_DAY_RE = new RegExp(EN_DAY);
const EN_TIME_RE = new RegExp(EN_TIME);
const EN_DEADLINE_RE = new RegExp(EN_DEADLINE);
const CURRENCY_RE = /[$¥€£]|rmb|usd|元|万/;
/** The flags' patterns in the message's one literal scan (../prefilter), so most do not run. */
const LITERALS = messageLiterals([CURRENCY_RE, EN_DAY_RE, EN_TIME_RE, EN_DEADLINE_RE]);
const has = (i: number, re: RegExp, text: string): boolean => LITERALS.candidate(i) && re.test(text);

function attachmentFeatures(attachments: readonly { name: string }[], buf: FeatureBuffer, salt: number): void {
  buf.pushBoth(FLAG.attachment, salt);
  for (const a of attachments) {
    const name = a.name.toLowerCase();
    const dot = name.lastIndexOf('.');
    if (dot > 0 && name.length - dot <= 5) buf.push(finish(stepString(NS.attExt, name, dot + 1)));
    const stem = dot > 0 ? name.slice(0, dot) : name;
    // Latin pieces by stem (Quote_v2 → quot), CJK by bigram (报价单 → 报价, 价单).
    let start = -1;
    let prev = 0;
    for (let i = 0; i <= stem.length; i++) {
      const c = i < stem.length ? stem.charCodeAt(i) : 0;
      if (i < stem.length && isLatin(c)) {
        if (start < 0) start = i;
        continue;
      }
      if (start >= 0) {
        buf.push(finish(step(NS.att, wordInfo(stem.slice(start, i)).hash)));
        start = -1;
      }
      if (isCjk(c)) {
        if (prev !== 0) buf.push(finish(step(step(NS.att, prev), c)));
        prev = c;
      } else prev = 0;
    }
  }
}

const ruleIdHashes = new Map<string, number>();
const ruleKindHashes = new Map<string, number>();
function cachedHash(cache: Map<string, number>, ns: number, key: string): number {
  let h = cache.get(key);
  if (h === undefined) {
    h = hashString(ns, key);
    cache.set(key, h);
  }
  return h;
}

/**
 * The bounded window a message is analysed on. Chat messages are short; a longer one is a pasted
 * document, log or forwarded thread, whose actions sit in the note around it: the first
 * HEAD_CHARS and the last TAIL_CHARS are read, the middle skipped. This bounds the time and the
 * features of any message (the rules' patterns and the tokenizer then never see more than
 * HEAD_CHARS + TAIL_CHARS characters), whatever its size.
 */
export const HEAD_CHARS = 4_000;
export const TAIL_CHARS = 1_000;
/** At most this many attachments, and this many characters of each name, are read. */
export const MAX_ATTACHMENTS = 20;
export const MAX_ATTACHMENT_NAME = 200;

/** The part of `text` that is analysed: all of it up to HEAD_CHARS + TAIL_CHARS characters, else head and tail. */
export function analysedWindow(text: string): string {
  if (text.length <= HEAD_CHARS + TAIL_CHARS) return text;
  // Cut between UTF-16 units that do not split a surrogate pair.
  let head = HEAD_CHARS;
  if (isHighSurrogate(text.charCodeAt(head - 1))) head--;
  let tail = text.length - TAIL_CHARS;
  if (isHighSurrogate(text.charCodeAt(tail - 1))) tail++;
  return `${text.slice(0, head)}\n${text.slice(tail)}`;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function boundedAttachments(attachments: readonly { name: string }[] | undefined): { name: string }[] | undefined {
  if (!attachments || attachments.length === 0) return undefined;
  const out: { name: string }[] = [];
  for (const a of attachments.slice(0, MAX_ATTACHMENTS)) {
    out.push(a.name.length > MAX_ATTACHMENT_NAME ? { name: a.name.slice(0, MAX_ATTACHMENT_NAME) } : a);
  }
  return out;
}

function lengthBucket(n: number): number {
  return n === 0 ? 0 : n <= 6 ? 1 : n <= 16 ? 2 : n <= 40 ? 3 : 4;
}

/**
 * Fills `buf` with the features of one message (its analysed window, see `analysedWindow`). The language the rules run in is `input.lang`
 * when given, else Chinese as soon as the text holds one ideograph; the words are Chinese
 * (n-grams) whenever the text holds an ideograph, whatever `input.lang` says.
 */
export function extractFeatures(input: AnalyzerInput, buf: FeatureBuffer): void {
  buf.reset();
  const raw = analysedWindow(input.text);
  const text = normalize(raw);
  const attachments = boundedAttachments(input.attachments);
  const cjk = hasCjk(text);
  const lang = input.lang ?? (cjk ? 'zh' : 'en');
  const salt = ROLE_SALT[input.role];
  buf.text = text;
  buf.lang = lang;

  if (cjk) {
    chineseFeatures(text, buf, salt);
    for (const slot of chineseNameSlots(text)) buf.pushBoth(zhNameFlag(slot), salt);
  } else {
    englishFeatures(text, buf, salt);
    englishNameFeatures(raw, buf, salt);
  }
  familyPairFeatures(buf, salt);
  buf.textEnd = buf.count;

  buf.pushBoth(FLAG.bias, salt);
  buf.pushBoth(lang === 'zh' ? FLAG.zh : FLAG.en, salt);
  buf.pushBoth(FLAG.len[lengthBucket(text.length)] ?? 0, salt);
  const q = text.indexOf('?');
  if (q >= 0) {
    buf.pushBoth(FLAG.question, salt);
    if (/\?\s*$/.test(text)) buf.pushBoth(FLAG.endsQuestion, salt);
  }
  LITERALS.scan(text);
  if (has(0, CURRENCY_RE, text)) buf.pushBoth(FLAG.currency, salt);
  if (text.includes('%') || text.includes('折')) buf.pushBoth(FLAG.percent, salt);
  if (text.includes('http')) buf.pushBoth(FLAG.url, salt);
  // Days, times and deadlines, for English only: cross-validation showed them helping English
  // meetings and next steps, while Chinese gets the same from its character n-grams.
  if (!cjk) {
    if (has(1, EN_DAY_RE, text)) buf.pushBoth(FLAG.day, salt);
    if (has(2, EN_TIME_RE, text)) buf.pushBoth(FLAG.time, salt);
    if (has(3, EN_DEADLINE_RE, text)) buf.pushBoth(FLAG.deadline, salt);
  }
  if (attachments) attachmentFeatures(attachments, buf, salt);

  ruleHitsOn(text, lang, input.role, attachments, input.lang === undefined, buf.hits);
  for (const hit of buf.hits) {
    buf.push(cachedHash(ruleIdHashes, NS.rule, hit.id));
    buf.pushBoth(cachedHash(ruleKindHashes, NS.ruleKind, hit.kind), salt);
  }
}
