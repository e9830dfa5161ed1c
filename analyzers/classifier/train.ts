/**
 * Training: one-vs-rest logistic regression per action and a softmax over objection types, both
 * over the hashed features of ./features.ts, fitted by seeded AdaGrad SGD (deterministic: same
 * corpus and options, same weights). Used by scripts/train.ts, which also runs the
 * cross-validation that picks the per-action thresholds; nothing here reads the test split.
 */
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import type { AnalyzerRole } from '../../core/types.ts';
import type { CorpusLine } from '../corpus/schema.ts';
import type { TeamLabel } from '../corpus/team-labels.ts';
import { extractFeatures, FeatureBuffer } from './features.ts';
import { finish, namespace } from './hash.ts';
import { ALLOWED, K, OBJ } from './labels.ts';

/** One corpus line as the trainer sees it. */
export interface Example {
  id: string;
  lang: 'zh' | 'en';
  role: AnalyzerRole;
  /** Bucket ids; `[0, textEnd)` are text features. */
  buckets: Uint32Array;
  textEnd: number;
  /** labels[k]: the line carries action k. */
  labels: boolean[];
  /** Index into OBJECTION_TYPES, or -1. */
  objection: number;
  /** The rules that fired: [rule id, action index]. */
  hits: [string, number][];
  /**
   * Cross-validation group: the writing pass the line comes from (zh-a, zh-b, en-c, zh-tr-d…).
   * A pass is always in one fold, so a line is scored by a model that saw nothing of its pass:
   * the cross-validated figures, the calibration and the thresholds then reflect messages
   * written elsewhere, which is what production (and the independent set) is.
   */
  group: string;
  /**
   * Per action, how much this line's label counts (undefined: every action, weight 1). A team
   * label (../corpus/team-labels.ts) knows one action only: that action has its weight, the
   * others 0, which one-vs-rest training takes as "unknown".
   */
  weights?: Float64Array;
  /** How much the objection type counts (0: no objection type known). */
  objectionWeight: number;
}

export interface TrainOptions {
  hashBits: number;
  epochs: number;
  /** AdaGrad base learning rate. */
  lr: number;
  /** L2 penalty per update. */
  l2: number;
  /** Features seen in fewer training lines are dropped (also what keeps the model file small). */
  minDf: number;
  /**
   * A rule whose hits carry its action on at least this share of the training lines it fires on
   * (and on at least `overrideMinHits` lines) forces its action whatever the model says.
   * Above 1: no overrides.
   */
  overridePrecision: number;
  overrideMinHits: number;
  /** Text features are scaled by 1/sqrt(their count) so long messages do not shout. */
  scaleText: boolean;
  seed: number;
  /**
   * The weights returned are the mean of the end-of-epoch weights from this share of the epochs
   * on (0.5: the second half). Averaging damps the last few SGD steps' noise, so one added line
   * (or a team label) does not reshuffle the whole model. 1: the last epoch's weights alone.
   */
  averageFrom: number;
  /**
   * Runs of SGD, each visiting the lines in its own order (seed, seed + 1, …), whose weights are
   * averaged: one run's model depends on its order enough to move the held-out macro-F1 by ±0.01;
   * the mean of a few is steadier. The model is still one linear model: no cost at run time.
   */
  ensemble: number;
}

export const DEFAULT_OPTIONS: TrainOptions = {
  hashBits: 18,
  epochs: 15,
  lr: 0.3,
  l2: 1e-4,
  minDf: 2,
  overridePrecision: 0.95,
  overrideMinHits: 3,
  scaleText: true,
  seed: 20240601,
  averageFrom: 0.5,
  ensemble: 3,
};

/** Turns corpus lines into examples. The language is detected as in production, not taken from the line. */
export function toExamples(lines: readonly CorpusLine[], hashBits: number): Example[] {
  const buf = new FeatureBuffer();
  const shift = 32 - hashBits;
  return lines.map((line) => {
    extractFeatures({ role: line.role, text: line.text, ...(line.attachments ? { attachments: line.attachments } : {}) }, buf);
    const buckets = new Uint32Array(buf.count);
    for (let i = 0; i < buf.count; i++) buckets[i] = (buf.hashes[i] ?? 0) >>> shift;
    return {
      id: line.id,
      lang: line.lang,
      role: line.role,
      buckets,
      textEnd: buf.textEnd,
      labels: ACTION_KINDS.map((k) => line.labels.includes(k)),
      objection: line.objection ? OBJECTION_TYPES.indexOf(line.objection) : -1,
      hits: buf.hits.map((h): [string, number] => [h.id, ACTION_KINDS.indexOf(h.kind)]),
      group: groupOf(line.id),
      objectionWeight: line.objection ? 1 : 0,
    };
  });
}

