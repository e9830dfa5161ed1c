/**
 * The reading listener's statements (bots/coaching/reading.ts): a document view kept as the deal's
 * `document_viewed` action, the deal's opens counted, a shared document's "not opened" timers
 * fulfilled, and the deal's recent nudges for cooldowns. Plain statements on a transaction.
 */
import type { Db, Sql } from '../client.ts';
import { pendingReadings } from '../schema/documents.ts';

/** The customer chat a link was made for, with its deal. */
export interface ReadingConversation {
  id: string;
  platform: string;
  ownerId: string | null;
  opportunityId: string | null;
}

export async function readingConversation(tx: Sql, conversationId: string): Promise<ReadingConversation | null> {
  const [row] = await tx.query<ReadingConversation>(
    `select id, platform, owner_id as "ownerId", opportunity_id as "opportunityId" from conversations where id = $1`,
    [conversationId],
  );
  return row ?? null;
}

/** What a reading needs of its deal: who to nudge, its stage, and the value score's inputs. */
export interface ReadingDeal {
  id: string;
  name: string | null;
  ownerId: string | null;
  stage: string;
  status: 'open' | 'won' | 'lost';
  amount: number | null;
  valueScore: number;
  /** The terms as last computed: the post-sale ones carry over when an open rescores the deal. */
  valueTerms: Record<string, number>;
  customerMessages: number;
  buyingSignals: number;
  replyHoursSum: number;
  replyCount: number;
  documentOpens: number;
  contactName: string | null;
}

/** The deal, locked until the transaction ends when `lock` (an open changes its counters). */
export async function readingDeal(tx: Sql, id: string, lock: boolean): Promise<ReadingDeal | null> {
  const [row] = await tx.query<ReadingDeal>(
    `select id, name, owner_id as "ownerId", stage, status, amount, value_score as "valueScore", value_terms as "valueTerms", customer_messages as "customerMessages",
       buying_signals as "buyingSignals", reply_hours_sum as "replyHoursSum", reply_count as "replyCount", document_opens as "documentOpens",
       contact_name as "contactName"
     from opportunities where id = $1${lock ? ' for update' : ''}`,
    [id],
  );
  return row ?? null;
}

/** One view's pages as read so far, with the document's page titles. */
export async function viewReading(
  tx: Sql,
  viewId: string,
): Promise<{ openedAt: Date; lastSeenAt: Date; pageTitles: (string | null)[]; pages: { page: number; seconds: number; visits: number }[] } | null> {
  const [row] = await tx.query<{
    openedAt: Date;
    lastSeenAt: Date;
    pageTitles: (string | null)[];
    pages: { page: number; seconds: number; visits: number }[];
  }>(
    `select v.opened_at as "openedAt", v.last_seen_at as "lastSeenAt", d.page_titles as "pageTitles",
       coalesce((select jsonb_agg(jsonb_build_object('page', r.page, 'seconds', r.seconds, 'visits', r.visits) order by r.page)
                 from document_page_reads r where r.view_id = v.id), '[]'::jsonb) as pages
     from document_views v join document_links l on l.id = v.link_id join documents d on d.id = l.document_id
     where v.id = $1`,
    [viewId],
  );
  return row ? { ...row, openedAt: new Date(row.openedAt), lastSeenAt: new Date(row.lastSeenAt) } : null;
}

export interface ViewActionRow {
  id: string;
  document_view_id: string;
  conversation_id: string;
  opportunity_id: string | null;
  attrs: Record<string, unknown>;
  at: string;
}

/**
 * The view's `document_viewed` action, inserted at its first event and brought up to date by
 * the later ones (one action per view, whatever the number of beacons). Returns its id.
 */
export async function upsertViewAction(tx: Sql, row: ViewActionRow): Promise<string> {
  const [out] = await tx.query<{ id: string }>(
    `insert into actions (id, message_id, document_view_id, conversation_id, opportunity_id, person_id, kind, confidence, attrs, at)
     values ($1, null, $2, $3, $4, null, 'document_viewed', 1, $5::text::jsonb, $6)
     on conflict (document_view_id) where document_view_id is not null do update set attrs = excluded.attrs, opportunity_id = coalesce(excluded.opportunity_id, actions.opportunity_id)
     returning id`,
    [row.id, row.document_view_id, row.conversation_id, row.opportunity_id, JSON.stringify(row.attrs), row.at],
  );
  return out!.id;
}

/** One more open of the deal's documents, with the score it makes. */
export async function countDocumentOpen(tx: Sql, p: { dealId: string; valueScore: number; valueTerms: Record<string, number>; at: Date }): Promise<void> {
  await tx.query(
    `update opportunities set document_opens = document_opens + 1, value_score = $2, value_terms = $3::text::jsonb, updated_at = greatest(updated_at, $4)
     where id = $1`,
    [p.dealId, p.valueScore, JSON.stringify(p.valueTerms), p.at],
  );
}

/** The pending "not opened yet" timers of a document in a deal (or chat) are met by its opening. */
export async function fulfilOpenedTimers(tx: Sql, p: { documentId: string; opportunityId: string | null; conversationId: string; at: Date }): Promise<number> {
  const rows = await tx.query<{ id: string }>(
    `update timers set status = 'fulfilled', resolved_at = $4
     where status = 'pending' and expect->>'opened' = $1 and (opportunity_id = $2 or conversation_id = $3)
     returning id`,
    [p.documentId, p.opportunityId, p.conversationId, p.at],
  );
  return rows.length;
}

/** The deal's nudges since `since`: cooldowns, and atoms not pushed twice in a week. */
export async function dealNudgesSince(tx: Sql, dealId: string, since: Date): Promise<Array<{ ruleId: string; atomIds: string[]; createdAt: Date }>> {
  const rows = await tx.query<{ ruleId: string; atomIds: string[]; createdAt: Date }>(
    `select rule_id as "ruleId", atom_ids as "atomIds", created_at as "createdAt" from nudges where opportunity_id = $1 and created_at >= $2`,
    [dealId, since],
  );
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
}

/** Keeps a reading event until the transaction that applies it deletes it (`takePendingReading`). */
export async function insertPendingReading(db: Db, row: { id: string; event: unknown; createdAt: Date }): Promise<void> {
  await db.insert(pendingReadings).values(row);
}

/** The event of a pending reading, deleted in the caller's transaction; null once another applied it. */
export async function takePendingReading(tx: Sql, id: string): Promise<unknown | null> {
  const [row] = await tx.query<{ event: unknown }>('delete from pending_readings where id = $1 returning event', [id]);
  return row?.event ?? null;
}

/** A pending reading's event, read without taking it (the job takes it in the transaction that applies it). */
export async function pendingReading(tx: Sql, id: string): Promise<unknown | null> {
  const [row] = await tx.query<{ event: unknown }>('select event from pending_readings where id = $1', [id]);
  return row?.event ?? null;
}
