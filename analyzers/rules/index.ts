/**
 * The rule engine: every rule of every file, bucketed once at load by language and role, and
 * `ruleHits`, which runs one bucket over one normalised message. Hits are raw (several per kind,
 * rule ids kept) so a classifier can use them as features; ../analyze.ts merges them.
 */
import type { AnalyzerInput } from '../../core/types.ts';
import { messageLiterals } from '../prefilter/shared.ts';
import { detectLang, normalize } from '../text.ts';
import { attachmentHits } from './attachments.ts';
import { matchCompetitor } from './competitors.ts';
import { CUSTOMER_RULES } from './customer.ts';
import { OBJECTION_RULES_EN } from './objections-en.ts';
import { OBJECTION_RULES_ZH } from './objections-zh.ts';
import { OUTCOME_RULES } from './outcomes.ts';
import { QUOTE_RULES } from './quote.ts';
import { SCHEDULE_RULES } from './schedule.ts';
import { SENDING_RULES } from './sending.ts';
import type { Rule, RuleHit, RuleLang } from './types.ts';

export type { Rule, RuleAttrs, RuleHit, RuleLang, RuleRole } from './types.ts';
export { DEFAULT_COMPETITORS, CHAT_PLATFORMS, setCompetitors, matchCompetitor } from './competitors.ts';
export { findAmounts, pickAmount } from './amount.ts';

/** Every text rule. Competitor and attachment hits come from ./competitors.ts and ./attachments.ts. */
export const RULES: readonly Rule[] = [
  ...QUOTE_RULES,
  ...SENDING_RULES,
  ...SCHEDULE_RULES,
  ...OBJECTION_RULES_ZH,
  ...OBJECTION_RULES_EN,
  ...CUSTOMER_RULES,
  ...OUTCOME_RULES,
];

/** Ids of the hits that do not come from RULES, so a feature vocabulary can be listed up front. */
export const EXTRA_RULE_IDS: readonly string[] = [
  'competitor.named',
  'competitor.generic',
  'derived.competitor',
  'att.customer_po_or_signed',
  ...['contract', 'quote', 'proposal', 'material'].flatMap((k) => [`att.${k}`, `att.${k}.with_text`]),
];

// Rule ids are classifier feature names: a duplicate would silently merge two features.
{
  const seen = new Set<string>();
  for (const r of RULES) {
    if (seen.has(r.id)) throw new Error(`duplicate rule id ${r.id}`);
    seen.add(r.id);
  }
}

// Three English words in a row inside a Chinese message ("王总，attached is our quote"): run
// the English rules too. Mixed messages are common in B2B chat; the test is cheap.
const LATIN_PHRASE = /[a-z'][a-z']+ [a-z'][a-z']* [a-z'][a-z']+/;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * One pattern for a list of needles: any CJK needle is stood for by its first character (a
 * character class is the cheapest scan there is, and still a necessary condition), Latin needles
 * stay literal.
 */
function compileNeeds(needles: readonly string[]): RegExp {
  const chars = new Set<string>();
  const words: string[] = [];
  for (const n of needles) {
    if (/^[\u3400-\u9fff]/.test(n)) chars.add(n[0] as string);
    else words.push(escapeRe(n));
  }
  const parts = chars.size ? [`[${[...chars].join('')}]`, ...words] : words;
  return new RegExp(parts.join('|'));
}

const compiled = new Map<readonly string[], RegExp>();
/** A rule's prefilter as one RegExp (string lists compiled once, shared by identity). */
function needsPattern(needs: readonly string[] | RegExp): RegExp {
  if (needs instanceof RegExp) return needs;
  let re = compiled.get(needs);
  if (!re) {
    re = compileNeeds(needs);
    compiled.set(needs, re);
  }
  return re;
}

/** Each rule's prefilter as one pattern, built at load. */
const PREFILTER = new Map<Rule, RegExp>(RULES.filter((r) => r.needs).map((r) => [r, needsPattern(r.needs as readonly string[] | RegExp)]));

/** The compiled prefilter a rule runs behind (Rule.needs), for tests and profiling. */
export function rulePrefilter(rule: Rule): RegExp | undefined {
  return PREFILTER.get(rule);
}

