/**
 * Calibration: turns the logistic regression's raw probability of an action into a probability
 * that means what it says (of the messages given 0.7, about 70% carry the action). One Platt
 * scaling per action and language, fitted on out-of-fold scores inside the training split
 * (./cross-validate.ts), with the firing of a precise rule as a second input:
 *
 *   p = sigmoid(a · logit(raw) + b + c · forced)
 *
 * Platt's smoothed targets ((n₊ + 1)/(n₊ + 2) and 1/(n₋ + 2)) and a small ridge keep a fit on a
 * few dozen positives from promising certainty. Also the measures of calibration: the reliability
 * table and the expected calibration error (ECE) over equal-width bins.
 */

/** One action's calibration: [a, b, c] as above. */
export type PlattParams = [number, number, number];

/** The identity-like map for an action with too few lines to fit: raw probability, forced ignored. */
export const IDENTITY: PlattParams = [1, 0, 0];

const LOGIT_CLAMP = 30;

export function logit(p: number): number {
  if (!(p > 0)) return -LOGIT_CLAMP;
  if (!(p < 1)) return LOGIT_CLAMP;
  const z = Math.log(p / (1 - p));
  return Math.min(LOGIT_CLAMP, Math.max(-LOGIT_CLAMP, z));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The calibrated probability of one action. */
export function calibrated(params: ArrayLike<number>, raw: number, forced: boolean): number {
  return sigmoid((params[0] ?? 1) * logit(raw) + (params[1] ?? 0) + (forced ? (params[2] ?? 0) : 0));
}

/** One line of calibration data: the raw out-of-fold probability, whether a precise rule fired, the truth. */
export interface CalibrationPoint {
  raw: number;
  forced: boolean;
  label: boolean;
}

/**
 * Fits [a, b, c] by Newton's method on the smoothed log-loss with a ridge on a − 1 and c (b is
 * free), so sparse data pulls toward "trust the raw score". Deterministic.
 */
export function fitPlatt(points: readonly CalibrationPoint[], ridge = 0.01): PlattParams {
  let pos = 0;
  for (const p of points) if (p.label) pos++;
  const neg = points.length - pos;
  if (pos === 0 || neg === 0) return [...IDENTITY];
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const xs = points.map((p) => logit(p.raw));
  let a = 1;
  let b = 0;
  let c = 0;
  for (let iter = 0; iter < 100; iter++) {
    // Gradient and Hessian of the mean loss over (a, b, c).
    const g = [0, 0, 0];
    const h = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    for (let i = 0; i < points.length; i++) {
      const x = xs[i] ?? 0;
      const f = points[i]?.forced ? 1 : 0;
      const t = points[i]?.label ? hi : lo;
      const q = sigmoid(a * x + b + c * f);
      const r = q - t;
      const w = q * (1 - q);
      const v = [x, 1, f];
      for (let j = 0; j < 3; j++) {
        g[j] = (g[j] ?? 0) + r * (v[j] ?? 0);
        for (let k = 0; k < 3; k++) (h[j] as number[])[k] = ((h[j] as number[])[k] ?? 0) + w * (v[j] ?? 0) * (v[k] ?? 0);
      }
    }
    const n = points.length;
    for (let j = 0; j < 3; j++) {
      g[j] = (g[j] ?? 0) / n;
      for (let k = 0; k < 3; k++) (h[j] as number[])[k] = ((h[j] as number[])[k] ?? 0) / n;
    }
    g[0] = (g[0] ?? 0) + ridge * (a - 1);
    g[2] = (g[2] ?? 0) + ridge * c;
    (h[0] as number[])[0] = ((h[0] as number[])[0] ?? 0) + ridge;
    (h[2] as number[])[2] = ((h[2] as number[])[2] ?? 0) + ridge;
    (h[1] as number[])[1] = ((h[1] as number[])[1] ?? 0) + 1e-9;
    const d = solve3(h, g);
    if (d === null) break;
    // Damped step: Newton on a logistic loss can overshoot from a far start.
    let step = 1;
    const size = Math.max(Math.abs(d[0]), Math.abs(d[1]), Math.abs(d[2]));
    if (size > 5) step = 5 / size;
    a -= step * d[0];
    b -= step * d[1];
    c -= step * d[2];
    if (size * step < 1e-9) break;
  }
  const round = (x: number): number => Number(x.toPrecision(6));
  return [round(a), round(b), round(c)];
}

/** Solves the 3×3 system h·x = g (Cramer's rule); null when singular. */
function solve3(h: number[][], g: number[]): [number, number, number] | null {
  const m = (r: number, c: number): number => (h[r] as number[])[c] ?? 0;
  const det3 = (a: number[][]): number =>
    (a[0]?.[0] ?? 0) * ((a[1]?.[1] ?? 0) * (a[2]?.[2] ?? 0) - (a[1]?.[2] ?? 0) * (a[2]?.[1] ?? 0)) -
    (a[0]?.[1] ?? 0) * ((a[1]?.[0] ?? 0) * (a[2]?.[2] ?? 0) - (a[1]?.[2] ?? 0) * (a[2]?.[0] ?? 0)) +
    (a[0]?.[2] ?? 0) * ((a[1]?.[0] ?? 0) * (a[2]?.[1] ?? 0) - (a[1]?.[1] ?? 0) * (a[2]?.[0] ?? 0));
  const base = [0, 1, 2].map((r) => [0, 1, 2].map((c) => m(r, c)));
  const det = det3(base);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-14) return null;
  const col = (c: number): number => det3(base.map((row, r) => row.map((v, k) => (k === c ? (g[r] ?? 0) : v)))) / det;
  return [col(0), col(1), col(2)];
}

/** One bin of a reliability table. */
export interface ReliabilityBin {
  from: number;
  to: number;
  n: number;
  /** Mean predicted probability in the bin. */
  confidence: number;
  /** Share of the bin's predictions that were right. */
  observed: number;
}

export interface Reliability {
  n: number;
  bins: ReliabilityBin[];
  /** Σ n_b / n · |observed_b − confidence_b|. */
  ece: number;
  /** The largest |observed − confidence| over bins with at least 10 predictions. */
  maxGap: number;
}

/** The reliability table of (probability, outcome) pairs over `bins` equal-width bins. */
export function reliability(pairs: readonly { p: number; y: boolean }[], bins = 10): Reliability {
  const n = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (const { p, y } of pairs) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    n[b] = (n[b] ?? 0) + 1;
    sumP[b] = (sumP[b] ?? 0) + p;
    if (y) sumY[b] = (sumY[b] ?? 0) + 1;
  }
  let ece = 0;
  let maxGap = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const nb = n[b] ?? 0;
    const confidence = nb ? (sumP[b] ?? 0) / nb : 0;
    const observed = nb ? (sumY[b] ?? 0) / nb : 0;
    if (nb) ece += (nb / pairs.length) * Math.abs(observed - confidence);
    if (nb >= 10) maxGap = Math.max(maxGap, Math.abs(observed - confidence));
    out.push({ from: b / bins, to: (b + 1) / bins, n: nb, confidence, observed });
  }
  return { n: pairs.length, bins: out, ece, maxGap };
}
