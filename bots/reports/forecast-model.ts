/**
 * The forecast's arithmetic, pure: stage-to-won probabilities learned from a team's closed deals
 * and blended with playbook priors, the expected close of an open deal from its time in stage,
 * the weighted pipeline, and the calibration measures (Brier score, reliability table).
 *
 * The blend is a Beta prior: a stage's prior probability p0 counts as `PRIOR_WEIGHT` deals, so
 * with k won of n closed deals that were ever in the stage, p = (k + K·p0) / (n + K). With no
 * history p = p0; with 200 closed deals the prior weighs 5%.
 */

import { DEFAULT_WIN_PRIORS } from '../catalog/schema.ts';

/** Pseudo-deals the playbook prior counts as (K of the Beta(K·p0, K·(1−p0)) prior). */
export const PRIOR_WEIGHT = 10;

/** The playbook's default win priors (funnel.winPriors overrides them). */
export const DEFAULT_PRIORS = DEFAULT_WIN_PRIORS;

/** The quantiles kept of a stage's "days from entering it to winning" (5%, 10%, … 95%). */
export const QUANTILE_LEVELS: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

/** What a team's closed deals say about one stage. */
export interface StageHistory {
  /** Closed deals that were ever in the stage, and how many of them were won. */
  closed: number;
  won: number;
  /** Days from entering the stage to the win, at QUANTILE_LEVELS; empty without a won deal. */
  wonDays: number[];
  /**
   * Days spent in the stage by the deals that went on to win, and by those that were lost, at
   * QUANTILE_LEVELS (empty when there are none): a deal still sitting in a stage long after won
   * deals left it is less likely to win.
   */
  wonDwell: number[];
  lostDwell: number[];
}

/** A stage's learned chance, with what it rests on. */
export interface StageChance {
  p: number;
  prior: number;
  closed: number;
  won: number;
  /** Share of the estimate that comes from the team's own deals: n / (n + K). */
  learned: number;
}

/** The prior of `stage` on `path` (the winning path, lead … negotiation). */
export function priorOf(stage: string, path: readonly string[], priors: Readonly<Record<string, number>> = DEFAULT_PRIORS): number {
  const given = priors[stage];
  if (given !== undefined) return given;
  const i = path.indexOf(stage);
  return i < 0 ? 0.1 : Math.min(0.9, (i + 1) / (path.length + 1));
}

/**
 * The blended chance of winning from `stage` for a deal that has spent `elapsed` days in it: the
 * won and lost counts are weighted by the share of each that were still in the stage after that
 * long (survival read off the dwell quantiles), then blended with the prior. Without `elapsed`,
 * the plain stage chance.
 */
export function stageChance(h: StageHistory | undefined, prior: number, k = PRIOR_WEIGHT, elapsed?: number): StageChance {
  const closed = h?.closed ?? 0;
  const won = h?.won ?? 0;
  let kw = won;
  let nw = closed;
  if (h && elapsed !== undefined && elapsed > 0 && closed > 0) {
    const sw = won > 0 ? survival(h.wonDwell, elapsed) : 0;
    const sl = closed - won > 0 ? survival(h.lostDwell, elapsed) : 0;
    kw = won * sw;
    nw = kw + (closed - won) * sl;
  }
  return { p: (kw + k * prior) / (nw + k), prior, closed, won, learned: nw / (nw + k) };
}

/** The share of deals still in the stage after `days`, from the dwell quantiles. */
export function survival(q: readonly number[], days: number): number {
  if (q.length !== QUANTILE_LEVELS.length) return 1;
  if (days <= q[0]!) return 1 - (QUANTILE_LEVELS[0]! * Math.max(0, days)) / Math.max(q[0]!, 1e-9);
  const last = q.at(-1)!;
  if (days >= last) {
    // Past the 95th percentile: the last 5% thin out at the pace of the upper half.
    const scale = Math.max(1, last - quantileAt(q, 0.5));
    return 0.05 * Math.exp(-(days - last) / scale);
  }
  let i = 0;
  while (q[i + 1]! < days) i++;
  const span = q[i + 1]! - q[i]!;
  return 1 - (QUANTILE_LEVELS[i]! + (span > 0 ? ((days - q[i]!) / span) * 0.05 : 0));
}

const DAY = 86_400_000;

/**
 * Days still to go until the win for a deal that has spent `elapsed` days in its stage: the median
 * of the won deals' time from that stage *among those that took longer than `elapsed`*, minus
 * `elapsed` (read off the quantiles by linear interpolation). Without won history, `fallbackDays`
 * less the time already spent, and at least one day.
 */
