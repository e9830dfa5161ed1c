/**
 * Evaluation on labelled lines, shared by scripts/eval.ts and scripts/train.ts: runs the analyzer
 * as production calls it (role, text, attachments; no language hint), keeps what it reported
 * with which confidence and, for the trained classifier, every calibrated probability; then the
 * calibration measures (reliability tables, ECE) and precision and recall at confidence
 * thresholds. Read the figures; never tune on the lines behind them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACTION_KINDS } from '../../core/types.ts';
import type { ActionKind, AnalyzerInput, AnalyzerRole, DetectedAction } from '../../core/types.ts';
import { readCorpus } from '../corpus/schema.ts';
import type { CorpusLine } from '../corpus/schema.ts';
import { reliability } from './calibrate.ts';
import type { Reliability } from './calibrate.ts';
import type { Judged } from './metrics.ts';
import type { RawScores } from './predict.ts';

/** One evaluated line: the metric input plus confidences and probabilities. */
export interface Scored extends Judged {
  role: AnalyzerRole;
  /** The confidence of each reported action. */
  confidence: Partial<Record<ActionKind, number>>;
  /** Calibrated probability of every action (NaN where the role cannot carry it); absent for rules alone. */
  probs?: Float64Array;
}

export function inputOf(line: { role: AnalyzerRole; text: string; attachments?: { name: string }[] | undefined }): AnalyzerInput {
  return { role: line.role, text: line.text, ...(line.attachments ? { attachments: line.attachments } : {}) };
}

/** Runs `analyze` (and `raw`, when given) over labelled lines. */
export function scoreLines(
  lines: readonly CorpusLine[],
  analyze: (input: AnalyzerInput) => DetectedAction[],
  raw?: (input: AnalyzerInput) => RawScores,
): Scored[] {
  return lines.map((line) => {
    const input = inputOf(line);
    const actions = analyze(input);
    const confidence: Partial<Record<ActionKind, number>> = {};
    for (const a of actions) confidence[a.kind] = a.confidence;
    return {
      id: line.id,
      lang: line.lang,
      role: line.role,
      gold: line.labels,
      predicted: actions.map((a) => a.kind),
      goldObjection: line.objection,
      predictedObjection: actions.find((a) => a.kind === 'objection_raised')?.objection,
      confidence,
      ...(raw ? { probs: raw(input).probs } : {}),
    };
  });
}

/** Reads every *.jsonl of a folder of labelled lines (e.g. analyzers/corpus/independent), or null when absent. */
export function readCorpusDir(dir: string): CorpusLine[] | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  if (files.length === 0) return null;
  const lines = files.flatMap((f) => readCorpus(join(dir, f)));
  const ids = new Set<string>();
  for (const l of lines) {
    if (ids.has(l.id)) throw new Error(`duplicate id ${l.id} in ${dir}`);
    ids.add(l.id);
  }
  return lines;
}

/** The calibration of one set of lines. */
export interface CalibrationReport {
  /** Every (line, action the role can carry) pair: calibrated probability against the gold label. */
  allPairs: Reliability;
  /** Reported actions only: confidence against whether the action is in gold. */
  reported: Reliability;
}

/** Calibration over `scored`, optionally for one action only. Needs `probs` (trained classifier). */
export function calibrationOf(scored: readonly Scored[], kind?: ActionKind): CalibrationReport {
  const all: { p: number; y: boolean }[] = [];
  const reported: { p: number; y: boolean }[] = [];
  for (const s of scored) {
    ACTION_KINDS.forEach((k, i) => {
      if (kind && k !== kind) return;
      const p = s.probs?.[i] ?? NaN;
      if (!Number.isNaN(p)) all.push({ p, y: s.gold.includes(k) });
      const c = s.confidence[k];
      if (c !== undefined) reported.push({ p: c, y: s.gold.includes(k) });
    });
  }
  return { allPairs: reliability(all), reported: reliability(reported) };
}

/** Precision and recall of one action when only reports with confidence ≥ t count. */
export interface AtThreshold {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

export const AUTO_CLOSE_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95] as const;

export function atThresholds(scored: readonly Scored[], kind: ActionKind, thresholds: readonly number[] = AUTO_CLOSE_THRESHOLDS): AtThreshold[] {
  return thresholds.map((t) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const s of scored) {
      const yes = (s.confidence[kind] ?? -1) >= t;
      const y = s.gold.includes(kind);
      if (yes && y) tp++;
      else if (yes) fp++;
      else if (y) fn++;
    }
    return { threshold: t, tp, fp, fn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
  });
}

const f3 = (x: number): string => x.toFixed(3);

/** A reliability table as text: bin, n, mean confidence, observed frequency, gap. */
export function formatReliability(title: string, r: Reliability): string {
  const out = [`${title}: n ${r.n}, ECE ${f3(r.ece)}, largest gap (bins ≥ 10) ${f3(r.maxGap)}`];
  out.push(`    ${'bin'.padEnd(10)} ${'n'.padStart(6)} ${'conf'.padStart(6)} ${'obs'.padStart(6)}`);
  for (const b of r.bins) {
    if (b.n === 0) continue;
    out.push(
      `    ${`${b.from.toFixed(1)}–${b.to.toFixed(1)}`.padEnd(10)} ${String(b.n).padStart(6)} ${f3(b.confidence).padStart(6)} ${f3(b.observed).padStart(6)}`,
    );
  }
  return out.join('\n');
}

/** The precision/recall-at-threshold table of one action as text. */
export function formatAtThresholds(title: string, rows: readonly AtThreshold[]): string {
  const out = [title, `    ${'conf ≥'.padEnd(7)} ${'P'.padStart(6)} ${'R'.padStart(6)}   tp  fp  fn`];
  for (const r of rows) {
    out.push(
      `    ${r.threshold.toFixed(2).padEnd(7)} ${f3(r.precision).padStart(6)} ${f3(r.recall).padStart(6)}  ${String(r.tp).padStart(3)} ${String(r.fp).padStart(3)} ${String(r.fn).padStart(3)}`,
    );
  }
  return out.join('\n');
}