/**
 * Team labels as examples: each knows one action (its weight `weight`, the others 0), and the
 * objection type when an objection_raised label gives one. Never scored in cross-validation.
 */
export function toLabelExamples(labels: readonly TeamLabel[], hashBits: number, weight: number): Example[] {
  const buf = new FeatureBuffer();
  const shift = 32 - hashBits;
  return labels.map((label) => {
    extractFeatures({ role: label.role, text: label.text, ...(label.attachments ? { attachments: label.attachments } : {}) }, buf);
    const buckets = new Uint32Array(buf.count);
    for (let i = 0; i < buf.count; i++) buckets[i] = (buf.hashes[i] ?? 0) >>> shift;
    const k = ACTION_KINDS.indexOf(label.action);
    const weights = new Float64Array(K);
    weights[k] = weight;
    const objection = label.objection && label.value ? OBJECTION_TYPES.indexOf(label.objection) : -1;
    return {
      id: label.id,
      lang: label.lang,
      role: label.role,
      buckets,
      textEnd: buf.textEnd,
      labels: ACTION_KINDS.map((_, i) => i === k && label.value),
      objection,
      hits: buf.hits.map((h): [string, number] => [h.id, ACTION_KINDS.indexOf(h.kind)]),
      group: 'team',
      weights,
      objectionWeight: objection >= 0 ? weight : 0,
    };
  });
}

/** The cross-validation group of a corpus id: its writing pass, the id without its number ("zh-a-0123" → "zh-a", "en-0042" → "en"). */
export function groupOf(id: string): string {
  return id.replace(/-?\d+$/, '');
}

/** A trained model in trainer form: dense rows over the kept buckets. */
export interface Trained {
  options: TrainOptions;
  /** Kept bucket ids, ascending; row i of the weights belongs to buckets[i]. */
  buckets: Uint32Array;
  /** rows × (K + OBJ): action weights, then objection weights. */
  weights: Float64Array;
  bias: Float64Array;
  objectionBias: Float64Array;
}

export const COLS = K + OBJ;

/** mulberry32: a small seeded PRNG, so shuffles (and so weights) are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
  return items;
}

interface Local {
  rows: Int32Array;
  textEnd: number;
  ex: Example;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Fits the action and objection models on `examples`. */
export function train(examples: readonly Example[], options: TrainOptions = DEFAULT_OPTIONS): Trained {
  const runs = Math.max(1, Math.floor(options.ensemble));
  if (runs === 1) return trainOnce(examples, options);
  let sum: Trained | undefined;
  for (let r = 0; r < runs; r++) {
    const t = trainOnce(examples, { ...options, seed: options.seed + r });
    if (!sum) sum = t;
    else {
      for (let i = 0; i < t.weights.length; i++) sum.weights[i] = (sum.weights[i] ?? 0) + (t.weights[i] ?? 0);
      for (let k = 0; k < K; k++) sum.bias[k] = (sum.bias[k] ?? 0) + (t.bias[k] ?? 0);
      for (let o = 0; o < OBJ; o++) sum.objectionBias[o] = (sum.objectionBias[o] ?? 0) + (t.objectionBias[o] ?? 0);
    }
  }
  const out = sum as Trained;
  for (let i = 0; i < out.weights.length; i++) out.weights[i] = (out.weights[i] ?? 0) / runs;
  for (let k = 0; k < K; k++) out.bias[k] = (out.bias[k] ?? 0) / runs;
  for (let o = 0; o < OBJ; o++) out.objectionBias[o] = (out.objectionBias[o] ?? 0) / runs;
  return { ...out, options };
}

