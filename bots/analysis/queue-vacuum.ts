/**
 * Vacuums the message queue after every `every` messages this process has claimed (see
 * `vacuumMessageQueue` in db/queries/analysis.ts for why the analysis does it itself).
 */
import type { Logger } from '../../core/logger.ts';
import type { Sql } from '../../db/client.ts';
import { vacuumMessageQueue } from '../../db/queries/analysis.ts';
import { toAppError } from '../../core/errors.ts';

/** Two to three seconds of a burst at full speed; a vacuum then has ten thousand dead rows to clear, a small table's work. */
export const QUEUE_VACUUM_EVERY = 10_000;

export function queueVacuum(sql: Sql, log: Logger, every: number): (claimed: number) => Promise<void> {
  let since = 0;
  return async (claimed) => {
    since += claimed;
    if (since < every) return;
    since = 0;
    // A failed vacuum costs a slower claim, nothing else: the batch it follows has committed.
    await vacuumMessageQueue(sql).catch((err: unknown) => log.warn({ err: toAppError(err).message }, 'message queue not vacuumed'));
  };
}
