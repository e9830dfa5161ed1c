/**
 * Interval estimates for the behaviour breakpoints: Wilson's score interval for one rate and
 * Newcombe's hybrid score interval (his method 10, from two Wilson intervals) for the difference
 * of two independent rates. Both stay inside [0, 1] (or [-1, 1]) and behave at small n and at
 * rates near 0 or 1, where the textbook normal interval does not.
 *
 * Newcombe RG. Interval estimation for the difference between independent proportions:
 * comparison of eleven methods. Statistics in Medicine 1998;17:873–890.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** A rate with its interval. */
export interface RateEstimate {
  /** Successes and trials. */
  k: number;
  n: number;
  /** k / n; null when n = 0. */
  rate: number | null;
  low: number;
  high: number;
}

/** Wilson's score interval for k successes in n trials; [0, 1] when n = 0. */
export function wilson(k: number, n: number, z = Z95): RateEstimate {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) throw new RangeError(`wilson: need 0 <= k <= n, got k=${k}, n=${n}`);
  if (n === 0) return { k, n, rate: null, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At k = 0 or k = n the bound is exactly 0 or 1; rounding must not move it off.
  return { k, n, rate: p, low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

/** The difference of two rates (a − b) with its interval. */
export interface DifferenceEstimate {
  /** null when either side has no trials. */
  diff: number | null;
  low: number;
  high: number;
}

/** Newcombe's hybrid score interval for p1 − p2 from two independent samples. */
export function newcombe(k1: number, n1: number, k2: number, n2: number, z = Z95): DifferenceEstimate {
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  if (a.rate === null || b.rate === null) return { diff: null, low: -1, high: 1 };
  const d = a.rate - b.rate;
  const low = d - Math.sqrt((a.rate - a.low) ** 2 + (b.high - b.rate) ** 2);
  const high = d + Math.sqrt((a.high - a.rate) ** 2 + (b.rate - b.low) ** 2);
  return { diff: d, low: Math.max(-1, low), high: Math.min(1, high) };
}

/** The z of a two-sided interval at `confidence` (0.5..0.9999…), by Acklam's inverse normal. */
export function zFor(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
  return inverseNormal(1 - (1 - confidence) / 2);
}

// Peter Acklam's rational approximation: relative error below 1.2e-9, plenty for an interval.
function inverseNormal(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  let x: number;
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lowTail) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

/** A ratio of two rates (a ÷ b) with its interval. */
export interface RatioEstimate {
  /** null when either side has no trials or b's rate is 0. */
  ratio: number | null;
  low: number;
  high: number;
}

/**
 * The ratio of two independent rates (the relative risk, here the lift of a behaviour) with
 * Katz's log interval. A side with no successes or no failures gets half a success added to each
 * cell first (Haldane–Anscombe), so the interval stays finite; the point estimate does not.
 */
export function rateRatio(k1: number, n1: number, k2: number, n2: number, z = Z95): RatioEstimate {
  if (n1 === 0 || n2 === 0) return { ratio: null, low: 0, high: Number.POSITIVE_INFINITY };
  const ratio = k2 === 0 ? null : k1 / n1 / (k2 / n2);
  const fix = k1 === 0 || k2 === 0 || k1 === n1 || k2 === n2 ? 0.5 : 0;
  const a = k1 + fix;
  const c = k2 + fix;
  const m1 = n1 + 2 * fix;
  const m2 = n2 + 2 * fix;
  const log = Math.log(a / m1 / (c / m2));
  const se = Math.sqrt(1 / a - 1 / m1 + 1 / c - 1 / m2);
  return { ratio, low: Math.exp(log - z * se), high: Math.exp(log + z * se) };
}
