/**
 * A rep's button press on a nudge card: useful, not useful, or used. Only the rep the nudge was
 * for can rate it; anything else (a forged or forwarded value) is refused. Pressing the button
 * that is already recorded changes nothing, so a platform's redelivery of a press counts once.
 */
import { and, eq, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { NudgeFeedback } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { personByPlatformId } from '../../db/queries/directory.ts';
import { atomEvents, nudges } from '../../db/schema/index.ts';

export async function recordFeedback(db: Db, fb: NudgeFeedback, at: Date): Promise<void> {
  const person = await personByPlatformId(db, fb.platform, fb.senderId);
  if (!person) throw new AppError('FORBIDDEN', 'feedback from someone not in the directory');
  await db.transaction(async (tx) => {
    const [nudge] = await tx
      .update(nudges)
      .set({ feedback: fb.value, feedbackAt: at })
      .where(and(eq(nudges.id, fb.nudgeId), eq(nudges.personId, person.id), sql`${nudges.feedback} is distinct from ${fb.value}`))
      .returning();
    if (!nudge) {
      const [mine] = await tx
        .select({ id: nudges.id })
        .from(nudges)
        .where(and(eq(nudges.id, fb.nudgeId), eq(nudges.personId, person.id)));
      if (mine) return;
      throw new AppError('NOT_FOUND', 'no such nudge for this person');
    }
    if (nudge.atomIds.length > 0) {
      await tx.insert(atomEvents).values(nudge.atomIds.map((atomId) => ({ id: newId(), atomId, personId: person.id, nudgeId: nudge.id, kind: fb.value, at })));
    }
  });
}
