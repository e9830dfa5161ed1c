/**
 * Cross-validation inside the training split: out-of-fold probabilities for every training
 * line, per-action thresholds chosen on them, and the figures those thresholds give. This is
 * the only place thresholds and options are tuned; the held-out split is never read here.
 */
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import type { ActionKind } from '../../core/types.ts';
import { decide } from './decide.ts';
import { K, OBJ } from './labels.ts';
import type { Judged } from './metrics.ts';
import { ALLOWED } from './labels.ts';
import { preciseRules, rng, scoreExamples, shuffle, train } from './train.ts';
import type { Example, Scores, TrainOptions } from './train.ts';

/** Out-of-fold scores of one line, with the actions its precise rules force (chosen on the other folds). */
export interface FoldScores extends Scores {
  forced: number[];
}

/** Out-of-fold scores: each line scored by the model trained on the other folds. */
export function outOfFold(examples: readonly Example[], options: TrainOptions, folds: number): FoldScores[] {
  const order = shuffle(
    examples.map((_, i) => i),
    rng(options.seed ^ 0x5eed),
  );
  const foldOf = new Int32Array(examples.length);
  order.forEach((line, i) => {
    foldOf[line] = i % folds;
  });
  const out: FoldScores[] = new Array<FoldScores>(examples.length);
  for (let f = 0; f < folds; f++) {
    const held = examples.map((_, i) => i).filter((i) => foldOf[i] === f);
    const rest = examples.filter((_, i) => foldOf[i] !== f);
    const model = train(rest, options);
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

/** The actions the precise rules that fired on `ex` force, for its role. */
export function forcedBy(ex: Example, precise: ReadonlySet<string>): number[] {
  const out: number[] = [];
  for (const [id, k] of ex.hits) if (precise.has(id) && ALLOWED[ex.role][k] && !out.includes(k)) out.push(k);
  return out;
}

/**
 * Candidate thresholds: 0.2, 0.225, …, 0.9. Below 0.2 the model is more unsure than not; lower
 * thresholds won a few cross-validation lines (±0.001 macro-F1) and produced odd extras on plain
 * messages, so the floor is a prior, not a tuned value.
 */
const GRID = Array.from({ length: 29 }, (_, i) => 0.2 + i * 0.025);

/**
 * The threshold per action that maximises F1 over the given lines' out-of-fold probabilities.
 * F1 is averaged with its two grid neighbours first, so a lone spike on a few lines does not
 * pick a brittle threshold; on a plateau the middle of it wins.
 */
export function chooseThresholds(examples: readonly Example[], oof: readonly FoldScores[], lines: readonly number[]): number[] {
  const out: number[] = [];
  for (let k = 0; k < K; k++) {
    const f1s = GRID.map((t) => {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const i of lines) {
        const s = oof[i];
        const y = examples[i]?.labels[k] === true;
        // A forced action is on whatever the threshold: the threshold only decides the rest.
        const yes = (s?.probs[k] ?? NaN) >= t || s?.forced.includes(k) === true;
        if (y && yes) tp++;
        else if (yes) fp++;
        else if (y) fn++;
      }
      return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    });
    const smooth = f1s.map((v, i) => (v + (f1s[i - 1] ?? v) + (f1s[i + 1] ?? v)) / 3);
    const best = Math.max(...smooth);
    const at = smooth.map((v, i) => (v >= best - 1e-12 ? i : -1)).filter((i) => i >= 0);
    out.push(GRID[at[Math.floor((at.length - 1) / 2)] ?? 0] ?? 0.5);
  }
  return out;
}

/** The out-of-fold labels the given thresholds produce, as metric input. */
export function judgeOutOfFold(
  examples: readonly Example[],
  oof: readonly FoldScores[],
  thresholds: { zh: readonly number[]; en: readonly number[] },
): Judged[] {
  return examples.map((ex, i) => {
    const s = oof[i] as FoldScores;
    const { on, objection } = decide(s.probs, thresholds[ex.lang], s.forced, () => argmax(s.objection));
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

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < OBJ; i++) if ((xs[i] ?? -Infinity) > (xs[best] ?? -Infinity)) best = i;
  return best;
}
