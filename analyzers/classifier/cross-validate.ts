/**
 * Cross-validation inside the training split: out-of-fold probabilities for every training
 * line (folds made of whole groups of lines, see Example.group), the calibration fitted on them
 * (./calibrate.ts), per-action thresholds chosen on the calibrated probabilities, and the figures
 * those give. This is the only place calibration, thresholds and options are tuned; neither
 * held-out set is ever read here.
 */
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import type { ActionKind } from '../../core/types.ts';
import { calibrated, fitPlatt, IDENTITY, reliability } from './calibrate.ts';
import type { CalibrationPoint, PlattParams, Reliability } from './calibrate.ts';
import { decide } from './decide.ts';
import { ALLOWED, K } from './labels.ts';
import type { Judged } from './metrics.ts';
import { preciseRules, scoreExamples, train } from './train.ts';
import type { Example, Scores, TrainOptions } from './train.ts';

/** Out-of-fold scores of one line, with the actions its precise rules fire (chosen on the other folds). */
export interface FoldScores extends Scores {
  forced: number[];
}

/**
 * Out-of-fold scores: each line scored by the model trained on the other folds. Whole groups
 * (writing passes) go to one fold: per language, the passes in name order go to folds 0, 1, 2…
 * in turn, so with as many folds as passes this is leave-one-pass-out. `extra` (team labels)
 * joins the training side of every fold and is never scored.
 */
export function outOfFold(examples: readonly Example[], options: TrainOptions, folds: number, extra: readonly Example[] = []): FoldScores[] {
  const groups = [...new Set(examples.map((ex) => ex.group))].sort();
  const foldOfGroup = new Map<string, number>();
  const perLanguage = new Map<string, number>();
  for (const g of groups) {
    const lang = g.split('-')[0] ?? '';
    const i = perLanguage.get(lang) ?? 0;
    foldOfGroup.set(g, i % folds);
    perLanguage.set(lang, i + 1);
  }
  const foldOf = examples.map((ex) => foldOfGroup.get(ex.group) ?? 0);
  const out: FoldScores[] = new Array<FoldScores>(examples.length);
  for (let f = 0; f < folds; f++) {
    const held = examples.map((_, i) => i).filter((i) => foldOf[i] === f);
    const rest = examples.filter((_, i) => foldOf[i] !== f);
    const model = train([...rest, ...extra], options);
    const precise = new Set(preciseRules(rest, options));
    const scores = scoreExamples(
      model,
      held.map((i) => examples[i] as Example),
    );
    held.forEach((line, j) => {
      const ex = examples[line] as Example;
      out[line] = { ...(scores[j] as Scores), forced: forcedBy(ex, precise) };
    });
  }
  return out;
}

/** The actions the precise rules that fired on `ex` point at, for its role. */
export function forcedBy(ex: Example, precise: ReadonlySet<string>): number[] {
  const out: number[] = [];
  for (const [id, k] of ex.hits) if (precise.has(id) && ALLOWED[ex.role][k] && !out.includes(k)) out.push(k);
  return out;
}

/** Per language, per action: Platt parameters. */
export interface Calibration {
  zh: PlattParams[];
  en: PlattParams[];
}

/** Below this many positive (or negative) lines in a language, an action takes the fit over both languages. */
const MIN_PER_LANGUAGE = 25;

/**
 * Fits the calibration on out-of-fold scores: per action and language where the language has
 * enough lines of both kinds, else over both languages.
 */
export function fitCalibration(examples: readonly Example[], oof: readonly FoldScores[]): Calibration {
  const pointsOf = (k: number, lang?: 'zh' | 'en'): CalibrationPoint[] => {
    const out: CalibrationPoint[] = [];
    examples.forEach((ex, i) => {
      if (lang && ex.lang !== lang) return;
      const raw = oof[i]?.probs[k] ?? NaN;
      if (Number.isNaN(raw)) return;
      out.push({ raw, forced: oof[i]?.forced.includes(k) === true, label: ex.labels[k] === true });
    });
    return out;
  };
  const enough = (points: CalibrationPoint[]): boolean => {
    const pos = points.filter((p) => p.label).length;
    return pos >= MIN_PER_LANGUAGE && points.length - pos >= MIN_PER_LANGUAGE;
  };
  const result: Calibration = { zh: [], en: [] };
  for (let k = 0; k < K; k++) {
    const pooled = pointsOf(k);
    const both = enough(pooled) ? fitPlatt(pooled) : ([...IDENTITY] as PlattParams);
    for (const lang of ['zh', 'en'] as const) {
      const own = pointsOf(k, lang);
      result[lang].push(enough(own) ? fitPlatt(own) : both);
    }
  }
  return result;
}

