/**
 * When may a deal close without asking its owner? For deal_won and deal_lost on the held-out
 * split (analyzers/corpus/test.jsonl) and, when present, the independent set
 * (analyzers/corpus/independent/*.jsonl), prints the precision and recall of an automatic close
 * decided by (a) the precise signal alone (analyzers/precise.ts) and (b) precise or classifier
 * confidence ≥ T, for T in 0.50…0.95, with support counts; then the smallest T whose precision
 * on the held-out split is ≥ 0.97 for both kinds, and what AUTO_CLOSE_CONFIDENCE gives.
 * Evaluation only: patterns are written from ACTIONS.md and unit tests, never from these lines.
 *
 * With --topics FILE (JSON lines with `text` and `topics`, e.g. the labelled customer questions
 * of test/coaching/atom-questions.jsonl), also prints topic precision and recall per topic, each
 * line analysed as a customer message by analyzeMessage.
 *
 *   npm run eval:closing [-- --independent DIR] [-- --topics FILE]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CorpusLine, readCorpus } from '../analyzers/corpus/schema.ts';
import { analyzeMessage } from '../analyzers/index.ts';
import { AUTO_CLOSE_CONFIDENCE, closesWithoutAsking } from '../analyzers/precise.ts';
import { TOPICS, type Topic } from '../core/types.ts';
import { parseOptions } from './options.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KINDS = ['deal_won', 'deal_lost'] as const;
type Close = (typeof KINDS)[number];
const THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const TARGET = 0.97;
// Any fixed instant: closes do not depend on it.
const SENT_AT = new Date('2026-11-23T10:00:00+08:00');

const USAGE = 'npm run eval:closing [-- --independent DIR] [--topics FILE]';
const values = parseOptions(USAGE, { independent: { type: 'string' }, topics: { type: 'string' } });

/** One line's close as the loop would see it: present, precise, confidence. */
interface Scored {
  truth: Set<Close>;
  found: Map<Close, { precise: boolean; confidence: number }>;
}

function score(lines: readonly CorpusLine[]): Scored[] {
  return lines.map((l) => {
    const a = analyzeMessage({
      role: l.role,
      text: l.text,
      lang: l.lang,
      sentAt: SENT_AT,
      timeZone: 'Asia/Shanghai',
      ...(l.attachments ? { attachments: l.attachments } : {}),
    });
    const found = new Map<Close, { precise: boolean; confidence: number }>();
    for (const x of a.actions)
      if (x.kind === 'deal_won' || x.kind === 'deal_lost') found.set(x.kind, { precise: x.precise === true, confidence: x.confidence });
    return { truth: new Set(l.labels.filter((k): k is Close => k === 'deal_won' || k === 'deal_lost')), found };
  });
}

interface Row {
  closes: number;
  right: number;
  support: number;
}

function count(scored: readonly Scored[], kind: Close, rule: (f: { precise: boolean; confidence: number }) => boolean): Row {
  let closes = 0;
  let right = 0;
  let support = 0;
  for (const s of scored) {
    const truth = s.truth.has(kind);
    if (truth) support++;
    const f = s.found.get(kind);
    if (f && rule(f)) {
      closes++;
      if (truth) right++;
    }
  }
  return { closes, right, support };
}

const pct = (n: number, d: number): string => (d === 0 ? '   —  ' : (n / d).toFixed(3).padStart(6));
const fmt = (label: string, r: Row): string =>
  `  ${label.padEnd(26)} ${String(r.closes).padStart(6)} ${String(r.right).padStart(6)}  ${pct(r.right, r.closes)}  ${pct(r.right, r.support)}`;

