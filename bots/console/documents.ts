/**
 * A document's reading for the console (bots/documents/analytics.ts): opens, readers, time per
 * page, pages skipped and read again, and each open. Who may look: whoever may see the deal it was
 * shared in (bots/reports/access.ts) or uploaded it; library material (no deal) is for managers
 * and admins, whose reps' customers it reaches.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { documentById } from '../../db/queries/documents.ts';
import { opportunities, people } from '../../db/schema/index.ts';
import { type DocumentAnalytics, type ReadingOpen, readingSummary } from '../documents/analytics.ts';
import { canSeeDeal, type Viewer } from '../reports/access.ts';
import { UNNAMED_DEAL_LABEL } from '../reports/deal-name.ts';

export interface ConsoleDocument {
  analytics: DocumentAnalytics & { firstSharedAt: Date | null };
  opens: ReadingOpen[];
  deal: { id: string; name: string } | null;
}

/** The document's reading, `forbidden` when the viewer may not see it, null when there is none. */
export async function consoleDocument(db: Db, viewer: Viewer, id: string): Promise<ConsoleDocument | 'forbidden' | null> {
  const doc = await documentById(db, id);
  if (!doc) return null;
  let deal: ConsoleDocument['deal'] = null;
  let allowed = viewer.active && (viewer.role === 'admin' || doc.uploadedBy === viewer.id);
  if (doc.opportunityId) {
    const [d] = await db
      .select({ id: opportunities.id, name: opportunities.name, ownerId: opportunities.ownerId, ownerTeamId: people.teamId })
      .from(opportunities)
      .leftJoin(people, eq(people.id, opportunities.ownerId))
      .where(eq(opportunities.id, doc.opportunityId));
    if (d) {
      deal = { id: d.id, name: d.name ?? UNNAMED_DEAL_LABEL };
      allowed ||= canSeeDeal(viewer, { ownerId: d.ownerId, ownerTeamId: d.ownerTeamId ?? null });
    }
  } else allowed ||= viewer.active && viewer.role === 'manager';
  if (!allowed) return 'forbidden';
  const summary = await readingSummary(db, { documentId: id });
  const analytics = summary.documents[0];
  if (!analytics) return null;
  return { analytics, opens: summary.opens, deal };
}
