/** Deals as data: what `/v1/deals` returns (and a CRM or BI tool reads). */
import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { conversations, dealCorrections, opportunities, stageChanges } from '../schema/index.ts';

export interface DealFilter {
  /** The deals of any of these conversations (full ids). */
  conversationIds?: readonly string[];
  stage?: string;
  ownerId?: string;
  status?: 'open' | 'won' | 'lost';
  limit: number;
  offset: number;
}

const dealColumns = {
  id: opportunities.id,
  name: opportunities.name,
  ownerId: opportunities.ownerId,
  stage: opportunities.stage,
  status: opportunities.status,
  amount: opportunities.amount,
  valueScore: opportunities.valueScore,
  valueTerms: opportunities.valueTerms,
  crmId: opportunities.crmId,
  createdAt: opportunities.createdAt,
  stageAt: opportunities.stageAt,
  closedAt: opportunities.closedAt,
  updatedAt: opportunities.updatedAt,
};

export type DealRow = {
  [K in keyof typeof dealColumns]: (typeof dealColumns)[K]['_']['data'] | ((typeof dealColumns)[K]['_']['notNull'] extends true ? never : null);
};

export async function listDeals(db: Db, f: DealFilter): Promise<DealRow[]> {
  const conds: SQL[] = [];
  if (f.stage) conds.push(eq(opportunities.stage, f.stage));
  if (f.ownerId) conds.push(eq(opportunities.ownerId, f.ownerId));
  if (f.status) conds.push(eq(opportunities.status, f.status));
  if (f.conversationIds) {
    // A subquery, not a join: two of the conversations may be one deal's, which is listed once.
    const ids = db
      .select({ id: conversations.opportunityId })
      .from(conversations)
      .where(inArray(conversations.id, [...f.conversationIds]));
    conds.push(inArray(opportunities.id, ids));
  }
  const rows = await db
    .select(dealColumns)
    .from(opportunities)
    .where(and(...conds))
    .orderBy(desc(opportunities.updatedAt), asc(opportunities.id))
    .limit(f.limit)
    .offset(f.offset);
  return rows as DealRow[];
}

export async function dealById(db: Db, id: string) {
  const [deal] = await db.select(dealColumns).from(opportunities).where(eq(opportunities.id, id));
  if (!deal) return null;
  const [history, corrections, convs] = await Promise.all([
    db
      .select({
        from: stageChanges.fromStage,
        to: stageChanges.toStage,
        at: stageChanges.at,
        source: stageChanges.source,
        byPersonId: stageChanges.byPersonId,
        messageId: stageChanges.messageId,
        actionId: stageChanges.actionId,
      })
      .from(stageChanges)
      .where(eq(stageChanges.opportunityId, id))
      .orderBy(asc(stageChanges.at), asc(stageChanges.id)),
    db
      .select({
        field: dealCorrections.field,
        before: dealCorrections.before,
        after: dealCorrections.after,
        byPersonId: dealCorrections.byPersonId,
        via: dealCorrections.via,
        at: dealCorrections.at,
      })
      .from(dealCorrections)
      .where(eq(dealCorrections.opportunityId, id))
      .orderBy(asc(dealCorrections.at)),
    db.select({ id: conversations.id }).from(conversations).where(eq(conversations.opportunityId, id)),
  ]);
  return { ...deal, conversationIds: convs.map((c) => c.id), history, corrections };
}
