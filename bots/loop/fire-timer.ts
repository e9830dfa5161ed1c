/**
 * The fire-timer job: when a timer's nudge time comes and its expectation is still open, the rep
 * gets the rule's nudge. The row decides, not the job: a fulfilled, cancelled or already fired
 * timer does nothing, and a timer moved later asks to be run again at its new time.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Platform } from '../../core/types.ts';
import { conversations, messages, opportunities, timers } from '../../db/schema/index.ts';
import { atomsForRule } from '../coach/atoms.ts';
import { createNudge } from '../coach/nudge.ts';
import type { LoopContext } from './context.ts';

export type FireOutcome = { fired: true; delivery: string | null } | { fired: false; retryAt?: Date };

export async function fireTimer(ctx: LoopContext, timerId: string): Promise<FireOutcome> {
  return ctx.db.transaction(async (tx): Promise<FireOutcome> => {
    const [timer] = await tx.select().from(timers).where(eq(timers.id, timerId)).for('update');
    if (timer?.status !== 'pending') return { fired: false };
    const now = ctx.clock.now();
    if (timer.nudgeAt.getTime() > now.getTime()) return { fired: false, retryAt: timer.nudgeAt };
    await tx.update(timers).set({ status: 'fired', firedAt: now }).where(eq(timers.id, timer.id));

    const rule = ctx.playbook().rules.find((r) => r.id === timer.ruleId);
    const [conv] = await tx.select().from(conversations).where(eq(conversations.id, timer.conversationId));
    const rep = conv?.ownerId ?? timer.repId;
    if (!rule || !conv || !rep) {
      ctx.log.warn({ timerId, ruleId: timer.ruleId }, 'timer fired with no rule or no rep: nothing to send');
      return { fired: true, delivery: null };
    }
    const [opp] = timer.opportunityId ? await tx.select().from(opportunities).where(eq(opportunities.id, timer.opportunityId)) : [];
    const [trigger] = await tx.select({ text: messages.text }).from(messages).where(eq(messages.id, timer.triggerMessageId));
    // The talk-tracks address the customer contact who spoke last.
    const [contact] = await tx
      .select({ name: messages.senderName })
      .from(messages)
      .where(and(eq(messages.conversationId, conv.id), eq(messages.role, 'customer')))
      .orderBy(desc(messages.sentAt))
      .limit(1);
    const delivery = await createNudge(tx, ctx.sendPlatforms, {
      rule,
      triggerId: timer.id,
      personId: rep,
      opportunityId: timer.opportunityId,
      dealName: opp?.name ?? null,
      conversationId: conv.id,
      platform: conv.platform as Platform,
      timerId: timer.id,
      messageId: timer.triggerMessageId,
      evidenceText: trigger?.text || null,
      atoms: atomsForRule(ctx.playbook().atoms, rule, null, opp?.stage ?? ''),
      vars: { contact: contact?.name ?? null },
      at: now,
    });
    return { fired: true, delivery };
  });
}
