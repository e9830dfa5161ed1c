/**
 * Timed expectations in a batch: a rule's window opens as a timer, is fulfilled by a later message
 * that meets it, is cancelled when the deal closes, and is fired (a nudge) by the timer job when
 * its time comes first. One open timer per rule and conversation: a second question does not reset
 * the clock of the first, but a newly stated meeting time or committed day moves the window.
 */
import { newId } from '../../core/ids.ts';
import type { DetectedAction } from '../../core/types.ts';
import type { MessageStep } from '../analysis/engine.ts';
import { addTimer, type BatchState, type TimerState } from '../analysis/state.ts';
import type { Rule } from '../catalog/schema.ts';
import { timerWindow } from './windows.ts';

const isOpen = (t: TimerState) => t.status === 'pending' || t.status === 'fired';

export function openTimer(s: MessageStep, rule: Rule): void {
  const window = timerWindow(rule, { sentAt: s.msg.sentAt, meetingAt: s.analysis.meetingAt, commitment: s.analysis.commitment }, s.ctx.wh);
  if (!window) return;
  const open = s.st.timers.get(s.conv.id)?.find((t) => t.ruleId === rule.id && isOpen(t));
  if (open) {
    if (!window.stated || rule.startAt === 'message' || open.status !== 'pending') return;
    open.startedAt = window.startedAt;
    open.nudgeAt = window.nudgeAt;
    open.dueAt = window.dueAt;
    open.triggerAt = s.msg.sentAt;
    open.dirty = true;
    return;
  }
  addTimer(s.st, {
    id: newId(),
    ruleId: rule.id,
    opportunityId: s.deal.id,
    conversationId: s.conv.id,
    repId: s.deal.ownerId ?? s.conv.ownerId,
    triggerMessageId: s.msg.id,
    triggerAt: s.msg.sentAt,
    expect: rule.expect ?? {},
    startedAt: window.startedAt,
    nudgeAt: window.nudgeAt,
    dueAt: window.dueAt,
    status: 'pending',
    // From the past, a timer only measures (was it met in time?) and never nudges.
    silent: s.quiet,
    resolvedAt: null,
    resolvedByMessageId: null,
    isNew: true,
    dirty: true,
  });
}

/** Marks fulfilled every open timer of the conversation that this message meets. */
export function fulfilTimers(s: MessageStep): void {
  for (const t of s.st.timers.get(s.conv.id) ?? []) {
    if (!isOpen(t) || t.triggerAt.getTime() >= s.msg.sentAt.getTime()) continue;
    if (!meets(t.expect, s.side, s.analysis.actions)) continue;
    t.status = 'fulfilled';
    t.resolvedAt = s.msg.sentAt;
    t.resolvedByMessageId = s.msg.id;
    t.dirty = true;
  }
}

function meets(expect: TimerState['expect'], side: 'rep' | 'customer', actions: readonly DetectedAction[]): boolean {
  if (expect.reply) return expect.reply === side;
  if (expect.action) return side === 'rep' && actions.some((a) => a.kind === expect.action);
  return false;
}

/** A closed deal expects nothing more. */
export function cancelDealTimers(st: BatchState, dealId: string, at: Date): void {
  for (const t of st.dealTimers.get(dealId) ?? []) {
    if (!isOpen(t)) continue;
    t.status = 'cancelled';
    t.resolvedAt = at;
    t.dirty = true;
  }
}

/**
 * Timers of rules that hold only before a key action this message shows (`before`): that
 * expectation is over, as the contract going out ends the wait for an answer without one.
 */
export function cancelBeforeActions(s: MessageStep): void {
  const { actions } = s.analysis;
  const ends = s.ctx.catalog.beforeActions;
  if (actions.length === 0 || ends.size === 0) return;
  for (const t of s.st.dealTimers.get(s.deal.id) ?? []) {
    if (!isOpen(t)) continue;
    const action = ends.get(t.ruleId);
    if (!action || !actions.some((a) => a.kind === action)) continue;
    t.status = 'cancelled';
    t.resolvedAt = s.msg.sentAt;
    t.dirty = true;
  }
}

/** Timers of rules scoped to stages the deal has just left: those expectations no longer apply. */
export function cancelOutOfStage(st: BatchState, dealId: string, rules: readonly Rule[], stage: string, at: Date): void {
  for (const t of st.dealTimers.get(dealId) ?? []) {
    if (!isOpen(t)) continue;
    const stages = rules.find((r) => r.id === t.ruleId)?.stages;
    if (!stages || stages.includes(stage)) continue;
    t.status = 'cancelled';
    t.resolvedAt = at;
    t.dirty = true;
  }
}
