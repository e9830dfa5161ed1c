/**
 * Choosing knowledge atoms: for a nudge, the atoms that answer what the customer said (its
 * topics, its action, the deal's stage and value score), ranked by relevance to the message;
 * and for a rep's `/kb` question. An atom already pushed for the deal within the week is not
 * pushed again.
 */
import type { DetectedAction, Topic } from '../../core/types.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Atom, Rule } from '../catalog/schema.ts';
import { Bm25Index } from './bm25.ts';

const indexes = new WeakMap<Catalog, Bm25Index>();

/** The catalog's atoms indexed for relevance (built once per catalog snapshot). */
export function atomIndex(catalog: Catalog): Bm25Index {
  let idx = indexes.get(catalog);
  if (!idx) {
    idx = new Bm25Index(
      [...catalog.atoms.values()].map((a) => ({
        id: a.id,
        fields: [
          { text: a.title, weight: 2 },
          { text: a.topic, weight: 2 },
          { text: a.keywords.join(' '), weight: 2 },
          { text: a.talkTracks.join(' '), weight: 1 },
        ],
      })),
    );
    indexes.set(catalog, idx);
  }
  return idx;
}

export interface AtomQuery {
  rule: Pick<Rule, 'atoms'>;
  action: Pick<DetectedAction, 'kind' | 'objection'> | null;
  topics: readonly Topic[];
  stage: string;
  valueScore: number;
  /** The message the nudge answers. */
  text: string;
  /** Atoms not to push again (pushed for this deal within the week). */
  exclude: ReadonlySet<string>;
}

/** The atoms a nudge carries: those the rule names, or the best `max` by fit and relevance. */
export function chooseAtoms(catalog: Catalog, q: AtomQuery, max = 2): Atom[] {
  const { rule } = q;
  if (!rule.atoms) return [];
  if ('ids' in rule.atoms) return rule.atoms.ids.flatMap((id) => catalog.atoms.get(id) ?? []).filter((a) => !q.exclude.has(a.id));
  const candidates: Array<{ atom: Atom; base: number }> = [];
  for (const a of catalog.atoms.values()) {
    if (q.exclude.has(a.id)) continue;
    if (a.stages.length > 0 && !a.stages.includes(q.stage)) continue;
    if (a.minValueScore !== undefined && q.valueScore < a.minValueScore) continue;
    const byAction =
      q.action !== null && a.trigger?.action === q.action.kind && (a.trigger.objection === undefined || a.trigger.objection === q.action.objection);
    const byTopic = a.about.filter((t) => q.topics.includes(t)).length;
    if (!byAction && byTopic === 0) continue;
    candidates.push({ atom: a, base: (byAction ? 3 : 0) + 2 * byTopic + (a.stages.length > 0 ? 1 : 0) });
  }
  // Relevance to the customer's words only orders the candidates: with one or none the message
  // need not be segmented at all (choosing a nudge's atoms was 8% of the analysis worker's CPU in a burst).
  const relevance =
    candidates.length > 1
      ? atomIndex(catalog).scoreOf(
          q.text,
          candidates.map((c) => c.atom.id),
        )
      : new Map<string, number>();
  return candidates
    .map((c) => ({ atom: c.atom, score: c.base + (relevance.get(c.atom.id) ?? 0) }))
    .sort((x, y) => y.score - x.score || x.atom.id.localeCompare(y.atom.id))
    .slice(0, max)
    .map((s) => s.atom);
}

/** `/kb 价格异议`: atoms ranked by how well their topic, title, keywords and talk-tracks match. */
export function searchAtoms(catalog: Catalog, query: string, max = 3): Atom[] {
  const q = query.trim().toLowerCase();
  if (q.length === 0) return [];
  const relevance = atomIndex(catalog).score(q);
  const scored = [...catalog.atoms.values()].map((a) => {
    const topic = a.topic.toLowerCase();
    let s = relevance.get(a.id) ?? 0;
    if (topic === q) s += 10;
    else if (topic.includes(q) || q.includes(topic)) s += 5;
    if (a.keywords.some((k) => k.toLowerCase() === q)) s += 3;
    return { a, s };
  });
  return scored
    .filter((x) => x.s > 0)
    .sort((x, y) => y.s - x.s || x.a.id.localeCompare(y.a.id))
    .slice(0, max)
    .map((x) => x.a);
}
