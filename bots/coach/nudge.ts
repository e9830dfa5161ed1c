/**
 * Creating a nudge: one row per rule and trigger (the unique idempotency key makes a retried job
 * or a second worker a no-op), its delivery to the rep's private chat, and the atoms' push events.
 */
import { newId } from '../../core/ids.ts';
import type { Platform } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { platformIdsOf } from '../../db/queries/directory.ts';
import { atomEvents, deliveries, nudges } from '../../db/schema/index.ts';
import type { Atom, Rule } from '../playbook/schema.ts';
import { renderNudge, type TrackVars } from './render.ts';

export interface NudgeInput {
  /** The playbook rule, or any named reason (compliance) with a title and a hint. */
  rule: Pick<Rule, 'id' | 'title' | 'hint'>;
  /** The action or timer id that triggered it: with the rule id, the nudge's identity. */
  triggerId: string;
  personId: string;
  opportunityId: string | null;
  dealName: string | null;
  conversationId: string;
  /** The platform of the conversation: the rep is nudged there when they can be. */
  platform: Platform;
  actionId?: string;
  timerId?: string;
  messageId: string;
  evidenceText: string | null;
  atoms: Atom[];
  /** Who the talk-tracks address and which competitor they name, when known. */
  vars?: TrackVars;
  at: Date;
}

/** Creates the nudge and its delivery; returns the delivery id, or null if it existed already. */
export async function createNudge(tx: Db, sendPlatforms: readonly Platform[], n: NudgeInput): Promise<string | null> {
  const nudgeId = newId();
  const message = renderNudge({
    nudgeId,
    title: n.rule.title,
    hint: n.rule.hint,
    dealName: n.dealName,
    evidenceText: n.evidenceText,
    atoms: n.atoms,
    ...(n.vars ? { vars: n.vars } : {}),
  });
  const inserted = await tx
    .insert(nudges)
    .values({
      id: nudgeId,
      idempotencyKey: `${n.rule.id}:${n.triggerId}`,
      personId: n.personId,
      opportunityId: n.opportunityId,
      conversationId: n.conversationId,
      ruleId: n.rule.id,
      actionId: n.actionId ?? null,
      timerId: n.timerId ?? null,
      messageId: n.messageId,
      atomIds: n.atoms.map((a) => a.id),
      title: message.type === 'text' ? n.rule.title : message.title,
      body: message.text,
      createdAt: n.at,
    })
    .onConflictDoNothing({ target: nudges.idempotencyKey })
    .returning({ id: nudges.id });
  if (!inserted[0]) return null;
  if (n.atoms.length > 0) {
    await tx.insert(atomEvents).values(n.atoms.map((a) => ({ id: newId(), atomId: a.id, personId: n.personId, nudgeId, kind: 'pushed' as const, at: n.at })));
  }
  const platform = await privateChannel(tx, n.personId, n.platform, sendPlatforms);
  if (!platform) return null;
  const deliveryId = newId();
  await tx.insert(deliveries).values({
    id: deliveryId,
    idempotencyKey: `nudge:${nudgeId}`,
    nudgeId,
    platform,
    to: { personId: n.personId },
    message,
    status: 'pending',
    createdAt: n.at,
  });
  return deliveryId;
}

/**
 * Where a person gets private messages: the conversation's own platform when they have an id
 * there and it can send, otherwise the first sending platform they have an id on. Never the
 * customer's chat.
 */
export async function privateChannel(tx: Db, personId: string, preferred: Platform, sendPlatforms: readonly Platform[]): Promise<Platform | null> {
  const ids = await platformIdsOf(tx, personId);
  if (ids.has(preferred) && sendPlatforms.includes(preferred)) return preferred;
  return sendPlatforms.find((p) => ids.has(p)) ?? null;
}