export function remainingDays(wonDays: readonly number[], elapsed: number, fallbackDays: number): number {
  if (wonDays.length !== QUANTILE_LEVELS.length) return Math.max(1, fallbackDays - elapsed);
  const q = wonDays;
  // F(elapsed): the share of won deals that had already closed by now.
  let f: number;
  if (elapsed <= q[0]!) f = (QUANTILE_LEVELS[0]! * Math.max(0, elapsed)) / Math.max(q[0]!, 1e-9);
  else if (elapsed >= q.at(-1)!) f = 1;
  else {
    let i = 0;
    while (q[i + 1]! < elapsed) i++;
    const span = q[i + 1]! - q[i]!;
    f = QUANTILE_LEVELS[i]! + (span > 0 ? ((elapsed - q[i]!) / span) * 0.05 : 0);
  }
  // Past the 95th percentile the history says nothing more: a week, as the next check-in.
  if (f >= QUANTILE_LEVELS.at(-1)!) return 7;
  const target = f + (1 - f) / 2;
  return Math.max(1, quantileAt(q, target) - elapsed);
}

function quantileAt(q: readonly number[], level: number): number {
  if (level <= QUANTILE_LEVELS[0]!) return q[0]!;
  if (level >= QUANTILE_LEVELS.at(-1)!) return q.at(-1)!;
  const pos = level * 20 - 1;
  const i = Math.floor(pos);
  return q[i]! + (pos - i) * (q[i + 1]! - q[i]!);
}

/** The expected close of a deal that entered its stage at `stageAt`. */
export function expectedClose(stageAt: Date, now: Date, wonDays: readonly number[], fallbackDays: number): Date {
  const elapsed = Math.max(0, (now.getTime() - stageAt.getTime()) / DAY);
  return new Date(now.getTime() + remainingDays(wonDays, elapsed, fallbackDays) * DAY);
}

/** One deal in a forecast. */
export interface ForecastDeal {
  id: string;
  name: string;
  ownerId: string | null;
  ownerName: string | null;
  teamId: string | null;
  stage: string;
  amount: number | null;
  p: number;
  expectedClose: Date;
  /** amount × p (0 without an amount). */
  weighted: number;
  /** Set by a what-if: the deal taken as won or lost. */
  assumed?: 'won' | 'lost';
}

/** Σ amount × p over the deals. */
export function weightedPipeline(deals: readonly Pick<ForecastDeal, 'weighted'>[]): number {
  return deals.reduce((s, d) => s + d.weighted, 0);
}

/**
 * The deals with one taken as won (p = 1, closing now) or lost (p = 0). A deal taken as won weighs
 * nothing: it counts where a won deal does, so the open pipeline and the carriers leave it out.
 */
export function assume<T extends ForecastDeal>(deals: readonly T[], id: string, outcome: 'won' | 'lost', now: Date): T[] {
  return deals.map((d) =>
    d.id !== id
      ? d
      : {
          ...d,
          p: outcome === 'won' ? 1 : 0,
          weighted: 0,
          expectedClose: outcome === 'won' ? now : d.expectedClose,
          assumed: outcome,
        },
  );
}

/** A reliability bin: deals whose predicted chance fell in [low, high). */
export interface ReliabilityBin {
  low: number;
  high: number;
  n: number;
  /** Mean predicted chance and observed win share in the bin (null when empty). */
  predicted: number | null;
  observed: number | null;
}

export interface Calibration {
  n: number;
  brier: number;
  /** The Brier score of always predicting the training base rate. */
  baseRateBrier: number;
  baseRate: number;
  bins: ReliabilityBin[];
}

/**
 * Brier score and reliability table of predictions against outcomes (1 won, 0 lost). Each
 * prediction's `base` is what a predictor that knows nothing of stages would have said then (its
 * training set's win share); `baseRate` reports their mean.
 */
export function calibration(xs: readonly { p: number; won: boolean; base: number }[], bins = 10): Calibration {
  const table: ReliabilityBin[] = Array.from({ length: bins }, (_, i) => ({ low: i / bins, high: (i + 1) / bins, n: 0, predicted: 0, observed: 0 }));
  let brier = 0;
  let base = 0;
  let baseSum = 0;
  for (const x of xs) {
    const y = x.won ? 1 : 0;
    brier += (x.p - y) ** 2;
    base += (x.base - y) ** 2;
    baseSum += x.base;
    const b = table[Math.min(bins - 1, Math.floor(x.p * bins))]!;
    b.n++;
    b.predicted! += x.p;
    b.observed! += y;
  }
  for (const b of table) {
    b.predicted = b.n === 0 ? null : b.predicted! / b.n;
    b.observed = b.n === 0 ? null : b.observed! / b.n;
  }
  const n = xs.length;
  return { n, brier: n === 0 ? 0 : brier / n, baseRateBrier: n === 0 ? 0 : base / n, baseRate: n === 0 ? 0 : baseSum / n, bins: table };
}
