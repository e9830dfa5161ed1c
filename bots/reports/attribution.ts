/**
 * Attribution (`/breakpoints 归因`): which behaviours precede a stage advance, ranked by lift —
 * the advance rate with the behaviour ÷ the rate without it — each with Katz's 95% interval and
 * its n, for the scope as a whole, per team and per rep; and what the reps who advance most do
 * differently from the rest of the team (how often they do each behaviour when it comes up).
 *
 * Everything is read from one breakpoints query (bots/reports/breakpoints.ts: its per-owner rows
 * carry the advance counts), so attribution costs what `/breakpoints` costs. A lift is shown only
 * when both sides have `minDeals` occasions (the same 样本不足 rule as the breakpoints).
 */
import type { Db } from '../../db/client.ts';
import { type BreakpointParams, type BreakpointReport, breakpoints, type RepBehaviour } from './breakpoints.ts';
import { type RateEstimate, type RatioEstimate, rateRatio, wilson, Z95 } from './stats.ts';

/** One behaviour's lift on stage advance. */
export interface Lift {
  key: string;
  label: string;
  with: RateEstimate;
  without: RateEstimate;
  lift: RatioEstimate;
  /** Both sides have at least `minDeals` occasions old enough to judge. */
  enough: boolean;
}

/** One rep: how often they advance, and each behaviour as they do it against the rest of the team. */
export interface RepAttribution {
  ownerId: string;
  ownerName: string;
  teamId: string | null;
  /** Advanced within the horizon over all their judged occasions. */
  advance: RateEstimate;
  behaviours: Array<{
    key: string;
    /** How often they did it when it came up. */
    done: number;
    n: number;
    /** Their own lift (on their own deals), with the same sample floor. */
    lift: Lift;
  }>;
}

/** The behaviours the best reps do more often than the rest of the team. */
export interface BestRepsDifference {
  /** The reps with the highest advance rate (the top third, at least one), best first. */
  reps: Array<{ ownerId: string; ownerName: string; advance: RateEstimate }>;
  behaviours: Array<{ key: string; label: string; best: RateEstimate; rest: RateEstimate; difference: number | null }>;
}

export interface AttributionReport {
  /** Ranked: lifts with enough deals by lift, highest first; then those with too few. */
  behaviours: Lift[];
  teams: Array<{ teamId: string; behaviours: Lift[] }>;
  reps: RepAttribution[];
  /** Null when fewer than two reps have judged occasions. */
  best: BestRepsDifference | null;
  minDeals: number;
  advanceDays: number;
}

export interface AttributionParams extends BreakpointParams {
  /** The team of an owner (from the directory), for the per-team figures. */
  teamOf: (ownerId: string) => string | null;
}

/** Attribution over the deals in scope (one breakpoints query). */
export async function attribution(db: Db, params: AttributionParams): Promise<AttributionReport> {
  const report = await breakpoints(db, params);
  return attributionOf(report, params.teamOf, params.z ?? Z95);
}

