/**
 * Measures the analyzer on both held-out sets and, with --external, on the external set:
 *
 * - the held-out split (analyzers/corpus/test.jsonl): lines of the corpus writers, never trained on;
 * - the independent set (analyzers/corpus/independent/*.jsonl): lines written elsewhere, by writers
 *   who never read the training lines, never trained or tuned on;
 * - the external set (../shared/eval-external, ./eval-external.ts).
 *
 * Per language and set: per-action precision, recall and F1, macro-F1, objection-type accuracy,
 * the most frequent confusions; the two held-out sets side by side; the calibration (reliability
 * tables and ECE over all (line, action) pairs and over reported actions, overall and for
 * deal_won and deal_lost); and, for deal_won and deal_lost, precision and recall at confidence
 * thresholds 0.5 … 0.95, from which auto-close thresholds are chosen. Messages go in as
 * production sends them: role, text and attachments, no language hint.
 *
 *   npm run eval [-- --model PATH] [--rules] [--external] [--json] [--errors]
 *
 * --rules scores the rules alone (the baseline; no calibration); --errors lists the held-out
 * split's wrong lines (never the independent set's: it is not there to be read line by line).
 * Read the figures; do not tune on the lines behind them.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzerInput, DetectedAction } from '../core/types.ts';
import { readCorpus } from '../analyzers/corpus/schema.ts';
import type { CorpusLine } from '../analyzers/corpus/schema.ts';
import {
  AUTO_CLOSE_THRESHOLDS,
  atThresholds,
  calibrationOf,
  formatAtThresholds,
  formatReliability,
  readCorpusDir,
  scoreLines,
} from '../analyzers/classifier/evaluate.ts';
import type { Scored } from '../analyzers/classifier/evaluate.ts';
import { formatReport, lowest, report } from '../analyzers/classifier/metrics.ts';
import type { Report } from '../analyzers/classifier/metrics.ts';
import type { RawScores } from '../analyzers/classifier/predict.ts';
import { EXTERNAL_CSV, evaluateExternal, formatExternal } from './eval-external.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LANGS = ['zh', 'en'] as const;

interface SetResult {
  name: string;
  lines: number;
  scored: Scored[];
  reports: Report[];
}

function sideBySide(sets: SetResult[]): string {
  const out = ['Both held-out sets side by side (F1 per action; macro-F1 last):'];
  const head = sets.flatMap((s) => LANGS.map((l) => `${s.name.split(' ')[0]} ${l}`.padStart(16)));
  out.push(`  ${'action'.padEnd(22)}${head.join('')}`);
  const reportsOf = sets.flatMap((s) => LANGS.map((l) => s.reports.find((r) => r.lang === l)));
  const kinds = reportsOf[0]?.actions.map((a) => a.kind) ?? [];
  for (const kind of kinds) {
    const cells = reportsOf.map((r) => {
      const a = r?.actions.find((x) => x.kind === kind);
      return a ? `${a.f1.toFixed(3)} (${a.support})`.padStart(16) : ''.padStart(16);
    });
    out.push(`  ${kind.padEnd(22)}${cells.join('')}`);
  }
  out.push(`  ${'macro-F1'.padEnd(22)}${reportsOf.map((r) => (r ? r.macroF1.toFixed(3) : '').padStart(16)).join('')}`);
  out.push(`  ${'lines'.padEnd(22)}${reportsOf.map((r) => String(r?.lines ?? 0).padStart(16)).join('')}`);
  return out.join('\n');
}

function calibrationSection(set: SetResult): string {
  const out = [`Calibration on the ${set.name} (10 equal-width bins):`];
  for (const lang of [...LANGS, undefined]) {
    const scored = lang ? set.scored.filter((s) => s.lang === lang) : set.scored;
    const c = calibrationOf(scored);
    const name = lang ?? 'both languages';
    out.push(`  [${name}] ECE over all (line, action) pairs ${c.allPairs.ece.toFixed(4)}; over reported actions ${c.reported.ece.toFixed(4)}`);
  }
  const c = calibrationOf(set.scored);
  out.push(formatReliability('  reported actions, both languages', c.reported));
  out.push(formatReliability('  all (line, action) pairs, both languages', c.allPairs));
  for (const kind of ['deal_won', 'deal_lost'] as const) {
    const k = calibrationOf(set.scored, kind);
    out.push(formatReliability(`  ${kind}, all lines`, k.allPairs));
  }
  out.push(`Precision and recall at confidence thresholds on the ${set.name} (both languages; a report counts when its confidence ≥ the threshold):`);
  for (const kind of ['deal_won', 'deal_lost'] as const) {
    out.push(formatAtThresholds(`  ${kind}`, atThresholds(set.scored, kind, AUTO_CLOSE_THRESHOLDS)));
    for (const lang of LANGS) {
      const rows = atThresholds(
        set.scored.filter((s) => s.lang === lang),
        kind,
        AUTO_CLOSE_THRESHOLDS,
      );
      out.push(`    [${lang}] ${rows.map((r) => `≥${r.threshold}: P ${r.precision.toFixed(2)} R ${r.recall.toFixed(2)}`).join('  ')}`);
    }
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = new Set(['--model', '--rules', '--external', '--json', '--errors']);
  for (const [i, a] of args.entries()) {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown argument ${a}`);
    if (!a.startsWith('--') && args[i - 1] !== '--model') throw new Error(`unexpected argument ${a}`);
  }
  const at = args.indexOf('--model');
  const modelPath = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && modelPath === undefined) throw new Error('--model needs a path');
  const rulesOnly = args.includes('--rules');

  const index = await import('../analyzers/index.ts');
  let analyze: (input: AnalyzerInput) => DetectedAction[];
  let raw: ((input: AnalyzerInput) => RawScores) | undefined;
  if (rulesOnly) analyze = index.analyzeRules;
  else {
    const classifier = new index.ActionClassifier(index.loadModel(modelPath ? resolve(modelPath) : index.DEFAULT_MODEL_PATH));
    analyze = (input) => classifier.classify(input);
    raw = (input) => classifier.raw(input);
  }

  const sources: [string, CorpusLine[] | null][] = [
    ['held-out split (analyzers/corpus/test.jsonl)', readCorpus(join(ROOT, 'analyzers/corpus/test.jsonl'))],
    ['independent set (analyzers/corpus/independent/)', readCorpusDir(join(ROOT, 'analyzers/corpus/independent'))],
  ];
  const sets: SetResult[] = [];
  for (const [name, lines] of sources) {
    if (!lines) {
      if (!args.includes('--json')) console.log(`${name}: not present\n`);
      continue;
    }
    const scored = scoreLines(lines, analyze, raw);
    const reports = LANGS.map((lang) =>
      report(
        lang,
        scored.filter((s) => s.lang === lang),
      ),
    );
    sets.push({ name, lines: lines.length, scored, reports });
  }
  if (args.includes('--json')) {
    console.log(
      JSON.stringify(
        sets.map((s) => ({ name: s.name, reports: s.reports, ...(raw ? { calibration: calibrationOf(s.scored) } : {}) })),
        null,
        2,
      ),
    );
    return;
  }
  const what = rulesOnly ? 'rules alone' : 'trained classifier';
  for (const set of sets) {
    console.log(`${set.name}: ${set.lines} lines, ${what}\n`);
    // The independent set's confusions name line ids; only its aggregate figures are printed.
    const confusions = set.name.startsWith('held-out') ? 8 : 0;
    for (const r of set.reports) console.log(`${formatReport(r, confusions)}\n`);
  }
  if (sets.length > 1) console.log(`${sideBySide(sets)}\n`);
  for (const set of sets) {
    const parts = set.reports.map((r) => `${r.lang} ${r.macroF1.toFixed(3)} (lowest ${lowest(r)})`);
    console.log(`${set.name}: macro-F1 ${parts.join(', ')}`);
  }
  console.log('');
  if (raw) for (const set of sets) console.log(`${calibrationSection(set)}\n`);
  if (args.includes('--errors')) {
    const held = sets.find((s) => s.name.startsWith('held-out'));
    const byId = new Map((sources[0]?.[1] ?? []).map((l) => [l.id, l]));
    console.log('Held-out split lines with a wrong label:');
    for (const s of held?.scored ?? []) {
      const missed = s.gold.filter((k) => !s.predicted.includes(k));
      const extra = s.predicted.filter((k) => !s.gold.includes(k));
      if (missed.length === 0 && extra.length === 0) continue;
      const line = byId.get(s.id);
      console.log(`  ${s.id} ${s.role}: ${line?.text ?? ''}  missed=${missed.join(',')} extra=${extra.join(',')}`);
    }
    console.log('');
  }
  if (args.includes('--external')) console.log(formatExternal(evaluateExternal(EXTERNAL_CSV, analyze)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