function table(name: string, scored: readonly Scored[]): Map<number, Row[]> {
  const byT = new Map<number, Row[]>();
  console.log(`\n${name}: ${scored.length} lines`);
  for (const kind of KINDS) {
    const support = count(scored, kind, () => false).support;
    console.log(
      `\n${kind} (support ${support})\n  ${'auto-close when'.padEnd(26)} ${'closes'.padStart(6)} ${'right'.padStart(6)}  ${'prec.'.padStart(6)}  ${'recall'.padStart(6)}`,
    );
    console.log(
      fmt(
        'detected at all',
        count(scored, kind, () => true),
      ),
    );
    console.log(
      fmt(
        'precise',
        count(scored, kind, (f) => f.precise),
      ),
    );
    for (const t of THRESHOLDS) {
      const r = count(scored, kind, (f) => f.precise || f.confidence >= t);
      console.log(fmt(`precise || conf >= ${t.toFixed(2)}`, r));
      byT.set(t, [...(byT.get(t) ?? []), r]);
    }
    console.log(
      fmt(
        `closesWithoutAsking (${AUTO_CLOSE_CONFIDENCE})`,
        count(scored, kind, (f) => closesWithoutAsking({ kind, confidence: f.confidence, precise: f.precise })),
      ),
    );
  }
  return byT;
}

function corpusFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(dir, f));
}

function topicTable(file: string): void {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { text: string; topics?: string[] });
  const stats = new Map<Topic, { tp: number; fp: number; fn: number }>(TOPICS.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  let exact = 0;
  for (const l of lines) {
    const truth = new Set(l.topics ?? []);
    // As the loop sees it: a customer's message through analyzeMessage (competitor from the classifier).
    const found = new Set<string>(analyzeMessage({ role: 'customer', text: l.text, sentAt: SENT_AT, timeZone: 'Asia/Shanghai' }).topics);
    if (truth.size === found.size && [...truth].every((t) => found.has(t))) exact++;
    for (const t of TOPICS) {
      const s = stats.get(t) as { tp: number; fp: number; fn: number };
      if (found.has(t) && truth.has(t)) s.tp++;
      else if (found.has(t)) s.fp++;
      else if (truth.has(t)) s.fn++;
    }
  }
  console.log(`\ntopics on ${file}: ${lines.length} lines, exact topic set on ${exact}`);
  console.log(`  ${'topic'.padEnd(15)} ${'support'.padStart(7)} ${'found'.padStart(6)} ${'prec.'.padStart(6)} ${'recall'.padStart(6)}`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [t, s] of stats) {
    tp += s.tp;
    fp += s.fp;
    fn += s.fn;
    console.log(`  ${t.padEnd(15)} ${String(s.tp + s.fn).padStart(7)} ${String(s.tp + s.fp).padStart(6)} ${pct(s.tp, s.tp + s.fp)} ${pct(s.tp, s.tp + s.fn)}`);
  }
  console.log(`  ${'micro'.padEnd(15)} ${String(tp + fn).padStart(7)} ${String(tp + fp).padStart(6)} ${pct(tp, tp + fp)} ${pct(tp, tp + fn)}`);
}

function main(): void {
  const heldOut = table('held-out split (analyzers/corpus/test.jsonl)', score(readCorpus(join(ROOT, 'analyzers/corpus/test.jsonl'))));
  const pick = THRESHOLDS.find((t) => (heldOut.get(t) ?? []).every((r) => r.closes === 0 || r.right / r.closes >= TARGET));
  console.log(
    `\nsmallest T with precision >= ${TARGET} for both kinds on the held-out split: ${pick === undefined ? 'none (AUTO_CLOSE_CONFIDENCE should be 1.01: precise only)' : pick.toFixed(2)}; AUTO_CLOSE_CONFIDENCE is ${AUTO_CLOSE_CONFIDENCE}`,
  );

  const independent = corpusFiles(values.independent ?? join(ROOT, 'analyzers/corpus/independent'));
  if (independent.length > 0) table(`independent set (${independent.length} files)`, score(independent.flatMap((f) => readCorpus(f))));
  else console.log('\nno independent set found (analyzers/corpus/independent/*.jsonl)');

  const topics = values.topics;
  if (topics) topicTable(topics);
}

main();
