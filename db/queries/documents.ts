/**
 * Shared documents, their tracked links, views and page reads. Plain functions over a database or
 * a transaction; validation happens before these are called (bots/documents/).
 */
import { and, asc, desc, eq, ilike, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../client.ts';
import { conversations, documentLinks, documentPageReads, documentViews, documents, opportunities, people } from '../schema/index.ts';

export type DocumentRow = typeof documents.$inferSelect;
export type NewDocument = typeof documents.$inferInsert;
export type DocumentLinkRow = typeof documentLinks.$inferSelect;
export type DocumentViewRow = typeof documentViews.$inferSelect;

/** The chat a link is made for (its id carries its platform: `local:c-1`). */
export async function conversationById(db: Db, id: string): Promise<typeof conversations.$inferSelect | null> {
  const rows = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function insertDocument(db: Db, row: NewDocument): Promise<DocumentRow> {
  const [inserted] = await db.insert(documents).values(row).returning();
  return inserted!;
}

export async function documentById(db: Db, id: string): Promise<DocumentRow | null> {
  const rows = await db.select().from(documents).where(eq(documents.id, id)).limit(1);
  return rows[0] ?? null;
}

/** The same file already shared with the same chat (or the library, conversation null). */
export async function documentBySha(db: Db, p: { conversationId: string | null; sha256: string }): Promise<DocumentRow | null> {
  const rows = await db
    .select()
    .from(documents)
    .where(and(eq(documents.sha256, p.sha256), p.conversationId === null ? isNull(documents.conversationId) : eq(documents.conversationId, p.conversationId)))
    .orderBy(asc(documents.createdAt))
    .limit(1);
  return rows[0] ?? null;
}

/** Escapes LIKE wildcards so a rep's words match literally. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Documents whose title or file name contains `text` (`/share 报价单`): the deal's own first, then
 * those `uploadedBy` shared elsewhere, then library material, newest first within each.
 */
export async function searchDocuments(
  db: Db,
  p: { text: string; opportunityId?: string | null; uploadedBy?: string | null; limit?: number },
): Promise<DocumentRow[]> {
  const pattern = `%${likeLiteral(p.text.trim())}%`;
  const library = and(isNull(documents.opportunityId), isNull(documents.conversationId));
  const scope = or(
    library,
    p.opportunityId ? eq(documents.opportunityId, p.opportunityId) : undefined,
    p.uploadedBy ? eq(documents.uploadedBy, p.uploadedBy) : undefined,
  );
  const own = p.opportunityId ? sql`${documents.opportunityId} is distinct from ${p.opportunityId}` : sql`true`;
  return db
    .select()
    .from(documents)
    .where(and(scope, or(ilike(documents.title, pattern), ilike(documents.fileName, pattern))))
    .orderBy(own, sql`${documents.opportunityId} is null`, desc(documents.createdAt))
    .limit(p.limit ?? 5);
}

/** Whose documents `/docs` may list: everyone's, those of some teams' deals and reps, or one person's. */
export type DocumentScope = { all: true } | { teamIds: readonly string[] } | { personId: string };

/**
 * Documents within `scope` (library material always), newest first, with their deal's name and
 * who shared them; `text` narrows to titles and file names containing it.
 */
export async function visibleDocuments(
  db: Db,
  p: { scope: DocumentScope; text?: string; limit: number },
): Promise<Array<{ document: DocumentRow; dealName: string | null; sharedBy: string | null }>> {
  const owner = alias(people, 'owner');
  const uploader = alias(people, 'uploader');
  const library = and(isNull(documents.opportunityId), isNull(documents.conversationId));
  const s = p.scope;
  const scope =
    'all' in s
      ? undefined
      : 'teamIds' in s
        ? s.teamIds.length === 0
          ? library
          : or(library, inArray(owner.teamId, [...s.teamIds]), inArray(uploader.teamId, [...s.teamIds]))
        : or(library, eq(opportunities.ownerId, s.personId), eq(documents.uploadedBy, s.personId));
  const text = p.text?.trim();
  const match = text ? or(ilike(documents.title, `%${likeLiteral(text)}%`), ilike(documents.fileName, `%${likeLiteral(text)}%`)) : undefined;
  return db
    .select({ document: documents, dealName: opportunities.name, sharedBy: uploader.name })
    .from(documents)
    .leftJoin(opportunities, eq(opportunities.id, documents.opportunityId))
    .leftJoin(owner, eq(owner.id, opportunities.ownerId))
    .leftJoin(uploader, eq(uploader.id, documents.uploadedBy))
    .where(and(scope, match))
    .orderBy(desc(documents.createdAt), asc(documents.id))
    .limit(p.limit);
}

export async function documentsOfOpportunity(db: Db, opportunityId: string): Promise<DocumentRow[]> {
  return db.select().from(documents).where(eq(documents.opportunityId, opportunityId)).orderBy(asc(documents.createdAt));
}

export async function setPageTitles(db: Db, p: { documentId: string; titles: (string | null)[] }): Promise<DocumentRow | null> {
  const rows = await db.update(documents).set({ pageTitles: p.titles }).where(eq(documents.id, p.documentId)).returning();
  return rows[0] ?? null;
}

export async function insertLink(db: Db, row: typeof documentLinks.$inferInsert): Promise<DocumentLinkRow> {
  const [inserted] = await db.insert(documentLinks).values(row).returning();
  return inserted!;
}

/** The link behind a token hash, whatever its state (the caller checks it). */
export async function linkOnlyByTokenHash(db: Db, tokenHash: string): Promise<DocumentLinkRow | null> {
  const rows = await db.select().from(documentLinks).where(eq(documentLinks.tokenHash, tokenHash)).limit(1);
  return rows[0] ?? null;
}

/** The link behind a token hash with its document, whatever its state (the caller checks it). */
export async function linkByTokenHash(db: Db, tokenHash: string): Promise<{ link: DocumentLinkRow; document: DocumentRow } | null> {
  const rows = await db
    .select({ link: documentLinks, document: documents })
    .from(documentLinks)
    .innerJoin(documents, eq(documents.id, documentLinks.documentId))
    .where(eq(documentLinks.tokenHash, tokenHash))
    .limit(1);
  return rows[0] ?? null;
}

export async function linksOfDocument(db: Db, documentId: string): Promise<DocumentLinkRow[]> {
  return db.select().from(documentLinks).where(eq(documentLinks.documentId, documentId)).orderBy(asc(documentLinks.createdAt));
}

/** Revokes every link of a document not revoked yet; returns how many. */
export async function revokeLinks(db: Db, p: { documentId: string; at: Date }): Promise<number> {
  const rows = await db
    .update(documentLinks)
    .set({ revokedAt: p.at })
    .where(and(eq(documentLinks.documentId, p.documentId), isNull(documentLinks.revokedAt)))
    .returning({ id: documentLinks.id });
  return rows.length;
}

export async function firstViewOfLink(db: Db, linkId: string): Promise<DocumentViewRow | null> {
  const rows = await db
    .select()
    .from(documentViews)
    .where(eq(documentViews.linkId, linkId))
    .orderBy(asc(documentViews.openedAt), asc(documentViews.id))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Records an open. A retried open of the same page load (same session id) returns the view it
 * made the first time; `created` says which.
 */
export async function insertView(db: Db, row: typeof documentViews.$inferInsert): Promise<{ view: DocumentViewRow; created: boolean }> {
  const inserted = await db.insert(documentViews).values(row).onConflictDoNothing().returning();
  if (inserted[0]) return { view: inserted[0], created: true };
  const existing = await db
    .select()
    .from(documentViews)
    .where(and(eq(documentViews.linkId, row.linkId), eq(documentViews.sessionId, row.sessionId)))
    .limit(1);
  return { view: existing[0]!, created: false };
}

/**
 * Marks a view seen (and counts a download) if it belongs to the link: the check that a beacon's
 * view id is not someone else's. Returns the view, or null when it is not the link's.
 */
export async function touchView(db: Db, p: { viewId: string; linkId: string; at: Date; download?: boolean }): Promise<DocumentViewRow | null> {
  const rows = await db
    .update(documentViews)
    .set({ lastSeenAt: p.at, ...(p.download ? { downloads: sql`${documentViews.downloads} + 1` } : {}) })
    .where(and(eq(documentViews.id, p.viewId), eq(documentViews.linkId, p.linkId)))
    .returning();
  return rows[0] ?? null;
}

/** Adds a beacon's deltas to a view's pages in one upsert. Pages must be distinct. */
export async function addPageReads(db: Db, p: { viewId: string; reads: { page: number; seconds: number; visits: number }[] }): Promise<void> {
  if (p.reads.length === 0) return;
  await db
    .insert(documentPageReads)
    .values(p.reads.map((r) => ({ viewId: p.viewId, page: r.page, seconds: r.seconds, visits: r.visits })))
    .onConflictDoUpdate({
      target: [documentPageReads.viewId, documentPageReads.page],
      set: {
        seconds: sql`${documentPageReads.seconds} + excluded.seconds`,
        visits: sql`${documentPageReads.visits} + excluded.visits`,
      },
    });
}

/** Rows of a raw `execute`, whichever driver ran it (PGlite answers {rows}, postgres.js an array). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

/**
 * A beacon in one statement: marks the view seen if it is the link's and the link still opens at
 * `at` (not revoked, not expired), and adds the page deltas to it, accumulating seconds and
 * visits. Nothing is written otherwise (null); else returns whether the view was a forwarded one. Pages must be distinct and the numbers checked (they are inlined as
 * array literals, which only numbers can be).
 */
export async function recordPageReads(
  db: Db,
  p: { viewId: string; linkId: string; at: Date; reads: { page: number; seconds: number; visits: number }[] },
): Promise<{ forwarded: boolean } | null> {
  for (const r of p.reads) {
    if (!Number.isInteger(r.page) || !Number.isFinite(r.seconds) || !Number.isInteger(r.visits)) throw new Error('page reads must be numbers');
  }
  const array = (xs: number[]) => `{${xs.join(',')}}`;
  const result = await db.execute(sql`
    with v as (
      update ${documentViews} set last_seen_at = ${p.at.toISOString()}::timestamptz
      from ${documentLinks} l
      where ${documentViews}.id = ${p.viewId} and ${documentViews}.link_id = ${p.linkId} and l.id = ${p.linkId}
        and l.revoked_at is null and (l.expires_at is null or l.expires_at > ${p.at.toISOString()}::timestamptz)
      returning ${documentViews}.id, ${documentViews}.forwarded
    ), ins as (
      insert into ${documentPageReads} (view_id, page, seconds, visits)
      select v.id, r.page, r.seconds, r.visits
      from v cross join unnest(${array(p.reads.map((r) => r.page))}::int[], ${array(p.reads.map((r) => r.seconds))}::float8[], ${array(p.reads.map((r) => r.visits))}::int[]) as r(page, seconds, visits)
      on conflict (view_id, page) do update
        set seconds = ${documentPageReads}.seconds + excluded.seconds, visits = ${documentPageReads}.visits + excluded.visits
      returning 1
    )
    select (select count(*) from v)::int as views, (select bool_or(forwarded) from v) as forwarded, (select count(*) from ins)::int as pages`);
  const row = rowsOf<{ views: number; forwarded: boolean | null }>(result)[0];
  return row && row.views > 0 ? { forwarded: row.forwarded === true } : null;
}

/**
 * A view's clocks and the seconds stored on it so far, its row locked until the transaction ends:
 * what a beacon's seconds are held to, read where a concurrent beacon cannot slip in between.
 * Null when the view is not the link's.
 */
export async function viewClockForUpdate(db: Db, p: { viewId: string; linkId: string }): Promise<{ openedAt: Date; lastSeenAt: Date; seconds: number } | null> {
  const result = await db.execute(sql`
    select v.opened_at as "openedAt", v.last_seen_at as "lastSeenAt",
      (select coalesce(sum(r.seconds), 0) from ${documentPageReads} r where r.view_id = v.id)::float8 as seconds
    from ${documentViews} v where v.id = ${p.viewId} and v.link_id = ${p.linkId}
    for update of v`);
  const row = rowsOf<{ openedAt: string | Date; lastSeenAt: string | Date; seconds: number }>(result)[0];
  return row ? { openedAt: new Date(row.openedAt), lastSeenAt: new Date(row.lastSeenAt), seconds: Number(row.seconds) } : null;
}

/** Which views to read: a document's (optionally one deal's or one link's), or a deal's. */
export type ReadingScope = { documentId: string; opportunityId?: string; linkId?: string } | { opportunityId: string };

/** One view with one of its pages (page null: opened, nothing read yet). */
export interface ReadingRow {
  documentId: string;
  linkId: string;
  viewId: string;
  fingerprintHash: string;
  openedAt: Date;
  lastSeenAt: Date;
  downloads: number;
  forwarded: boolean;
  page: number | null;
  seconds: number | null;
  visits: number | null;
}

function scopeWhere(scope: ReadingScope): SQL | undefined {
  const where: SQL[] = [];
  if ('documentId' in scope) {
    where.push(eq(documentLinks.documentId, scope.documentId));
    if (scope.opportunityId) where.push(eq(documentLinks.opportunityId, scope.opportunityId));
    if (scope.linkId) where.push(eq(documentLinks.id, scope.linkId));
  } else {
    where.push(eq(documentLinks.opportunityId, scope.opportunityId));
  }
  return and(...where);
}

export async function readingRows(db: Db, scope: ReadingScope): Promise<ReadingRow[]> {
  return db
    .select({
      documentId: documentLinks.documentId,
      linkId: documentViews.linkId,
      viewId: documentViews.id,
      fingerprintHash: documentViews.fingerprintHash,
      openedAt: documentViews.openedAt,
      lastSeenAt: documentViews.lastSeenAt,
      downloads: documentViews.downloads,
      forwarded: documentViews.forwarded,
      page: documentPageReads.page,
      seconds: documentPageReads.seconds,
      visits: documentPageReads.visits,
    })
    .from(documentViews)
    .innerJoin(documentLinks, eq(documentLinks.id, documentViews.linkId))
    .leftJoin(documentPageReads, eq(documentPageReads.viewId, documentViews.id))
    .where(scopeWhere(scope))
    .orderBy(asc(documentViews.openedAt), asc(documentViews.id), asc(documentPageReads.page));
}

/**
 * Opens, distinct readers and per-page sums in a scope: two aggregate queries, whatever the
 * views. `pages` narrows the sums to those pages (none: counts only, one query).
 */
export async function readingTotals(
  db: Db,
  scope: ReadingScope,
  pages?: number[],
): Promise<{ opens: number; readers: number; pages: { page: number; seconds: number; visits: number }[] }> {
  const [counts] = await db
    .select({ opens: sql<number>`count(*)::int`, readers: sql<number>`count(distinct ${documentViews.fingerprintHash})::int` })
    .from(documentViews)
    .innerJoin(documentLinks, eq(documentLinks.id, documentViews.linkId))
    .where(scopeWhere(scope));
  if (pages && pages.length === 0) return { opens: counts?.opens ?? 0, readers: counts?.readers ?? 0, pages: [] };
  const sums = await db
    .select({
      page: documentPageReads.page,
      seconds: sql<number>`sum(${documentPageReads.seconds})::float8`,
      visits: sql<number>`sum(${documentPageReads.visits})::int`,
    })
    .from(documentPageReads)
    .innerJoin(documentViews, eq(documentViews.id, documentPageReads.viewId))
    .innerJoin(documentLinks, eq(documentLinks.id, documentViews.linkId))
    .where(and(scopeWhere(scope), pages ? inArray(documentPageReads.page, pages) : undefined))
    .groupBy(documentPageReads.page)
    .orderBy(asc(documentPageReads.page));
  return { opens: counts?.opens ?? 0, readers: counts?.readers ?? 0, pages: sums.map((p) => ({ ...p, seconds: Number(p.seconds) })) };
}

/** The documents shared with a deal (through a link), with when each was first shared. */
export async function documentsSharedWith(db: Db, opportunityId: string): Promise<{ document: DocumentRow; firstSharedAt: Date }[]> {
  const rows = await db
    .select({ document: documents, firstSharedAt: sql<Date>`min(${documentLinks.createdAt})` })
    .from(documentLinks)
    .innerJoin(documents, eq(documents.id, documentLinks.documentId))
    .where(eq(documentLinks.opportunityId, opportunityId))
    .groupBy(documents.id)
    .orderBy(sql`min(${documentLinks.createdAt})`);
  return rows.map((r) => ({ document: r.document, firstSharedAt: new Date(r.firstSharedAt) }));
}
