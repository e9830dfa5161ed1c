/**
 * Building a nudge: its row (one per rule and trigger: the idempotency key makes a retried batch
 * a no-op), its delivery to the person's private chat, and the pushed atoms' events. Pure: the
 * analysis and the timer job write what this returns.
 */
import { newId } from '../../core/ids.ts';
import type { OutboundMessage, Platform } from '../../core/types.ts';
import type { AtomEventRow, DeliveryRow, NudgeRow } from '../analysis/state.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Atom } from '../catalog/schema.ts';
import { type Evidence, renderNudge, type TrackVars } from './render.ts';

export interface BuiltNudge {
  nudge: NudgeRow;
  delivery: DeliveryRow | null;
  atomEvents: AtomEventRow[];
}

export interface NudgeInput {
  rule: { id: string; title: string; hint: string };
  /** With the rule id, the nudge's identity: the action, timer or record that set it off. */
  triggerId: string;
  personId: string;
  opportunityId: string | null;
  dealName: string | null;
  conversationId: string | null;
  /** The platform of the conversation: the person is nudged there when they can be. */
  platform: Platform;
  actionId?: string | null;
  timerId?: string | null;
  messageId?: string | null;
  evidence: Evidence | null;
  atoms: Atom[];
  vars?: TrackVars;
  ask?: string;
  figure?: string;
  at: Date;
}

/** The nudge, its delivery and atom events; null for a person who is coached no more (`nudgeable`). */
export function buildNudge(catalog: Catalog, sendPlatforms: readonly Platform[], n: NudgeInput): BuiltNudge | null {
  if (!nudgeable(catalog, n.personId)) return null;
  const id = newId();
  const at = n.at.toISOString();
  // The team's own figure for what the rule is about, from this process's cached copy.
  const rule = catalog.playbook.rules.find((r) => r.id === n.rule.id);
  const figure = n.figure ?? (rule ? catalog.figures?.figureForRule(rule) : undefined);
  const message = renderNudge({
    nudgeId: id,
    title: n.rule.title,
    hint: n.rule.hint,
    dealName: n.dealName,
    evidence: n.evidence,
    atoms: n.atoms,
    ...(catalog.figures ? { figures: catalog.figures } : {}),
    ...(n.vars ? { vars: n.vars } : {}),
    ...(n.ask ? { ask: n.ask } : {}),
    ...(figure ? { figure } : {}),
  });
  const nudge: NudgeRow = {
    id,
    idempotency_key: `${n.rule.id}:${n.triggerId}`,
    person_id: n.personId,
    opportunity_id: n.opportunityId,
    conversation_id: n.conversationId,
    rule_id: n.rule.id,
    action_id: n.actionId ?? null,
    timer_id: n.timerId ?? null,
    message_id: n.messageId ?? null,
    atom_ids: n.atoms.map((a) => a.id),
    title: message.type === 'text' ? n.rule.title : message.title,
    body: message.text,
    created_at: at,
  };
  // The delivery keeps no copy of the card: it is the nudge's title and body (core/card-actions.ts).
  const delivery = privateDelivery(catalog, sendPlatforms, n.personId, n.platform, null, `nudge:${id}`, id, n.at);
  const atomEvents: AtomEventRow[] = delivery
    ? n.atoms.map((a) => ({ id: newId(), atom_id: a.id, person_id: n.personId, nudge_id: id, opportunity_id: n.opportunityId, kind: 'pushed', at }))
    : [];
  return { nudge, delivery, atomEvents };
}

/**
 * Whether a person is coached at all: a deactivated one gets nothing (README, Org: 「停用」), and
 * their deals' nudges are not redirected (to their manager or anyone) until the deal is handed
 * over (`/deal … 负责人`). Someone the directory does not know is left to `privateChannel`.
 */
export function nudgeable(catalog: Catalog, personId: string): boolean {
  return catalog.person(personId)?.active !== false;
}

/**
 * A message to a person's private chat with the bot; null when they have no id on a sending
 * platform, or are deactivated. `message` null: the card of the nudge `nudgeId`, built from it
 * when sent.
 */
export function privateDelivery(
  catalog: Catalog,
  sendPlatforms: readonly Platform[],
  personId: string,
  preferred: Platform,
  message: OutboundMessage | null,
  idempotencyKey: string,
  nudgeId: string | null,
  at: Date,
): DeliveryRow | null {
  if (!nudgeable(catalog, personId)) return null;
  const platform = privateChannel(catalog, sendPlatforms, personId, preferred);
  if (!platform) return null;
  return { id: newId(), idempotency_key: idempotencyKey, nudge_id: nudgeId, platform, to: { personId }, message, created_at: at.toISOString() };
}

/**
 * Where a person gets private messages: the conversation's own platform when they have an id
 * there and it can send, otherwise the first sending platform they have an id on. Never the
 * customer's chat.
 */
export function privateChannel(catalog: Catalog, sendPlatforms: readonly Platform[], personId: string, preferred: Platform): Platform | null {
  const ids = catalog.platformIds(personId);
  if (ids.has(preferred) && sendPlatforms.includes(preferred)) return preferred;
  return sendPlatforms.find((p) => ids.has(p)) ?? null;
}
