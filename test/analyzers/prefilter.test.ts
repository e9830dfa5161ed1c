import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../analyzers/corpus/schema.ts';
import '../../analyzers/index.ts';
import { LITERALS_FILE, type LiteralsFile, literalsOf, patternKey } from '../../analyzers/prefilter/derived.ts';
import { LiteralIndex } from '../../analyzers/prefilter/literal-index.ts';
import { requiredLiterals } from '../../analyzers/prefilter/literals.ts';
import { LiteralRegistry, MESSAGE_LITERALS } from '../../analyzers/prefilter/shared.ts';
import { normalize } from '../../analyzers/text.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('requiredLiterals', () => {
  const lit = (re: RegExp): readonly string[] | null => requiredLiterals(re);

  it('takes a literal whole, and any one of several alternatives', () => {
    expect(lit(/报价单/)).toEqual(['报价单']);
    expect(lit(/quote|price list/)).toEqual(['quote', 'price list']);
  });

  it('joins the exact parts of a sequence into longer literals', () => {
    expect(lit(/(?:数据|信息)安全/)).toEqual(['数据安全', '信息安全']);
    expect(lit(/(?<doc>合同|协议)已发/)).toEqual(['合同已发', '协议已发']);
    expect(lit(/[一二三]折/)).toEqual(['一折', '二折', '三折']);
  });

  it('requires nothing of optional parts, and keeps what is left', () => {
    expect(lit(/installments?/)).toEqual(['installment']);
    expect(lit(/x?y/)).toEqual(['y']);
    expect(lit(/(?:abc)?/)).toBeNull();
    expect(lit(/a*/)).toBeNull();
    expect(lit(/(?:ab)+c?/)).toEqual(['ab']);
  });

  it('reads through assertions, which neither add nor break a literal', () => {
    expect(lit(/(?<!线)上线/)).toEqual(['上线']);
    expect(lit(/\bapi\b/)).toEqual(['api']);
    expect(lit(/对接(?!人)系统/)).toEqual(['对接系统']);
    expect(lit(/^(?:sorry,? )?not interested/)).toEqual(['not interested']);
  });

  it('spells out small classes and gives up on wide or negated ones', () => {
    expect(lit(/\d+/)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(lit(/[一二]x?/)).toEqual(['一', '二']);
    expect(lit(/[a-z]+/)).toBeNull();
    expect(lit(/[^,。]{1,4}/)).toBeNull();
    expect(lit(/\w+ing/)).toEqual(['ing']);
  });

  it('keeps the rarest of what a sequence requires', () => {
    // 「预算」 is rarer than one Latin letter and than a digit.
    expect(lit(/\d+[^,]{0,4}预算[a-z]/)).toEqual(['预算']);
  });

  it('requires nothing when one alternative requires nothing, or the case is folded', () => {
    expect(lit(/abc|\w+/)).toBeNull();
    expect(lit(/quote/i)).toBeNull();
  });

  it('treats a backreference as requiring nothing new', () => {
    expect(lit(/(ab)\1/)).toEqual(['ab']);
  });
});

