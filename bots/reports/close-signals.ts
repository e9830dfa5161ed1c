/**
 * A win or a loss found in a message, as reports count and show it. The analysis records every
 * `deal_won` and `deal_lost` it detects, but the deal closes on one only when the signal is precise
 * or its owner confirms it (bots/deals/stage-step.ts, bots/commands/presses.ts), and the stage
 * change then names the action. A signal the owner answered 不是, one still waiting for the answer
 * or replaced by a newer question, and one said again of a deal already closed did not close it:
 * a report that counted them as 赢单 or 丢单 would say what the deal's stage does not.
 */
import { type SQL, sql } from 'drizzle-orm';
import { actions, stageChanges } from '../../db/schema/index.ts';

/**
 * True for a row of `actions` a report counts or shows: every kind but a close signal its deal
 * did not close on. The deal's index of stage changes finds the move, one probe per close signal.
 */
export function actionHolds(): SQL<boolean> {
  return sql<boolean>`(${actions.kind} not in ('deal_won', 'deal_lost') or exists (
    select 1 from ${stageChanges} where ${stageChanges.opportunityId} = ${actions.opportunityId} and ${stageChanges.actionId} = ${actions.id}))`;
}
