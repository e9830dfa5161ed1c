/**
 * An atom's use is measured, not assumed: when a rep's message in the conversation resembles one
 * of the talk-tracks they were pushed there in the last week, the atom counts as used.
 */
import { and, eq, gte, inArray } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/client.ts';
import { atomEvents, nudges } from '../../db/schema/index.ts';
import type { Atom } from '../playbook/schema.ts';

const WINDOW_MS = 7 * 86_400_000;
/** Dice similarity of character bigrams above which a message counts as using a talk-track. */
export const USE_THRESHOLD = 0.3;

export async function recordAtomUse(
  tx: Db,
  atoms: ReadonlyMap<string, Atom>,
  m: { personId: string; conversationId: string; text: string; at: Date },
): Promise<string[]> {
  if (m.text.length < 8) return [];
  const recent = await tx
    .select({ id: nudges.id, atomIds: nudges.atomIds })
    .from(nudges)
    .where(and(eq(nudges.personId, m.personId), eq(nudges.conversationId, m.conversationId), gte(nudges.createdAt, new Date(m.at.getTime() - WINDOW_MS))));
  const candidates = recent.flatMap((n) => n.atomIds.map((atomId) => ({ nudgeId: n.id, atomId })));
  if (candidates.length === 0) return [];
  const already = await tx
    .select({ nudgeId: atomEvents.nudgeId, atomId: atomEvents.atomId })
    .from(atomEvents)
    .where(
      and(
        eq(atomEvents.kind, 'used'),
        inArray(
          atomEvents.nudgeId,
          recent.map((n) => n.id),
        ),
      ),
    );
  const done = new Set(already.map((e) => `${e.nudgeId}:${e.atomId}`));
  const grams = bigrams(m.text);
  const used = candidates.filter(({ nudgeId, atomId }) => {
    if (done.has(`${nudgeId}:${atomId}`)) return false;
    const atom = atoms.get(atomId);
    return atom?.talkTracks.some((t) => dice(grams, bigrams(t)) >= USE_THRESHOLD) ?? false;
  });
  if (used.length > 0) {
    await tx
      .insert(atomEvents)
      .values(used.map((u) => ({ id: newId(), atomId: u.atomId, personId: m.personId, nudgeId: u.nudgeId, kind: 'used' as const, at: m.at })));
  }
  return used.map((u) => u.atomId);
}

function bigrams(s: string): Map<string, number> {
  const t = s.replace(/\{[^}]*\}|[\s，。、！？,.!?：:；;“”"'（）()]/g, '');
  const out = new Map<string, number>();
  for (let i = 0; i < t.length - 1; i++) {
    const g = t.slice(i, i + 2);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const [g, n] of a) {
    total += n;
    shared += Math.min(n, b.get(g) ?? 0);
  }
  for (const n of b.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}
