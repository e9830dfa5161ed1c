import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTION_KINDS } from '../../core/types.ts';
import { CORPUS_LANGS, CorpusFormatError, corpusSideOf, formatCorpusLine, readCorpus } from '../../analyzers/corpus/schema.ts';
import type { CorpusLine } from '../../analyzers/corpus/schema.ts';
import { readCorpusDir } from '../../analyzers/classifier/evaluate.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = join(ROOT, 'analyzers/corpus');
const SRC = join(CORPUS, 'src');

const srcFiles = readdirSync(SRC)
  .filter((name) => name.endsWith('.jsonl'))
  .sort();
const src: CorpusLine[] = srcFiles.flatMap((name) => readCorpus(join(SRC, name)));
const train = readCorpus(join(CORPUS, 'train.jsonl'));
const test = readCorpus(join(CORPUS, 'test.jsonl'));

describe('committed corpus split', () => {
  it('parses with the schema and is not empty', () => {
    expect(srcFiles.length).toBeGreaterThan(0);
    expect(train.length).toBeGreaterThan(0);
    expect(test.length).toBeGreaterThan(0);
  });

  it('train and test do not overlap', () => {
    const trainIds = new Set(train.map((l) => l.id));
    expect(trainIds.size).toBe(train.length);
    expect(new Set(test.map((l) => l.id)).size).toBe(test.length);
    expect(test.filter((l) => trainIds.has(l.id)).map((l) => l.id)).toEqual([]);
  });

  it('puts every src line on exactly one side, unchanged, on the side its id hashes to', () => {
    const ids = src.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    const bySide = new Map<string, { side: 'train' | 'test'; line: CorpusLine }>();
    for (const line of train) bySide.set(line.id, { side: 'train', line });
    for (const line of test) bySide.set(line.id, { side: 'test', line });
    const missing = src.filter((l) => !bySide.has(l.id)).map((l) => l.id);
    expect(missing, 'src lines missing from the split: rerun scripts/split-corpus.ts').toEqual([]);
    const srcIds = new Set(ids);
    expect(
      [...bySide.keys()].filter((id) => !srcIds.has(id)),
      'split lines not in src',
    ).toEqual([]);
    for (const line of src) {
      const placed = bySide.get(line.id);
      expect(placed?.side, line.id).toBe(corpusSideOf(line.id));
      expect(placed && formatCorpusLine(placed.line), line.id).toBe(formatCorpusLine(line));
    }
  });

  for (const lang of CORPUS_LANGS) {
    for (const [sideName, side] of [
      ['train', train],
      ['test', test],
    ] as const) {
      it(`${sideName} has every label in ${lang}`, () => {
        const present = new Set(side.filter((l) => l.lang === lang).flatMap((l) => l.labels));
        expect(ACTION_KINDS.filter((kind) => !present.has(kind))).toEqual([]);
      });
    }
  }
});

describe('independent held-out set (analyzers/corpus/independent)', () => {
  const independent = readCorpusDir(join(CORPUS, 'independent')) ?? [];

  it('parses with the corpus schema and is at least 400 Chinese and 200 English lines', () => {
    expect(independent.filter((l) => l.lang === 'zh').length).toBeGreaterThanOrEqual(400);
    expect(independent.filter((l) => l.lang === 'en').length).toBeGreaterThanOrEqual(200);
  });

  it('shares no id with the corpus and no message longer than a short reply with the training split', () => {
    const srcIds = new Set(src.map((l) => l.id));
    expect(independent.filter((l) => srcIds.has(l.id)).map((l) => l.id)).toEqual([]);
    // Short generic replies ("好的", "收到，谢谢") may coincide; anything longer would be leakage.
    const trainTexts = new Set(train.map((l) => l.text.trim()));
    const shared = independent.filter((l) => l.text.trim().length > 12 && trainTexts.has(l.text.trim()));
    expect(shared.length).toBe(0);
  });
});

describe('corpus schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (lines: string[]) => {
    const path = join(dir, `c${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const ok = { id: 'en-9001', lang: 'en', role: 'customer', text: 'too expensive', labels: ['objection_raised'], objection: 'price' };

  it('reads good lines and skips blank ones', () => {
    const path = write([JSON.stringify(ok), '', JSON.stringify({ ...ok, id: 'en-9002' })]);
    expect(readCorpus(path).map((l) => l.id)).toEqual(['en-9001', 'en-9002']);
  });

  const bad: [string, unknown][] = [
    ['objection without objection_raised', { ...ok, labels: [] }],
    ['objection_raised without objection', { ...ok, objection: undefined }],
    ['labels out of order', { ...ok, labels: ['objection_raised', 'price_inquiry'] }],
    ['duplicate label', { ...ok, labels: ['objection_raised', 'objection_raised'] }],
    ['unknown label', { ...ok, labels: ['objection_raised', 'discount_given'] }],
    ['unknown objection type', { ...ok, objection: 'mood' }],
    ['rep-only label from a customer', { ...ok, labels: ['quote_sent'], objection: undefined }],
    ['customer-only label from a rep', { ...ok, role: 'rep', labels: ['price_inquiry'], objection: undefined }],
    ['competitor objection without competitor_mentioned', { ...ok, objection: 'competitor' }],
    ['unknown field', { ...ok, note: 'x' }],
    ['bad lang', { ...ok, lang: 'fr' }],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}, naming file and line`, () => {
      const path = write([JSON.stringify(ok), JSON.stringify(value)]);
      expect(() => readCorpus(path)).toThrow(CorpusFormatError);
      expect(() => readCorpus(path)).toThrow(`${path}:2:`);
    });
  }

  it('rejects invalid JSON and duplicate ids, naming the line', () => {
    expect(() => readCorpus(write([JSON.stringify(ok), '{"id":']))).toThrow(/:2: invalid JSON/);
    expect(() => readCorpus(write([JSON.stringify(ok), JSON.stringify(ok)]))).toThrow(/:2: duplicate id en-9001/);
  });

  it('splits by a stable hash of the id, about 20% to test; training-only ids always train', () => {
    expect(corpusSideOf('en-0001')).toBe(corpusSideOf('en-0001'));
    expect(Array.from({ length: 200 }, (_, i) => corpusSideOf(`zh-tr-d-${i}`)).every((s) => s === 'train')).toBe(true);
    const ids = Array.from({ length: 5000 }, (_, i) => `x-${i}`);
    const share = ids.filter((id) => corpusSideOf(id) === 'test').length / ids.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
  });
});
