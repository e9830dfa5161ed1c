/**
 * The planted truth of a generated sales history (`npm run seed:history`): how often each
 * behaviour the playbook names happens, and how it moves a deal's chance of reaching the next
 * stage. From these the true rates of advancing and of winning, with and without each behaviour,
 * follow exactly (`plantedRates`), so the breakpoints computed from the generated rows can be
 * checked against them.
 *
 * A generated deal walks the funnel lead → contacted → qualified → demo → proposal → negotiation
 * → won; at each stage it advances with the probability below, else it is lost there. Behaviours
 * are drawn independently of each other.
 */

/** The behaviours the breakpoints measure (see breakpoints.ts). */
export type BehaviourKey = 'question-unanswered-2h' | 'demo-golden-48h' | 'quote-follow-up-3d' | 'atom-used' | 'objection-handled-same-day';

export interface HistoryModel {
  /** contacted → qualified. */
  qualify: number;
  /** qualified: a customer question (a `question-unanswered-2h` timer), answered in time or not. */
  question: { p: number; prevalence: number; advanceWith: number; advanceWithout: number; advanceNoTrigger: number };
  /** demo: a demo meeting (a `demo-golden-48h` timer); material within two working days or not. */
  material: { prevalence: number; advanceWith: number; advanceWithout: number };
  /**
   * proposal, after a quote: a follow-up within 3 days, and (when an atom was pushed) the atom
   * used; advance = base + followUp + atomUsed, each added when the behaviour happened.
   */
  proposal: { followUpPrevalence: number; atomPushed: number; atomPrevalence: number; base: number; followUp: number; atomUsed: number };
  /** negotiation: a customer objection, handled the same day or not; then won or lost. */
  objection: { p: number; prevalence: number; winWith: number; winWithout: number; winNoTrigger: number };
  /**
   * How much more (or less) often each rep does every behaviour than the prevalences above: the
   * reps, sorted by id, take these multipliers in turn (rep i gets `repSkill[i % length]`), and a
   * better rep also multi-threads more. The effects of a behaviour do not depend on who does it,
   * so the best reps win more only by doing the right things more often.
   */
  repSkill: readonly number[];
}

export const DEFAULT_MODEL: HistoryModel = {
  qualify: 0.9,
  question: { p: 0.9, prevalence: 0.6, advanceWith: 0.8, advanceWithout: 0.5, advanceNoTrigger: 0.65 },
  material: { prevalence: 0.5, advanceWith: 0.75, advanceWithout: 0.4 },
  proposal: { followUpPrevalence: 0.55, atomPushed: 0.7, atomPrevalence: 0.45, base: 0.4, followUp: 0.25, atomUsed: 0.2 },
  objection: { p: 0.8, prevalence: 0.6, winWith: 0.8, winWithout: 0.45, winNoTrigger: 0.65 },
  repSkill: [1.4, 1, 0.6],
};

/** A prevalence scaled by a rep's skill, kept a probability. */
export function skilled(prevalence: number, skill: number): number {
  return Math.min(0.98, Math.max(0.02, prevalence * skill));
}

/** The skill of the rep at `index` among the sorted owners. */
export function skillOf(m: HistoryModel, index: number): number {
  return m.repSkill.length === 0 ? 1 : m.repSkill[index % m.repSkill.length]!;
}

/** True rates of one behaviour: advancing to the next stage, and winning, with and without it. */
export interface PlantedRates {
  advance: { with: number; without: number };
  win: { with: number; without: number };
}

/**
 * The true rates the model implies for every behaviour (exact, not simulated), for a history
 * drawn over `reps` owners (each deal's owner drawn uniformly). Reps differ in how often they do
 * the behaviours, so the deals with a behaviour are more often the better reps', whose later
 * stages go better too: each rate is the mixture over reps, weighted by how often each rep's
 * deals reach the behaviour's stage and do (or miss) it.
 */
export function plantedRates(m: HistoryModel = DEFAULT_MODEL, reps = 1): Record<BehaviourKey, PlantedRates> {
  const q = m.question;
  const pr = m.proposal;
  const o = m.objection;
  type Side = { w: number; adv: number; after: number };
  const sides: Record<BehaviourKey, { with: Side[]; without: Side[] }> = {
    'question-unanswered-2h': { with: [], without: [] },
    'demo-golden-48h': { with: [], without: [] },
    'quote-follow-up-3d': { with: [], without: [] },
    'atom-used': { with: [], without: [] },
    'objection-handled-same-day': { with: [], without: [] },
  };
  for (let r = 0; r < reps; r++) {
    const s = skillOf(m, r);
    const pq = skilled(q.prevalence, s);
    const pm = skilled(m.material.prevalence, s);
    const pf = skilled(pr.followUpPrevalence, s);
    const pa = skilled(pr.atomPrevalence, s);
    const po = skilled(o.prevalence, s);
    // Each stage's advance rate over every deal of this rep that reaches it, whatever happened there.
    const demoAll = pm * m.material.advanceWith + (1 - pm) * m.material.advanceWithout;
    const atomShare = pr.atomPushed * pa;
    const proposalAll = pr.base + pf * pr.followUp + atomShare * pr.atomUsed;
    const negotiationAll = o.p * (po * o.winWith + (1 - po) * o.winWithout) + (1 - o.p) * o.winNoTrigger;
    const reachDemo = m.qualify * (q.p * (pq * q.advanceWith + (1 - pq) * q.advanceWithout) + (1 - q.p) * q.advanceNoTrigger);
    const reachProposal = reachDemo * demoAll;
    const reachNegotiation = reachProposal * proposalAll;
    const add = (key: BehaviourKey, reach: number, p: number, advWith: number, advWithout: number, after: number) => {
      sides[key].with.push({ w: reach * p, adv: advWith, after });
      sides[key].without.push({ w: reach * (1 - p), adv: advWithout, after });
    };
    add('question-unanswered-2h', m.qualify * q.p, pq, q.advanceWith, q.advanceWithout, demoAll * proposalAll * negotiationAll);
    add('demo-golden-48h', reachDemo, pm, m.material.advanceWith, m.material.advanceWithout, proposalAll * negotiationAll);
    add('quote-follow-up-3d', reachProposal, pf, pr.base + pr.followUp + atomShare * pr.atomUsed, pr.base + atomShare * pr.atomUsed, negotiationAll);
    add('atom-used', reachProposal * pr.atomPushed, pa, pr.base + pf * pr.followUp + pr.atomUsed, pr.base + pf * pr.followUp, negotiationAll);
    // In negotiation the next stage is the win itself.
    add('objection-handled-same-day', reachNegotiation * o.p, po, o.winWith, o.winWithout, 1);
  }
  const mix = (xs: Side[]) => {
    const w = xs.reduce((a, x) => a + x.w, 0);
    return {
      advance: xs.reduce((a, x) => a + x.w * x.adv, 0) / w,
      win: xs.reduce((a, x) => a + x.w * x.adv * x.after, 0) / w,
    };
  };
  const out = {} as Record<BehaviourKey, PlantedRates>;
  for (const [key, side] of Object.entries(sides) as [BehaviourKey, { with: Side[]; without: Side[] }][]) {
    const y = mix(side.with);
    const n = mix(side.without);
    out[key] = { advance: { with: y.advance, without: n.advance }, win: { with: y.win, without: n.win } };
  }
  return out;
}
