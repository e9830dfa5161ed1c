/**
 * Timed expectations: a rule's window opens as a timer row, is fulfilled by a later message that
 * meets it, cancelled when the deal closes, and fired (a nudge) when its nudge time comes first.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { parseMeetingTime } from '../../analyzers/meeting-time.ts';
import { newId } from '../../core/ids.ts';
import type { DetectedAction } from '../../core/types.ts';
import { addWorkingMinutes, type WorkingHours } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import { timers } from '../../db/schema/index.ts';
import type { Rule } from '../playbook/schema.ts';

export type Timer = typeof timers.$inferSelect;
const OPEN = ['pending', 'fired'] as const;

/** The window of a timed rule triggered by a message. */
export function timerWindow(rule: Rule, text: string, sentAt: Date, wh: WorkingHours): { startedAt: Date; nudgeAt: Date; dueAt: Date; stated: boolean } {
  const meeting = rule.startAt === 'meeting' ? parseMeetingTime(text, sentAt, wh.timeZone) : null;
  const startedAt = meeting ?? sentAt;
  const within = rule.within ?? 0;
  const nudgeIn = rule.nudgeAt ?? within;
  const add = (ms: number) => (rule.workingHours ? addWorkingMinutes(startedAt, ms / 60_000, wh) : new Date(startedAt.getTime() + ms));
  return { startedAt, nudgeAt: add(nudgeIn), dueAt: add(within), stated: meeting !== null };
}

/**
 * Opens the rule's timer for this conversation. One open timer per rule and conversation: a newly
 * stated meeting time reschedules the demo window; any other re-trigger keeps the first window
 * (a second question does not reset the clock on the first).
 */
export async function openTimer(
  tx: Db,
  t: {
    rule: Rule;
    conversationId: string;
    opportunityId: string | null;
    repId: string | null;
    messageId: string;
    text: string;
    sentAt: Date;
    wh: WorkingHours;
  },
): Promise<Timer | null> {
  const { stated, ...w } = timerWindow(t.rule, t.text, t.sentAt, t.wh);
  const open = await tx
    .select()
    .from(timers)
    .where(and(eq(timers.ruleId, t.rule.id), eq(timers.conversationId, t.conversationId), inArray(timers.status, [...OPEN])))
    .limit(1);
  const existing = open[0];
  if (existing) {
    // Only a message that states a new meeting time moves the window ("改到周四上午十点").
    if (t.rule.startAt !== 'meeting' || existing.status !== 'pending' || !stated) return null;
    const [moved] = await tx.update(timers).set({ startedAt: w.startedAt, nudgeAt: w.nudgeAt, dueAt: w.dueAt }).where(eq(timers.id, existing.id)).returning();
    return moved ?? null;
  }
  const [created] = await tx
    .insert(timers)
    .values({
      id: newId(),
      ruleId: t.rule.id,
      opportunityId: t.opportunityId,
      conversationId: t.conversationId,
      repId: t.repId,
      triggerMessageId: t.messageId,
      triggerAt: t.sentAt,
      expect: t.rule.expect ?? {},
      ...w,
      status: 'pending',
    })
    .onConflictDoNothing()
    .returning();
  return created ?? null;
}

/** Marks fulfilled every open timer of the conversation that this message meets. */
export async function fulfilTimers(
  tx: Db,
  m: { conversationId: string; messageId: string; side: 'rep' | 'customer'; sentAt: Date; actions: DetectedAction[] },
): Promise<number> {
  const open = await tx
    .select()
    .from(timers)
    .where(and(eq(timers.conversationId, m.conversationId), inArray(timers.status, [...OPEN])));
  const met = open.filter((t) => t.triggerAt.getTime() < m.sentAt.getTime() && meets(t.expect, m.side, m.actions));
  if (met.length === 0) return 0;
  await tx
    .update(timers)
    .set({ status: 'fulfilled', resolvedAt: m.sentAt, resolvedByMessageId: m.messageId })
    .where(
      inArray(
        timers.id,
        met.map((t) => t.id),
      ),
    );
  return met.length;
}

function meets(expect: Timer['expect'], side: 'rep' | 'customer', actions: DetectedAction[]): boolean {
  if (expect.reply) return expect.reply === side;
  if (expect.action) return side === 'rep' && actions.some((a) => a.kind === expect.action);
  return false;
}

/** A closed deal expects nothing more. */
export async function cancelTimers(tx: Db, opportunityId: string, at: Date): Promise<void> {
  await tx
    .update(timers)
    .set({ status: 'cancelled', resolvedAt: at })
    .where(and(eq(timers.opportunityId, opportunityId), inArray(timers.status, [...OPEN])));
}

/** The job id of a timer's fire job: one per scheduled time, so a reschedule gets its own job. */
export const fireJobId = (t: Pick<Timer, 'id' | 'nudgeAt'>): string => `timer-${t.id}-${t.nudgeAt.getTime()}`;
