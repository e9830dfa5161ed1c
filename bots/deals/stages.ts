/**
 * The stage linker: which stage a message's actions would move a deal to, and whether that move
 * may happen on its own. Pure, so the funnel rules are tested without a database. A deal only
 * moves forward by itself; a close, or a jump over stages, happens on a precise signal only, and
 * otherwise waits for the owner's one-tap confirmation.
 */
import { closesWithoutAsking } from '../../analyzers/precise.ts';
import type { ActionKind, DetectedAction, MeetingType, ObjectionType } from '../../core/types.ts';
import type { Funnel } from '../catalog/schema.ts';

export interface StageMove {
  from: string;
  to: string;
  /** Index into the actions given: the one that caused the move. */
  actionIndex: number;
}

/** Calibrated confidence at which a forward jump over stages is taken without asking. */
export const AUTO_SKIP_CONFIDENCE = 0.9;

type ActionLike = Pick<DetectedAction, 'kind' | 'objection' | 'meetingType' | 'confidence' | 'precise'>;

/**
 * The furthest stage the actions reach, if it is ahead of `current` (or a close of an open deal).
 * `openOnly`: the furthest open stage, leaving closes out.
 */
export function linkStage(funnel: Funnel, current: string, detected: ReadonlyArray<ActionLike>, opts: { openOnly?: boolean } = {}): StageMove | null {
  if (funnel.closed.includes(current)) return null;
  const order = (s: string) => funnel.stages.indexOf(s);
  let best: StageMove | null = null;
  detected.forEach((a, i) => {
    for (const m of funnel.moves) {
      if (!matches(m, a.kind, a.objection, a.meetingType)) continue;
      if (m.after !== undefined && order(current) < order(m.after)) continue;
      const closing = funnel.closed.includes(m.to);
      if (closing && opts.openOnly) continue;
      // A closing move (won, lost) wins over any open stage; otherwise the furthest stage wins.
      const ahead = closing || order(m.to) > order(current);
      if (!ahead) continue;
      if (!best || rank(funnel, m.to) > rank(funnel, best.to)) best = { from: current, to: m.to, actionIndex: i };
    }
  });
  return best;
}

/**
 * Whether a move may be made without asking the owner: a close needs a precise signal (contract
 * signed and returned, PO, payment, an explicit refusal), a jump over open stages a confident
 * action; a move to the next stage is always taken.
 */
export function movesWithoutAsking(funnel: Funnel, move: StageMove, action: ActionLike): boolean {
  if (funnel.closed.includes(move.to)) return closesWithoutAsking(action as DetectedAction);
  const skipped = funnel.stages.indexOf(move.to) - funnel.stages.indexOf(move.from) - 1;
  return skipped <= skippableStages(funnel, move.from) || action.confidence >= AUTO_SKIP_CONFIDENCE;
}

/**
 * Stages a deal may pass over without question: one (many deals never have a demo), two from a
 * fresh lead, whose contact and qualification are often implicit (a rep's first message is a quote).
 */
function skippableStages(funnel: Funnel, from: string): number {
  return funnel.stages.indexOf(from) <= 1 ? 2 : 1;
}

/**
 * Whether a stage change moves its deal forward, as the linker moves deals: to a later open stage,
 * or from an open stage to a close. A correction to an earlier stage, a closed deal reopened and a
 * close changed into the other are not progress, whoever made them.
 */
export function movesForward(funnel: Funnel, from: string, to: string): boolean {
  if (funnel.closed.includes(from)) return false;
  return rank(funnel, to) > rank(funnel, from);
}

function matches(m: Funnel['moves'][number], kind: ActionKind, objection: ObjectionType | undefined, meetingType: MeetingType | undefined): boolean {
  return m.action === kind && (m.objection === undefined || m.objection === objection) && (m.meetingType === undefined || m.meetingType === meetingType);
}

function rank(funnel: Funnel, stage: string): number {
  return funnel.closed.includes(stage) ? funnel.stages.length + 1 : funnel.stages.indexOf(stage);
}

/** The stage a rep's first message moves a fresh lead to, if the funnel has one. */
export function firstContactStage(funnel: Funnel, current: string): string | null {
  const to = funnel.firstRepMessage;
  if (!to || funnel.closed.includes(current)) return null;
  return funnel.stages.indexOf(to) > funnel.stages.indexOf(current) ? to : null;
}

/** The stages a deal passes on its way to a win: the open ones, then the won one. */
export function winningPath(funnel: Funnel): string[] {
  const open = funnel.stages.filter((s) => !funnel.closed.includes(s));
  return funnel.closed[0] ? [...open, funnel.closed[0]] : open;
}

/** Open stages, in funnel order. */
export const openStages = (funnel: Funnel): string[] => funnel.stages.filter((s) => !funnel.closed.includes(s));
