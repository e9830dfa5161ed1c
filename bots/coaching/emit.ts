/**
 * Emitting from an analysis step: a nudge (built, queued for writing, and remembered for the
 * batch's later messages' cooldowns) and a confirmation card.
 */
import type { MessageStep } from '../analysis/engine.ts';
import type { Atom } from '../catalog/schema.ts';
import { type BuiltNudge, buildNudge, type NudgeInput } from './nudges.ts';
import type { Evidence, TrackVars } from './render.ts';

/** Who the talk-tracks address and name, from what the batch knows. */
export function trackVars(s: MessageStep, competitor?: string | null): TrackVars {
  const rep = s.deal.ownerId ? s.ctx.catalog.person(s.deal.ownerId)?.name : null;
  return { contact: s.deal.contactName, competitor: competitor ?? null, rep: rep ?? null };
}

/** The message as evidence, labelled by who wrote it, for the person reading the nudge. */
export function evidenceOf(s: MessageStep, reader: 'rep' | 'manager'): Evidence | null {
  if (!s.msg.text) return null;
  if (s.side === 'customer') return { text: s.msg.text, label: '客户原话' };
  return { text: s.msg.text, label: reader === 'rep' ? '你的原话' : '销售原话' };
}

/** Null for a person who is coached no more (`nudgeable`). */
export function emitNudge(s: MessageStep, input: Omit<NudgeInput, 'at' | 'platform' | 'opportunityId' | 'dealName' | 'conversationId'>): BuiltNudge | null {
  const built = buildNudge(s.ctx.catalog, s.ctx.sendPlatforms, {
    ...input,
    opportunityId: s.deal.id,
    dealName: s.deal.name,
    conversationId: s.conv.id,
    platform: s.conv.platform,
    at: s.ctx.now,
  });
  if (built) remember(s, built, input.atoms);
  return built;
}

/** Later messages of the batch see this nudge (cooldowns, atoms not to repeat, atom use). */
function remember(s: MessageStep, built: BuiltNudge, atoms: readonly Atom[]): void {
  const list = s.st.recentNudges.get(s.deal.id) ?? [];
  list.push({
    id: built.nudge.id,
    personId: built.nudge.person_id,
    opportunityId: s.deal.id,
    conversationId: s.conv.id,
    ruleId: built.nudge.rule_id,
    atomIds: atoms.map((a) => a.id),
    createdAt: s.ctx.now,
    usedAtomIds: [],
  });
  s.st.recentNudges.set(s.deal.id, list);
}
