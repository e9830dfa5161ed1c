/**
 * Card presses, applied as they arrive (the adapter acknowledges after): feedback on a nudge
 * (有用 / 没用 / 已使用) and the owner's answer to a deal confirmation (确认 / 不是). Only the person
 * the card was for may press it; a press applies once (a replay of the same press changes nothing,
 * an older press replayed after a newer one is ignored, a confirmation is answered once), and a
 * confirmed close sends the deal's closing nudge.
 */
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { PressResult } from '../../adapters/types.ts';
import type { Clock } from '../../core/clock.ts';
import { newId } from '../../core/ids.ts';
import type { CardPress, FeedbackValue, Platform } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { insertBuiltNudges } from '../../db/queries/nudges.ts';
import { atomEvents, conversations, dealConfirmations, nudges, opportunities, stageChanges } from '../../db/schema/index.ts';
import type { Person } from '../catalog/catalog.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { closingNudges } from '../coaching/closing.ts';
import { setStage } from '../deals/corrections.ts';

export interface PressDeps {
  database: Database;
  catalog: CatalogHolder;
  clock: Clock;
  sendPlatforms: readonly Platform[];
  /** Dispatches the deliveries a press created (after its commit). */
  dispatch(rows: ReadonlyArray<{ id: string; platform: string }>): Promise<void>;
}

export async function applyPress(deps: PressDeps, press: CardPress): Promise<PressResult> {
  const person = deps.catalog.current.personByPlatformId(press.platform, press.senderId);
  if (!person?.active) return { status: 'refused', reason: 'the presser is not in the directory' };
  const at = press.at ?? deps.clock.now();
  if (press.action.kind === 'feedback') return recordFeedback(deps, person, press.action.nudgeId, press.action.value, at);
  const result = await answerConfirmation(deps, person, press.action.confirmationId, press.action.answer, at);
  if (result.deliveries.length > 0) await deps.dispatch(result.deliveries);
  return result.outcome;
}

async function recordFeedback(deps: PressDeps, person: Person, nudgeId: string, value: FeedbackValue, at: Date): Promise<PressResult> {
  return deps.database.db.transaction(async (tx) => {
    const [nudge] = await tx
      .update(nudges)
      .set({ feedback: value, feedbackAt: at })
      .where(
        and(
          eq(nudges.id, nudgeId),
          eq(nudges.personId, person.id),
          sql`${nudges.feedback} is distinct from ${value}`,
          // A press older than the one recorded (a replay arriving late) does not undo it.
          or(isNull(nudges.feedbackAt), lt(nudges.feedbackAt, at)),
        ),
      )
      .returning();
    if (!nudge) {
      const [mine] = await tx
        .select({ id: nudges.id })
        .from(nudges)
        .where(and(eq(nudges.id, nudgeId), eq(nudges.personId, person.id)));
      return mine ? { status: 'duplicate' as const } : { status: 'refused' as const, reason: 'no such nudge for this person' };
    }
    if (nudge.atomIds.length > 0) {
      await tx
        .insert(atomEvents)
        .values(
          nudge.atomIds.map((atomId) => ({ id: newId(), atomId, personId: person.id, nudgeId: nudge.id, opportunityId: nudge.opportunityId, kind: value, at })),
        );
    }
    return { status: 'applied' as const };
  });
}

async function answerConfirmation(
  deps: PressDeps,
  person: Person,
  confirmationId: string,
  answer: 'yes' | 'no',
  at: Date,
): Promise<{ outcome: PressResult; deliveries: Array<{ id: string; platform: string }> }> {
  const catalog = deps.catalog.current;
  return deps.database.db.transaction(async (tx) => {
    const none = { deliveries: [] };
    const [c] = await tx.select().from(dealConfirmations).where(eq(dealConfirmations.id, confirmationId)).for('update');
    if (!c || c.kind === 'name') return { ...none, outcome: { status: 'refused', reason: 'no such confirmation' } };
    if (c.personId !== person.id) return { ...none, outcome: { status: 'refused', reason: 'only the deal owner answers this confirmation' } };
    if (c.status !== 'pending') return { ...none, outcome: { status: 'duplicate' } };
    await tx
      .update(dealConfirmations)
      .set({ status: answer === 'yes' ? 'confirmed' : 'rejected', answer, answeredBy: person.id, answeredAt: at })
      .where(eq(dealConfirmations.id, c.id));
    if (answer === 'no') return { ...none, outcome: { status: 'applied' } };
    const [deal] = await tx.select().from(opportunities).where(eq(opportunities.id, c.opportunityId)).for('update');
    if (!deal) return { ...none, outcome: { status: 'applied' } };
    let to = c.toStage;
    if (c.kind === 'reopen') {
      if (deal.status !== 'lost') return { ...none, outcome: { status: 'applied' } };
      // Back to where the deal stood before it was lost.
      const [closing] = await tx
        .select({ from: stageChanges.fromStage })
        .from(stageChanges)
        .where(and(eq(stageChanges.opportunityId, deal.id), eq(stageChanges.toStage, deal.stage)))
        .orderBy(desc(stageChanges.at))
        .limit(1);
      to = closing?.from ?? catalog.playbook.funnel.stages[0]!;
    } else if (deal.status !== 'open' || !to) {
      // The deal closed another way meanwhile: the answer is kept, the stage stays.
      return { ...none, outcome: { status: 'applied' } };
    }
    await setStage(tx, catalog, deal, to, person.id, at, { source: 'confirmed', actionId: c.actionId, messageId: c.messageId });
    const closed = to === catalog.wonStage ? 'won' : to === catalog.lostStage ? 'lost' : null;
    if (!closed) return { ...none, outcome: { status: 'applied' } };
    const [conv] = await tx
      .select({ id: conversations.id, platform: conversations.platform })
      .from(conversations)
      .where(eq(conversations.opportunityId, deal.id))
      .limit(1);
    const built = closingNudges(catalog, deps.sendPlatforms, {
      closed,
      dealId: deal.id,
      dealName: deal.name,
      ownerId: deal.ownerId,
      stage: to,
      valueScore: deal.valueScore,
      conversationId: conv?.id ?? null,
      platform: (conv?.platform ?? deps.sendPlatforms[0] ?? 'local') as Platform,
      at,
    });
    return { outcome: { status: 'applied' }, deliveries: await insertBuiltNudges(tx, built) };
  });
}
