/**
 * Choosing knowledge atoms: for a rule (by id, or by matching its trigger and the deal's stage)
 * and for a rep's `/kb` question (topic, keywords, title).
 */
import type { DetectedAction } from '../../core/types.ts';
import type { Atom, Rule } from '../playbook/schema.ts';

/**
 * The atoms a rule attaches: those it names, all of them, in its order; or, matching its trigger,
 * the best `max`: an atom written for the deal's stage beats a general one.
 */
export function atomsForRule(atoms: ReadonlyMap<string, Atom>, rule: Rule, action: DetectedAction | null, stage: string, max = 2): Atom[] {
  if (!rule.atoms) return [];
  if ('ids' in rule.atoms) return rule.atoms.ids.flatMap((id) => atoms.get(id) ?? []);
  if (!action) return [];
  const fitting = [...atoms.values()].filter(
    (a) => a.trigger?.action === action.kind && (a.trigger.objection === undefined || a.trigger.objection === action.objection),
  );
  const score = (a: Atom) => (a.stages.includes(stage) ? 2 : a.stages.length === 0 ? 1 : 0);
  return fitting.sort((a, b) => score(b) - score(a)).slice(0, max);
}

/** `/kb 价格异议`: atoms ranked by how well topic, keywords and title match the query. */
export function searchAtoms(atoms: ReadonlyMap<string, Atom>, query: string, max = 3): Atom[] {
  const q = query.trim().toLowerCase();
  if (q.length === 0) return [];
  const terms = q.split(/\s+/).filter(Boolean);
  const scored = [...atoms.values()].map((a) => {
    let s = 0;
    const topic = a.topic.toLowerCase();
    if (topic === q) s += 10;
    for (const t of terms) {
      if (topic.includes(t) || t.includes(topic)) s += 5;
      if (a.keywords.some((k) => k.toLowerCase() === t)) s += 3;
      else if (a.keywords.some((k) => t.includes(k.toLowerCase()) || k.toLowerCase().includes(t))) s += 1;
      if (a.title.toLowerCase().includes(t)) s += 2;
    }
    return { a, s };
  });
  return scored
    .filter((x) => x.s > 0)
    .sort((x, y) => y.s - x.s || x.a.id.localeCompare(y.a.id))
    .slice(0, max)
    .map((x) => x.a);
}
