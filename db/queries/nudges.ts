/** Writing built nudges from a drizzle transaction (card presses, corrections): nudge, delivery, pushed atoms. */
import type { BuiltNudge } from '../../bots/coaching/nudges.ts';
import type { Db } from '../client.ts';
import { atomEvents, deliveries, nudges } from '../schema/index.ts';

/** Inserts the nudges not seen before (by idempotency key) with their deliveries; returns those deliveries. */
export async function insertBuiltNudges(tx: Db, built: readonly BuiltNudge[]): Promise<Array<{ id: string; platform: string }>> {
  const out: Array<{ id: string; platform: string }> = [];
  for (const b of built) {
    const n = b.nudge;
    const [row] = await tx
      .insert(nudges)
      .values({
        id: n.id,
        idempotencyKey: n.idempotency_key,
        personId: n.person_id,
        opportunityId: n.opportunity_id,
        conversationId: n.conversation_id,
        ruleId: n.rule_id,
        actionId: n.action_id,
        timerId: n.timer_id,
        messageId: n.message_id,
        atomIds: n.atom_ids,
        title: n.title,
        body: n.body,
        createdAt: new Date(n.created_at),
      })
      .onConflictDoNothing({ target: nudges.idempotencyKey })
      .returning({ id: nudges.id });
    if (!row) continue;
    if (b.delivery) {
      const d = b.delivery;
      await tx.insert(deliveries).values({
        id: d.id,
        idempotencyKey: d.idempotency_key,
        nudgeId: d.nudge_id,
        platform: d.platform,
        to: d.to,
        message: d.message,
        status: 'pending',
        createdAt: new Date(d.created_at),
      });
      out.push({ id: d.id, platform: d.platform });
    }
    if (b.atomEvents.length > 0) {
      await tx.insert(atomEvents).values(
        b.atomEvents.map((e) => ({
          id: e.id,
          atomId: e.atom_id,
          personId: e.person_id,
          nudgeId: e.nudge_id,
          opportunityId: e.opportunity_id,
          kind: e.kind,
          at: new Date(e.at),
        })),
      );
    }
  }
  return out;
}
