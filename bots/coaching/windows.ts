/**
 * When a timed rule's window opens, nudges and closes, in working time: `2h` is two working
 * hours and `3d` three working days (WORK_START–WORK_END on WORK_DAYS), counted from the
 * message's own time (or the meeting it states, or the day it commits to), never from when the
 * message happened to arrive.
 */
import type { Commitment } from '../../core/types.ts';
import { addWorkingDays, addWorkingMinutes, type WorkingHours, workingDayStart } from '../../core/zoned-time.ts';
import type { Rule } from '../catalog/schema.ts';

const DAY = 86_400_000;

export interface TimerWindow {
  startedAt: Date;
  nudgeAt: Date;
  dueAt: Date;
  /** The window starts at a time the message stated (a meeting), not at the message itself. */
  stated: boolean;
}

export function timerWindow(rule: Rule, m: { sentAt: Date; meetingAt: Date | null; commitment: Commitment | null }, wh: WorkingHours): TimerWindow | null {
  let startedAt = m.sentAt;
  let stated = false;
  if (rule.startAt === 'meeting' && m.meetingAt) {
    startedAt = m.meetingAt;
    stated = true;
  } else if (rule.startAt === 'commitment') {
    if (!m.commitment) return null;
    // A committed day is reminded at that working day's opening; a stated time at that time.
    startedAt = m.commitment.allDay ? workingDayStart(m.commitment.at, wh) : addWorkingMinutes(m.commitment.at, 0, wh);
    stated = true;
  }
  const add = (ms: number): Date => {
    if (!rule.workingHours) return new Date(startedAt.getTime() + ms);
    if (ms > 0 && ms % DAY === 0) return addWorkingDays(startedAt, ms / DAY, wh);
    return addWorkingMinutes(startedAt, ms / 60_000, wh);
  };
  const within = rule.within ?? 0;
  return { startedAt, nudgeAt: add(rule.nudgeAt ?? within), dueAt: add(within), stated };
}