/** One SGD run. */
function trainOnce(examples: readonly Example[], options: TrainOptions): Trained {
  // Vocabulary: buckets in at least minDf lines, in ascending order (a stable row order).
  const df = new Map<number, number>();
  for (const ex of examples) {
    const seen = new Set<number>(ex.buckets);
    for (const b of seen) df.set(b, (df.get(b) ?? 0) + 1);
  }
  const kept = [...df]
    .filter(([, n]) => n >= options.minDf)
    .map(([b]) => b)
    .sort((a, b) => a - b);
  const rowOf = new Map<number, number>(kept.map((b, i) => [b, i]));
  const local: Local[] = examples.map((ex) => {
    const rows: number[] = [];
    let textEnd = 0;
    for (let i = 0; i < ex.buckets.length; i++) {
      const r = rowOf.get(ex.buckets[i] ?? 0);
      if (r === undefined) continue;
      rows.push(r);
      if (i < ex.textEnd) textEnd = rows.length;
    }
    return { rows: Int32Array.from(rows), textEnd, ex };
  });

  const W = new Float64Array(kept.length * COLS);
  const G = new Float64Array(kept.length * COLS);
  const bias = new Float64Array(K);
  const biasG = new Float64Array(K);
  const objBias = new Float64Array(OBJ);
  const objBiasG = new Float64Array(OBJ);
  // Each epoch visits lines in the order of a seeded hash of (epoch, id): a pure function of the
  // line, so adding lines (or team labels) inserts them without reordering the others.
  const orderKey = local.map((l) => namespace(l.ex.id) ^ options.seed);
  const order = local.map((_, i) => i);
  const avgFrom = Math.min(options.epochs - 1, Math.max(0, Math.floor(options.epochs * options.averageFrom)));
  const Wsum = new Float64Array(W.length);
  const biasSum = new Float64Array(K);
  const objBiasSum = new Float64Array(OBJ);
  let averaged = 0;
  const { lr, l2 } = options;
  const z = new Float64Array(COLS);
  const g = new Float64Array(COLS);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const keys = orderKey.map((h) => finish(h ^ Math.imul(epoch + 1, 0x9e3779b1)));
    order.sort((a, b) => (keys[a] ?? 0) - (keys[b] ?? 0) || a - b);
    for (const at of order) {
      const { rows, textEnd, ex } = local[at] as Local;
      const s = options.scaleText && textEnd > 0 ? 1 / Math.sqrt(textEnd) : 1;
      const allowed = ALLOWED[ex.role];
      const obj = ex.objection;
      z.fill(0);
      for (let i = 0; i < rows.length; i++) {
        const x = i < textEnd ? s : 1;
        const base = (rows[i] ?? 0) * COLS;
        for (let c = 0; c < COLS; c++) z[c] = (z[c] ?? 0) + x * (W[base + c] ?? 0);
      }
      // Action gradients (only the actions this role may carry) and, on objection lines, the softmax.
      const weights = ex.weights;
      for (let k = 0; k < K; k++) {
        const w = weights ? (weights[k] ?? 0) : 1;
        g[k] = allowed[k] && w !== 0 ? (sigmoid((z[k] ?? 0) + (bias[k] ?? 0)) - (ex.labels[k] ? 1 : 0)) * w : 0;
      }
      if (obj >= 0 && ex.objectionWeight > 0) {
        let max = -Infinity;
        for (let o = 0; o < OBJ; o++) max = Math.max(max, (z[K + o] ?? 0) + (objBias[o] ?? 0));
        let sum = 0;
        for (let o = 0; o < OBJ; o++) sum += Math.exp((z[K + o] ?? 0) + (objBias[o] ?? 0) - max);
        const w = ex.objectionWeight;
        for (let o = 0; o < OBJ; o++) g[K + o] = (Math.exp((z[K + o] ?? 0) + (objBias[o] ?? 0) - max) / sum - (o === obj ? 1 : 0)) * w;
      } else {
        for (let o = 0; o < OBJ; o++) g[K + o] = 0;
      }
      for (let i = 0; i < rows.length; i++) {
        const x = i < textEnd ? s : 1;
        const base = (rows[i] ?? 0) * COLS;
        for (let c = 0; c < COLS; c++) {
          const gc = g[c] ?? 0;
          if (gc === 0) continue;
          const w = W[base + c] ?? 0;
          const grad = gc * x + l2 * w;
          const acc = (G[base + c] ?? 0) + grad * grad;
          G[base + c] = acc;
          W[base + c] = w - (lr * grad) / Math.sqrt(acc + 1e-8);
        }
      }
      for (let k = 0; k < K; k++) {
        const gk = g[k] ?? 0;
        if (gk === 0) continue;
        biasG[k] = (biasG[k] ?? 0) + gk * gk;
        bias[k] = (bias[k] ?? 0) - (lr * gk) / Math.sqrt((biasG[k] ?? 0) + 1e-8);
      }
      if (obj >= 0 && ex.objectionWeight > 0) {
        for (let o = 0; o < OBJ; o++) {
          const go = g[K + o] ?? 0;
          objBiasG[o] = (objBiasG[o] ?? 0) + go * go;
          objBias[o] = (objBias[o] ?? 0) - (lr * go) / Math.sqrt((objBiasG[o] ?? 0) + 1e-8);
        }
      }
    }
    if (epoch >= avgFrom) {
      for (let i = 0; i < W.length; i++) Wsum[i] = (Wsum[i] ?? 0) + (W[i] ?? 0);
      for (let k = 0; k < K; k++) biasSum[k] = (biasSum[k] ?? 0) + (bias[k] ?? 0);
      for (let o = 0; o < OBJ; o++) objBiasSum[o] = (objBiasSum[o] ?? 0) + (objBias[o] ?? 0);
      averaged++;
    }
  }
  const mean = (xs: Float64Array): Float64Array => xs.map((x) => x / averaged);
  return { options, buckets: Uint32Array.from(kept), weights: mean(Wsum), bias: mean(biasSum), objectionBias: mean(objBiasSum) };
}

