import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../analyzers/corpus/schema.ts';
import { RULES, rulePrefilter } from '../../analyzers/rules/index.ts';
import { normalize } from '../../analyzers/text.ts';

// `needs` is a speed-up only: wherever a rule's pattern matches, its needs must hold too, or the
// prefilter would silently drop hits. Checked on every training text plus a few edge cases.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const texts = [
  ...readCorpus(join(ROOT, 'analyzers/corpus/train.jsonl')).map((l) => normalize(l.text)),
  ...['这套三万五', '总价 12.8w', 'it comes to 3.5k a year', '明早九点过来', 'next tue 3pm works', '周五前反馈', 'the 12th at 2pm'].map(normalize),
];

function holds(needs: readonly string[] | RegExp, text: string): boolean {
  return needs instanceof RegExp ? needs.test(text) : needs.some((n) => text.includes(n));
}

describe('rule prefilters (Rule.needs)', () => {
  const withNeeds = RULES.filter((r) => r.needs !== undefined);

  it('are set on the costly rules', () => {
    expect(withNeeds.length).toBeGreaterThan(30);
  });

  it('never reject a text the rule pattern matches', () => {
    const broken: string[] = [];
    for (const rule of withNeeds) {
      for (const text of texts) {
        if (rule.re.exec(text) !== null && !holds(rule.needs as readonly string[] | RegExp, text)) broken.push(`${rule.id}: ${text}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('compile into the patterns the engine runs, which hold wherever the rule matches', () => {
    const broken: string[] = [];
    for (const rule of withNeeds) {
      const pre = rulePrefilter(rule);
      expect(pre, rule.id).toBeInstanceOf(RegExp);
      for (const text of texts) if (rule.re.exec(text) !== null && !pre?.test(text)) broken.push(`${rule.id}: ${text}`);
    }
    expect(broken).toEqual([]);
  });
});
