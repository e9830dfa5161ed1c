/**
 * Sharing a tracked document opens the playbook's timers on it: a quote (`on: { shared: quote }`)
 * the customer has not opened within two working days reminds the rep. The timer is a row like
 * every other (the timer job fires it) and is fulfilled by the document's first open in the deal
 * (bots/coaching/reading.ts).
 */
import { and, eq, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { WorkingHours } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import type { DocumentLinkRow, DocumentRow } from '../../db/queries/documents.ts';
import { timers } from '../../db/schema/index.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { timerWindow } from './windows.ts';

export interface SharedLink {
  document: Pick<DocumentRow, 'id' | 'kind'>;
  link: Pick<DocumentLinkRow, 'id' | 'conversationId' | 'opportunityId' | 'createdBy'>;
  at: Date;
}

/**
 * Opens the timers of the rules on sharing this kind of document; returns how many. The same
 * document shared again with the same chat while its timer is still pending keeps that timer (one
 * reminder, on the first link's clock).
 */
export async function openShareTimers(db: Db, catalog: Catalog, wh: WorkingHours, s: SharedLink): Promise<number> {
  const { link, document } = s;
  if (!link.conversationId) return 0;
  const pending = await db
    .select({ ruleId: timers.ruleId })
    .from(timers)
    .where(and(eq(timers.conversationId, link.conversationId), eq(timers.status, 'pending'), sql`${timers.expect}->>'opened' = ${document.id}`));
  const open = new Set(pending.map((t) => t.ruleId));
  const rows = catalog.playbook.rules.flatMap((rule) => {
    if (!rule.enabled || !('shared' in rule.on) || rule.on.shared !== document.kind || open.has(rule.id)) return [];
    const window = timerWindow(rule, { sentAt: s.at, meetingAt: null, commitment: null }, wh);
    if (!window) return [];
    return [
      {
        id: newId(),
        ruleId: rule.id,
        opportunityId: link.opportunityId,
        conversationId: link.conversationId!,
        repId: link.createdBy,
        // One timer per rule and link: sharing again makes a new link and a new timer.
        triggerMessageId: link.id,
        triggerAt: s.at,
        expect: { opened: document.id },
        startedAt: window.startedAt,
        nudgeAt: window.nudgeAt,
        dueAt: window.dueAt,
        status: 'pending' as const,
      },
    ];
  });
  if (rows.length === 0) return 0;
  const inserted = await db.insert(timers).values(rows).onConflictDoNothing().returning({ id: timers.id });
  return inserted.length;
}
