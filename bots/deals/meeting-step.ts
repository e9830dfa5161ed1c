/**
 * The deal remembers the next meeting its chat states or proposes, so an acceptance that names no
 * time or kind (「周三下午两点可以」, 「好的，会议链接演示当天发群里」) books that meeting: its time
 * starts the demo window, its kind decides whether the deal reached the demo stage.
 */
import type { MessageStep } from '../analysis/engine.ts';

/** How far back a proposed meeting is still the one being accepted. */
const PROPOSAL_MS = 14 * 86_400_000;

export function rememberMeeting(s: MessageStep): void {
  const { deal, analysis, msg } = s;
  const stated = analysis.meeting;
  if (stated && stated.at > msg.sentAt) {
    // A new time replaces the old; the same time keeps the kind a word once gave it.
    const same = deal.meetingAt?.getTime() === stated.at.getTime();
    deal.meetingAt = stated.at;
    deal.meetingType = stated.type !== 'meeting' || !same ? stated.type : deal.meetingType;
    deal.dirty = true;
  }
  const remembered = deal.meetingAt && deal.meetingAt > msg.sentAt && deal.meetingAt.getTime() - msg.sentAt.getTime() < PROPOSAL_MS ? deal.meetingAt : null;
  for (const a of analysis.actions) {
    if (a.kind !== 'meeting_scheduled') continue;
    analysis.meetingAt ??= remembered;
    const sameMeeting = remembered !== null && analysis.meetingAt?.getTime() === remembered.getTime();
    if ((a.meetingType === undefined || a.meetingType === 'meeting') && sameMeeting && deal.meetingType) a.meetingType = deal.meetingType;
  }
}
