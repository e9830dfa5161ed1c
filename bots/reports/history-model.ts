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
}

export const DEFAULT_MODEL: HistoryModel = {
  qualify: 0.9,
  question: { p: 0.9, prevalence: 0.6, advanceWith: 0.8, advanceWithout: 0.5, advanceNoTrigger: 0.65 },
  material: { prevalence: 0.5, advanceWith: 0.75, advanceWithout: 0.4 },
  proposal: { followUpPrevalence: 0.55, atomPushed: 0.7, atomPrevalence: 0.45, base: 0.4, followUp: 0.25, atomUsed: 0.2 },
  objection: { p: 0.8, prevalence: 0.6, winWith: 0.8, winWithout: 0.45, winNoTrigger: 0.65 },
};

/** True rates of one behaviour: advancing to the next stage, and winning, with and without it. */
export interface PlantedRates {
  advance: { with: number; without: number };
  win: { with: number; without: number };
}

/** The true rates the model implies for every behaviour (exact, not simulated). */
export function plantedRates(m: HistoryModel = DEFAULT_MODEL): Record<BehaviourKey, PlantedRates> {
  const q = m.question;
  const pr = m.proposal;
  const o = m.objection;
  // Each stage's advance rate over every deal that reaches it, whatever happened there.
  const demoAll = m.material.prevalence * m.material.advanceWith + (1 - m.material.prevalence) * m.material.advanceWithout;
  const atomShare = pr.atomPushed * pr.atomPrevalence;
  const proposalAll = pr.base + pr.followUpPrevalence * pr.followUp + atomShare * pr.atomUsed;
  const negotiationAll = o.p * (o.prevalence * o.winWith + (1 - o.prevalence) * o.winWithout) + (1 - o.p) * o.winNoTrigger;

  const followWith = pr.base + pr.followUp + atomShare * pr.atomUsed;
  const followWithout = pr.base + atomShare * pr.atomUsed;
  const atomWith = pr.base + pr.followUpPrevalence * pr.followUp + pr.atomUsed;
  const atomWithout = pr.base + pr.followUpPrevalence * pr.followUp;
  const rates = (advWith: number, advWithout: number, after: number): PlantedRates => ({
    advance: { with: advWith, without: advWithout },
    win: { with: advWith * after, without: advWithout * after },
  });
  return {
    'question-unanswered-2h': rates(q.advanceWith, q.advanceWithout, demoAll * proposalAll * negotiationAll),
    'demo-golden-48h': rates(m.material.advanceWith, m.material.advanceWithout, proposalAll * negotiationAll),
    'quote-follow-up-3d': rates(followWith, followWithout, negotiationAll),
    'atom-used': rates(atomWith, atomWithout, negotiationAll),
    // In negotiation the next stage is the win itself.
    'objection-handled-same-day': rates(o.winWith, o.winWithout, 1),
  };
}