/** Attribution from a breakpoints report (pure: the console reuses a report it already has). */
export function attributionOf(report: BreakpointReport, teamOf: (ownerId: string) => string | null, z = Z95): AttributionReport {
  const { minDeals } = report;
  const labels = new Map(report.behaviours.map((b) => [b.key, b.label]));
  const keys = report.behaviours.map((b) => b.key);
  const liftOf = (key: string, a: RepBehaviour['advance']): Lift => ({
    key,
    label: labels.get(key) ?? key,
    with: wilson(a.withK, a.withN, z),
    without: wilson(a.withoutK, a.withoutN, z),
    lift: rateRatio(a.withK, a.withN, a.withoutK, a.withoutN, z),
    enough: a.withN >= minDeals && a.withoutN >= minDeals,
  });
  const overall = report.behaviours.map((b) =>
    liftOf(b.key, { withK: b.advance.with.k, withN: b.advance.with.n, withoutK: b.advance.without.k, withoutN: b.advance.without.n }),
  );

  const sum = (rows: readonly RepBehaviour[], key: string) => {
    const a = { withK: 0, withN: 0, withoutK: 0, withoutN: 0 };
    for (const r of rows)
      if (r.behaviour === key) {
        a.withK += r.advance.withK;
        a.withN += r.advance.withN;
        a.withoutK += r.advance.withoutK;
        a.withoutN += r.advance.withoutN;
      }
    return a;
  };
  const byTeam = new Map<string, RepBehaviour[]>();
  const byOwner = new Map<string, RepBehaviour[]>();
  for (const r of report.byRep) {
    const team = teamOf(r.ownerId);
    if (team !== null) byTeam.set(team, [...(byTeam.get(team) ?? []), r]);
    byOwner.set(r.ownerId, [...(byOwner.get(r.ownerId) ?? []), r]);
  }
  const teams = [...byTeam].map(([teamId, rows]) => ({ teamId, behaviours: rank(keys.map((k) => liftOf(k, sum(rows, k)))) }));

  const reps: RepAttribution[] = [...byOwner].map(([ownerId, rows]) => {
    let k = 0;
    let n = 0;
    for (const r of rows) {
      k += r.advance.withK + r.advance.withoutK;
      n += r.advance.withN + r.advance.withoutN;
    }
    return {
      ownerId,
      ownerName: rows[0]!.ownerName,
      teamId: teamOf(ownerId),
      advance: wilson(k, n, z),
      behaviours: keys.flatMap((key) => {
        const row = rows.find((r) => r.behaviour === key);
        return row ? [{ key, done: row.done, n: row.n, lift: liftOf(key, row.advance) }] : [];
      }),
    };
  });
  reps.sort((a, b) => (b.advance.rate ?? -1) - (a.advance.rate ?? -1) || a.ownerName.localeCompare(b.ownerName));
  return { behaviours: rank(overall), teams, reps, best: bestReps(reps, keys, labels, z), minDeals, advanceDays: report.advanceDays };
}

/** Enough-sample lifts by lift (then the lower bound), highest first; the thin ones after, by n. */
export function rank(lifts: readonly Lift[]): Lift[] {
  const score = (l: Lift) => (l.enough && l.lift.ratio !== null ? l.lift.ratio : Number.NEGATIVE_INFINITY);
  return [...lifts].sort(
    (a, b) => score(b) - score(a) || b.lift.low - a.lift.low || b.with.n + b.without.n - (a.with.n + a.without.n) || a.key.localeCompare(b.key),
  );
}

/**
 * The top third of the reps by advance rate against the others: how often each group did each
 * behaviour when it came up. Reps with no judged occasion are left out.
 */
function bestReps(reps: readonly RepAttribution[], keys: readonly string[], labels: Map<string, string>, z: number): BestRepsDifference | null {
  const judged = reps.filter((r) => r.advance.n > 0);
  if (judged.length < 2) return null;
  const top = judged.slice(0, Math.max(1, Math.floor(judged.length / 3)));
  const rest = judged.slice(top.length);
  const share = (group: readonly RepAttribution[], key: string) => {
    let done = 0;
    let n = 0;
    for (const r of group)
      for (const b of r.behaviours)
        if (b.key === key) {
          done += b.done;
          n += b.n;
        }
    return wilson(done, n, z);
  };
  return {
    reps: top.map((r) => ({ ownerId: r.ownerId, ownerName: r.ownerName, advance: r.advance })),
    behaviours: keys
      .map((key) => {
        const best = share(top, key);
        const others = share(rest, key);
        return {
          key,
          label: labels.get(key) ?? key,
          best,
          rest: others,
          difference: best.rate === null || others.rate === null ? null : best.rate - others.rate,
        };
      })
      .sort((a, b) => (b.difference ?? Number.NEGATIVE_INFINITY) - (a.difference ?? Number.NEGATIVE_INFINITY)),
  };
}
