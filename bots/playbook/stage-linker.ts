/**
 * The stage linker: which stage a message's actions move a deal to. Pure, so the funnel rules are
 * tested without a database. Deals only move forward; a closed stage (won, lost) is final.
 */
import type { ActionKind, DetectedAction, ObjectionType } from '../../core/types.ts';
import type { Funnel } from './schema.ts';

export interface StageMove {
  from: string;
  to: string;
  /** Index into the actions given: the one that caused the move. */
  actionIndex: number;
}

/** The furthest stage the actions reach, if it is ahead of `current`. */
export function linkStage(funnel: Funnel, current: string, detected: ReadonlyArray<Pick<DetectedAction, 'kind' | 'objection'>>): StageMove | null {
  if (funnel.closed.includes(current)) return null;
  const order = (s: string) => funnel.stages.indexOf(s);
  let best: StageMove | null = null;
  detected.forEach((a, i) => {
    for (const m of funnel.moves) {
      if (!matches(m, a.kind, a.objection)) continue;
      if (m.after !== undefined && order(current) < order(m.after)) continue;
      const closing = funnel.closed.includes(m.to);
      // A closing move (won, lost) wins over any open stage; otherwise the furthest stage wins.
      const ahead = closing || order(m.to) > order(current);
      if (!ahead) continue;
      if (!best || rank(funnel, m.to) > rank(funnel, best.to)) best = { from: current, to: m.to, actionIndex: i };
    }
  });
  return best;
}

function matches(m: Funnel['moves'][number], kind: ActionKind, objection: ObjectionType | undefined): boolean {
  return m.action === kind && (m.objection === undefined || m.objection === objection);
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

/** The stages a deal passes on its way to a win: the open ones, then the first closed one (won). */
export function winningPath(funnel: Funnel): string[] {
  const open = funnel.stages.filter((s) => !funnel.closed.includes(s));
  return funnel.closed[0] ? [...open, funnel.closed[0]] : open;
}
