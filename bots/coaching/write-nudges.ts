/**
 * Writing nudges built outside the analysis batch (a timer, a reading, a deal event): the nudge
 * rows first, keyed so that a repeat is skipped, then the delivery and atom events of only the
 * nudges that were new, so a retried job never sends twice. The caller dispatches the deliveries
 * after its commit.
 */
import { insertAtomEvents, insertDeliveries, insertNudges } from '../../db/queries/analysis.ts';
import type { Sql } from '../../db/client.ts';
import type { BuiltNudge } from './nudges.ts';

export async function writeNudges(
  tx: Sql,
  built: readonly BuiltNudge[],
): Promise<{ fresh: BuiltNudge[]; deliveries: Array<{ id: string; platform: string }> }> {
  const inserted = await insertNudges(
    tx,
    built.map((b) => b.nudge),
  );
  const fresh = built.filter((b) => inserted.has(b.nudge.id));
  const deliveries = await insertDeliveries(
    tx,
    fresh.flatMap((b) => (b.delivery ? [b.delivery] : [])),
  );
  await insertAtomEvents(
    tx,
    fresh.flatMap((b) => b.atomEvents),
  );
  return { fresh, deliveries };
}