/** What the trained model says about one example: action probabilities and objection-type scores. */
export interface Scores {
  /** NaN for an action the role cannot carry. */
  probs: Float64Array;
  objection: Float64Array;
}

/** Scores examples with a trainer-form model (used for cross-validation). */
export function scoreExamples(model: Trained, examples: readonly Example[]): Scores[] {
  const rowOf = new Map<number, number>();
  model.buckets.forEach((b, i) => {
    rowOf.set(b, i);
  });
  return examples.map((ex) => {
    const z = new Float64Array(COLS);
    let textCount = 0;
    for (let i = 0; i < ex.textEnd; i++) if (rowOf.has(ex.buckets[i] ?? 0)) textCount++;
    const s = model.options.scaleText && textCount > 0 ? 1 / Math.sqrt(textCount) : 1;
    for (let i = 0; i < ex.buckets.length; i++) {
      const r = rowOf.get(ex.buckets[i] ?? 0);
      if (r === undefined) continue;
      const x = i < ex.textEnd ? s : 1;
      for (let c = 0; c < COLS; c++) z[c] = (z[c] ?? 0) + x * (model.weights[r * COLS + c] ?? 0);
    }
    const probs = new Float64Array(K);
    for (let k = 0; k < K; k++) probs[k] = ALLOWED[ex.role][k] ? sigmoid((z[k] ?? 0) + (model.bias[k] ?? 0)) : NaN;
    const objection = new Float64Array(OBJ);
    for (let o = 0; o < OBJ; o++) objection[o] = (z[K + o] ?? 0) + (model.objectionBias[o] ?? 0);
    return { probs, objection };
  });
}

/**
 * The precise rules: those whose action is on the line for at least `overridePrecision` of the
 * training lines they fire on, over at least `overrideMinHits` lines. Measured on the lines given
 * (in cross-validation, the training folds only).
 */
export function preciseRules(examples: readonly Example[], options: TrainOptions): string[] {
  const stats = new Map<string, { hits: number; right: number }>();
  for (const ex of examples) {
    // Partial (team) labels do not say whether a rule's action is on the line.
    if (ex.weights) continue;
    const seen = new Set<string>();
    for (const [id, k] of ex.hits) {
      if (seen.has(id)) continue;
      seen.add(id);
      const s = stats.get(id) ?? { hits: 0, right: 0 };
      s.hits++;
      if (ex.labels[k]) s.right++;
      stats.set(id, s);
    }
  }
  return [...stats]
    .filter(([, s]) => s.hits >= options.overrideMinHits && s.right / s.hits >= options.overridePrecision)
    .map(([id]) => id)
    .sort();
}