describe('LiteralIndex', () => {
  const index = new LiteralIndex([['报价'], ['implementation', 'go live'], null, [], ['q', 'xyz']]);
  const candidates = (text: string): number[] => {
    index.scan(text);
    return [0, 1, 2, 3, 4].filter((p) => index.candidate(p));
  };

  it('marks the patterns whose literals are in the text, wherever they are', () => {
    expect(candidates('报价')).toEqual([0, 2]);
    expect(candidates('这是报价')).toEqual([0, 2]);
    expect(candidates('we go live in may')).toEqual([1, 2]);
    expect(candidates('q')).toEqual([2, 4]);
    expect(candidates('xxyz')).toEqual([2, 4]);
  });

  it('checks a literal longer than its key in full', () => {
    expect(candidates('implementatio')).toEqual([2]);
    expect(candidates('implementation!')).toEqual([1, 2]);
    expect(candidates('impl')).toEqual([2]);
  });

  it('always runs a pattern without literals and never one with an empty set', () => {
    expect(candidates('')).toEqual([2]);
  });

  it('forgets the previous text', () => {
    expect(candidates('报价')).toEqual([0, 2]);
    expect(candidates('价')).toEqual([2]);
  });

  it('agrees with a plain search on thousands of literals sharing hash slots', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return (seed >>> 8) % n;
    };
    const alphabet = 'abcde 报价合同';
    const word = (len: number): string => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
    const sets = Array.from({ length: 3_000 }, () => Array.from({ length: 1 + rnd(3) }, () => word(2 + rnd(6))));
    const big = new LiteralIndex(sets);
    const wrong: string[] = [];
    let found = 0;
    for (let t = 0; t < 300; t++) {
      const text = word(rnd(40));
      big.scan(text);
      sets.forEach((set, p) => {
        const expected = set.some((l) => text.includes(l));
        if (expected) found++;
        if (big.candidate(p) !== expected) wrong.push(`${JSON.stringify(text)} ${JSON.stringify(set)}`);
      });
    }
    expect(wrong).toEqual([]);
    expect(found).toBeGreaterThan(1_000);
  });
});

describe('LiteralRegistry', () => {
  it('numbers each view from 0 and scans a text once for all of them', () => {
    const registry = new LiteralRegistry();
    const rules = registry.view([/报价单/, /合同/]);
    const topics = registry.view([/合同条款/]);
    rules.scan('合同条款发您了');
    topics.scan('合同条款发您了');
    expect([rules.candidate(0), rules.candidate(1), topics.candidate(0)]).toEqual([false, true, true]);
    topics.scan('报价单');
    expect([rules.candidate(0), rules.candidate(1), topics.candidate(0)]).toEqual([true, false, false]);
  });

  it('takes a pattern registered after the first scan', () => {
    const registry = new LiteralRegistry();
    const first = registry.view([/alpha/]);
    first.scan('beta');
    const late = registry.view([/beta/]);
    late.scan('beta');
    expect([first.candidate(0), late.candidate(0)]).toEqual([false, true]);
  });
});

describe('the message path’s literals', () => {
  const patterns = MESSAGE_LITERALS.patterns;
  const texts = [...readCorpus(join(ROOT, 'analyzers/corpus/train.jsonl')), ...readCorpus(join(ROOT, 'analyzers/corpus/test.jsonl'))].map((l) =>
    normalize(l.text),
  );

  it('covers the rules, the topics and the flags', () => {
    expect(patterns.length).toBeGreaterThan(160);
  });

  it('are in every match of their pattern, over the corpus', () => {
    const broken: string[] = [];
    let exercised = 0;
    for (const re of patterns) {
      // Derived afresh (the file is checked against the same derivation below).
      const literals = requiredLiterals(re);
      if (literals === null) continue;
      let matched = false;
      for (const text of texts) {
        const m = re.exec(text);
        if (m === null) continue;
        matched = true;
        if (!literals.some((l) => m[0].includes(l))) broken.push(`${re.source.slice(0, 60)}: ${m[0]}`);
      }
      if (matched) exercised++;
    }
    expect(broken).toEqual([]);
    // The check has teeth only where a pattern fires: nearly all of them do on the corpus.
    expect(exercised).toBeGreaterThan(patterns.length * 0.9);
  });

  it('are derived for every pattern: none of them runs on every message', () => {
    expect(patterns.filter((re) => literalsOf(re) === null).map((re) => re.source.slice(0, 60))).toEqual([]);
  });

  it('are up to date in literals.json (else run `npm run literals`)', () => {
    const file = JSON.parse(readFileSync(LITERALS_FILE, 'utf8')) as LiteralsFile;
    const expected = Object.fromEntries(patterns.map((re) => [patternKey(re), requiredLiterals(re)]));
    expect(file.patterns).toEqual(expected);
  });

  it('are derived at load for a pattern the file does not have', () => {
    expect(literalsOf(/一个新规则的模式/)).toEqual(['一个新规则的模式']);
  });
});