/** Calibrated out-of-fold probabilities (NaN where the role cannot carry the action). */
export function calibrateOutOfFold(examples: readonly Example[], oof: readonly FoldScores[], calibration: Calibration): Float64Array[] {
  return examples.map((ex, i) => {
    const s = oof[i] as FoldScores;
    const out = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const raw = s.probs[k] ?? NaN;
      out[k] = Number.isNaN(raw) ? NaN : calibrated(calibration[ex.lang][k] ?? IDENTITY, raw, s.forced.includes(k));
    }
    return out;
  });
}

/**
 * Candidate thresholds on the calibrated probability: 0.2, 0.225, …, 0.9. Below 0.2 the model is
 * more unsure than not, so the floor is a prior, not a tuned value.
 */
const GRID = Array.from({ length: 29 }, (_, i) => 0.2 + i * 0.025);

/**
 * How a threshold is read off an action's out-of-fold F1 curve:
 *
 * - `argmax`: the threshold that maximises F1. F1 is averaged with its two grid neighbours first,
 *   so a lone spike on a few lines does not pick a brittle threshold; on a plateau the middle of
 *   it wins. The committed model's thresholds.
 * - `half-f1`: half the best F1 (rounded to 0.025, at least 0.3). For a calibrated probability
 *   the threshold that maximises F1 is F1*∕2 (Lipton, Elkan and Naryanaswamy, "Thresholding
 *   classifiers to maximize F1 score", 2014: a line at p adds p expected true positives against
 *   1 − p false ones, which pays while p > F1∕2). The best F1 is a sum over hundreds of lines and
 *   moves little when lines are added, where the arg-max sits on a flat top and moved by 0.05–0.3
 *   when 640 lines were added (Chinese objection_raised 0.425 → 0.35). On leave-one-pass-out
 *   scores it is also the better rule (analyzers/RESULTS.md, "Threshold stability"); it is not the
 *   default yet because switching moves two regression messages (same place).
 */
export type ThresholdRule = 'argmax' | 'half-f1';

/** No `half-f1` threshold below this: under 0.3 the model is more unsure than not. */
const HALF_F1_FLOOR = 0.3;

/** The threshold per action from the given lines' calibrated out-of-fold probabilities, by `rule`. */
export function chooseThresholds(
  examples: readonly Example[],
  probs: readonly Float64Array[],
  lines: readonly number[],
  rule: ThresholdRule = 'argmax',
): number[] {
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    const f1s = GRID.map((t) => {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const i of lines) {
        const y = examples[i]?.labels[k] === true;
        const yes = (probs[i]?.[k] ?? NaN) >= t;
        if (y && yes) tp++;
        else if (yes) fp++;
        else if (y) fn++;
      }
      return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    });
    const smooth = f1s.map((v, i) => (v + (f1s[i - 1] ?? v) + (f1s[i + 1] ?? v)) / 3);
    const best = Math.max(...smooth);
    let t: number;
    if (rule === 'half-f1') t = Math.max(HALF_F1_FLOOR, Math.round(best / 2 / 0.025) * 0.025);
    else {
      const at = smooth.map((v, i) => (v >= best - 1e-12 ? i : -1)).filter((i) => i >= 0);
      t = GRID[at[Math.floor((at.length - 1) / 2)] ?? 0] ?? 0.5;
    }
    out.push(Number(t.toFixed(3)));
  }
  return out;
}

/** The out-of-fold labels the calibrated probabilities and thresholds give, as metric input. */
export function judgeOutOfFold(
  examples: readonly Example[],
  oof: readonly FoldScores[],
  probs: readonly Float64Array[],
  thresholds: { zh: readonly number[]; en: readonly number[] },
): Judged[] {
  return examples.map((ex, i) => {
    const s = oof[i] as FoldScores;
    const { on, objection } = decide(probs[i] as Float64Array, thresholds[ex.lang], () => s.objection);
    const predicted = ACTION_KINDS.filter((_, k) => on[k]);
    const gold: ActionKind[] = ACTION_KINDS.filter((_, k) => ex.labels[k]);
    return {
      id: ex.id,
      lang: ex.lang,
      gold,
      predicted,
      goldObjection: ex.objection >= 0 ? OBJECTION_TYPES[ex.objection] : undefined,
      predictedObjection: objection,
    };
  });
}

/** Reliability of the calibrated out-of-fold probabilities over every (line, allowed action) pair of a language. */
export function outOfFoldReliability(examples: readonly Example[], probs: readonly Float64Array[], lang: 'zh' | 'en'): Reliability {
  const pairs: { p: number; y: boolean }[] = [];
  examples.forEach((ex, i) => {
    if (ex.lang !== lang) return;
    for (let k = 0; k < K; k++) {
      const p = probs[i]?.[k] ?? NaN;
      if (!Number.isNaN(p)) pairs.push({ p, y: ex.labels[k] === true });
    }
  });
  return reliability(pairs);
}
