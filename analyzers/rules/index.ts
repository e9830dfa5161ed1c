/**
 * The rule engine: every rule of every file, bucketed once at load by language and role, and
 * `ruleHits`, which runs one bucket over one normalised message. Hits are raw (several per kind,
 * rule ids kept) so a classifier can use them as features; ../analyze.ts merges them.
 */
import type { AnalyzerInput } from '../../core/types.ts';
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
import type { Rule, RuleHit } from './types.ts';

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

const BUCKETS = {
  'zh:rep': RULES.filter((r) => r.lang === 'zh' && r.role !== 'customer'),
  'zh:customer': RULES.filter((r) => r.lang === 'zh' && r.role !== 'rep'),
  'en:rep': RULES.filter((r) => r.lang === 'en' && r.role !== 'customer'),
  'en:customer': RULES.filter((r) => r.lang === 'en' && r.role !== 'rep'),
} as const;

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

function runBucket(rules: readonly Rule[], text: string, competitor: boolean, hits: RuleHit[]): void {
  for (const rule of rules) {
    if (rule.needsCompetitor && !competitor) continue;
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
  const text = normalize(input.text);
  const hits: RuleHit[] = [];

  const competitor = matchCompetitor(text);
  if (competitor) {
    hits.push(
      competitor.name === undefined
        ? { id: 'competitor.generic', kind: 'competitor_mentioned', confidence: 0.75 }
        : { id: 'competitor.named', kind: 'competitor_mentioned', confidence: 0.9, competitor: competitor.name },
    );
  }

  runBucket(BUCKETS[`${lang}:${input.role}`], text, competitor !== null, hits);
  if (input.lang === undefined && lang === 'zh' && LATIN_PHRASE.test(text)) {
    runBucket(BUCKETS[`en:${input.role}`], text, competitor !== null, hits);
  }

  attachmentHits(input.role, input.attachments, text, hits);
  return hits;
}