/**
 * Every rule's required literals, derived from its pattern (../prefilter): one scan of a message
 * tells which rules can match it at all, and only those run.
 */
const LITERALS = messageLiterals(RULES.map((r) => r.re));

/** A rule with its compiled prefilter and its place in LITERALS, so the message loop does no lookups. */
interface Entry {
  rule: Rule;
  needs: RegExp | undefined;
  literal: number;
}

const bucket = (lang: RuleLang, not: AnalyzerInput['role']): Entry[] =>
  RULES.flatMap((rule, literal) => (rule.lang === lang && rule.role !== not ? [{ rule, needs: PREFILTER.get(rule), literal }] : []));

// Nested by language then role: a template-string key would build and hash a new string per message.
const BUCKETS: Record<RuleLang, Record<AnalyzerInput['role'], readonly Entry[]>> = {
  zh: { rep: bucket('zh', 'customer'), customer: bucket('zh', 'rep') },
  en: { rep: bucket('en', 'customer'), customer: bucket('en', 'rep') },
};

function runBucket(entries: readonly Entry[], text: string, competitor: boolean, hits: RuleHit[]): void {
  // Rules of one document kind are adjacent and share one prefilter: test it once a message.
  let lastNeeds: RegExp | undefined;
  let lastHas = false;
  for (const { rule, needs, literal } of entries) {
    if ((rule.needsCompetitor && !competitor) || !LITERALS.candidate(literal)) continue;
    if (needs) {
      if (needs !== lastNeeds) {
        lastNeeds = needs;
        lastHas = needs.test(text);
      }
      if (!lastHas) continue;
    }
    const m = rule.re.exec(text);
    if (m === null) continue;
    if (rule.not?.test(text)) continue;
    const attrs = rule.attrs ? rule.attrs(m, text) : {};
    if (attrs === null) continue;
    const hit: RuleHit = { id: rule.id, kind: rule.kind, confidence: rule.confidence, ...attrs };
    if (rule.objection) hit.objection = rule.objection;
    if (rule.materialType) hit.materialType = rule.materialType;
    hits.push(hit);
    if (rule.impliesCompetitor && !competitor) {
      hits.push({ id: 'derived.competitor', kind: 'competitor_mentioned', confidence: rule.confidence * 0.9 });
    }
  }
}

/**
 * Every rule that fires on a message, in rule order: competitor hits first, then text rules,
 * then attachment hits. Several hits may share a kind; attributes ride on the hit that found them.
 * Without `input.lang`, any CJK ideograph makes the message Chinese.
 */
export function ruleHits(input: AnalyzerInput): RuleHit[] {
  const lang = input.lang ?? detectLang(input.text);
  const hits: RuleHit[] = [];
  ruleHitsOn(normalize(input.text), lang, input.role, input.attachments, input.lang === undefined, hits);
  return hits;
}

/**
 * `ruleHits` on text the caller has already normalised (../text.ts), appending to `hits`: the
 * classifier normalises once and shares the result. `guessedLang` says the language was
 * detected rather than given, which lets a Chinese message with an English phrase run both.
 */
export function ruleHitsOn(
  text: string,
  lang: RuleLang,
  role: AnalyzerInput['role'],
  attachments: AnalyzerInput['attachments'],
  guessedLang: boolean,
  hits: RuleHit[],
): void {
  const competitor = matchCompetitor(text);
  if (competitor) {
    hits.push(
      competitor.name === undefined
        ? { id: 'competitor.generic', kind: 'competitor_mentioned', confidence: 0.75 }
        : { id: 'competitor.named', kind: 'competitor_mentioned', confidence: 0.9, competitor: competitor.name },
    );
  }

  LITERALS.scan(text);
  runBucket(BUCKETS[lang][role], text, competitor !== null, hits);
  if (guessedLang && lang === 'zh' && LATIN_PHRASE.test(text)) {
    runBucket(BUCKETS.en[role], text, competitor !== null, hits);
  }

  attachmentHits(role, attachments, text, hits);
}
