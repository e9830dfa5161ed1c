/**
 * Scoring predictions against gold labels: per-action precision, recall and F1, macro-F1 over
 * the 14 actions, objection-type accuracy and the most frequent confusions, per language.
 * Shared by the cross-validation in scripts/train.ts and the held-out report of scripts/eval.ts.
 */
import { ACTION_KINDS } from '../../core/types.ts';
import type { ActionKind, ObjectionType } from '../../core/types.ts';

/** One scored line. */
export interface Judged {
  id: string;
  lang: string;
  gold: readonly ActionKind[];
  predicted: readonly ActionKind[];
  goldObjection?: ObjectionType | undefined;
  predictedObjection?: ObjectionType | undefined;
}

export interface ActionScore {
  kind: ActionKind;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Gold lines with the action. */
  support: number;
}

/** A missed gold label paired with an extra predicted one on the same line ('—' when a side is empty). */
export interface Confusion {
  missed: ActionKind | '—';
  extra: ActionKind | '—';
  count: number;
  example: string;
}

export interface Report {
  lang: string;
  lines: number;
  actions: ActionScore[];
  macroF1: number;
  /** Objection type right, on lines where objection_raised is both gold and predicted. */
  objectionAccuracy: { correct: number; total: number };
  confusions: Confusion[];
}

/** F1 with the convention that an action absent from gold and never predicted scores 1. */
export function f1Of(tp: number, fp: number, fn: number): number {
  if (tp + fp + fn === 0) return 1;
  return (2 * tp) / (2 * tp + fp + fn);
}

/** Scores the lines of one language. */
export function report(lang: string, lines: readonly Judged[]): Report {
  const actions: ActionScore[] = ACTION_KINDS.map((kind) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const l of lines) {
      const g = l.gold.includes(kind);
      const p = l.predicted.includes(kind);
      if (g && p) tp++;
      else if (p) fp++;
      else if (g) fn++;
    }
    return {
      kind,
      tp,
      fp,
      fn,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
      f1: f1Of(tp, fp, fn),
      support: tp + fn,
    };
  });
  const macroF1 = actions.reduce((s, a) => s + a.f1, 0) / actions.length;

  let correct = 0;
  let total = 0;
  const pairs = new Map<string, Confusion>();
  for (const l of lines) {
    if (l.gold.includes('objection_raised') && l.predicted.includes('objection_raised') && l.goldObjection) {
      total++;
      if (l.goldObjection === l.predictedObjection) correct++;
    }
    const missed: (ActionKind | '—')[] = l.gold.filter((k) => !l.predicted.includes(k));
    const extra: (ActionKind | '—')[] = l.predicted.filter((k) => !l.gold.includes(k));
    if (missed.length === 0 && extra.length === 0) continue;
    if (missed.length === 0) missed.push('—');
    if (extra.length === 0) extra.push('—');
    for (const m of missed) {
      for (const e of extra) {
        const key = `${m}>${e}`;
        const c = pairs.get(key);
        if (c) c.count++;
        else pairs.set(key, { missed: m, extra: e, count: 1, example: l.id });
      }
    }
  }
  const confusions = [...pairs.values()].sort((a, b) => b.count - a.count || a.example.localeCompare(b.example));
  return { lang, lines: lines.length, actions, macroF1, objectionAccuracy: { correct, total }, confusions };
}

const pct = (x: number): string => x.toFixed(3);

/** The report as plain-text tables for a terminal. */
export function formatReport(r: Report, topConfusions = 8): string {
  const out: string[] = [];
  out.push(`[${r.lang}] ${r.lines} lines   macro-F1 ${pct(r.macroF1)}   lowest F1 ${lowest(r)}`);
  out.push(`  ${'action'.padEnd(22)} ${'P'.padStart(6)} ${'R'.padStart(6)} ${'F1'.padStart(6)} ${'n'.padStart(5)}   tp  fp  fn`);
  for (const a of r.actions) {
    out.push(
      `  ${a.kind.padEnd(22)} ${pct(a.precision).padStart(6)} ${pct(a.recall).padStart(6)} ${pct(a.f1).padStart(6)} ${String(a.support).padStart(5)}  ${String(a.tp).padStart(3)} ${String(a.fp).padStart(3)} ${String(a.fn).padStart(3)}`,
    );
  }
  const o = r.objectionAccuracy;
  out.push(`  objection type accuracy (objection_raised found and gold): ${o.total ? pct(o.correct / o.total) : 'n/a'} (${o.correct}/${o.total})`);
  if (topConfusions === 0) return out.join('\n');
  out.push('  worst confusions (missed gold label → extra predicted label, count, e.g.):');
  for (const c of r.confusions.slice(0, topConfusions)) {
    out.push(`    ${c.missed.padEnd(22)} → ${c.extra.padEnd(22)} ${String(c.count).padStart(3)}   e.g. ${c.example}`);
  }
  if (r.confusions.length === 0) out.push('    (none)');
  return out.join('\n');
}

/** "0.812 (deal_won)": the lowest per-action F1 and its action. */
export function lowest(r: Report): string {
  const worst = r.actions.reduce((a, b) => (b.f1 < a.f1 ? b : a));
  return `${pct(worst.f1)} (${worst.kind})`;
}
