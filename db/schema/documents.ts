import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** What a shared document is to the sales process; guessed from its name, editable. */
export const DOCUMENT_KINDS = ['proposal', 'quote', 'contract', 'material'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/**
 * A PDF a rep shared with a customer chat, or (conversation and opportunity null) library
 * material an admin uploaded. The bytes live in the document storage under `storage_key`.
 */
export const documents = pgTable(
  'documents',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    fileName: text('file_name').notNull(),
    mime: text('mime').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    kind: text('kind').$type<DocumentKind>().notNull(),
    pageCount: integer('page_count').notNull(),
    /** Page titles, index 0 = page 1 (「价格」; null when none was found); the admin may edit them. */
    pageTitles: jsonb('page_titles').$type<(string | null)[]>().notNull(),
    /**
     * Salt of this document's viewer fingerprints: readers are compared within a document only,
     * and a fingerprint cannot be matched across documents or back to a network.
     */
    fingerprintSalt: text('fingerprint_salt').notNull(),
    uploadedBy: text('uploaded_by'),
    conversationId: text('conversation_id'),
    opportunityId: text('opportunity_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('documents_opportunity_idx').on(t.opportunityId, t.createdAt), index('documents_conversation_sha_idx').on(t.conversationId, t.sha256)],
);

/**
 * A tracked link to a document. Only the SHA-256 of the token is kept: a leaked database does not
 * open anyone's documents, and the token is shown once, when the link is made.
 */
export const documentLinks = pgTable(
  'document_links',
  {
    id: text('id').primaryKey(),
    documentId: text('document_id')
      .notNull()
      .references(() => documents.id),
    tokenHash: text('token_hash').notNull(),
    conversationId: text('conversation_id'),
    opportunityId: text('opportunity_id'),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('document_links_token_uq').on(t.tokenHash),
    index('document_links_document_idx').on(t.documentId),
    index('document_links_opportunity_idx').on(t.opportunityId),
  ],
);

/**
 * One opening of a link in a browser (an "open"). The fingerprint is a salted hash of a random
 * per-browser id, the network (/24 or /64) and the browser family: raw addresses are never kept.
 * `forwarded`: this view came from another device or network than the link's first view.
 */
export const documentViews = pgTable(
  'document_views',
  {
    id: text('id').primaryKey(),
    linkId: text('link_id')
      .notNull()
      .references(() => documentLinks.id),
    /** Chosen by the page for this load: a retried open returns the same view. */
    sessionId: text('session_id').notNull(),
    fingerprintHash: text('fingerprint_hash').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    downloads: integer('downloads').notNull().default(0),
    forwarded: boolean('forwarded').notNull().default(false),
  },
  (t) => [uniqueIndex('document_views_session_uq').on(t.linkId, t.sessionId), index('document_views_link_idx').on(t.linkId, t.openedAt)],
);

/** Seconds and visits of one page in one view, accumulated beacon by beacon (one upsert each). */
export const documentPageReads = pgTable(
  'document_page_reads',
  {
    viewId: text('view_id')
      .notNull()
      .references(() => documentViews.id),
    page: integer('page').notNull(),
    seconds: doublePrecision('seconds').notNull().default(0),
    visits: integer('visits').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.viewId, t.page] })],
);

/**
 * A reading event the loop has still to apply: an open, or a beacon that crossed a reading rule
 * (the ones that change a deal or nudge; a plain beacon's seconds are caught up by the next one).
 * Written when the viewer's request is stored, deleted in the transaction that applies it, so a
 * listener that failed (or a process that died) leaves it for the sweep instead of losing it.
 * `event` is the `ReadingEvent` as JSON; ids and counts only, no viewer data.
 */
export const pendingReadings = pgTable(
  'pending_readings',
  {
    id: text('id').primaryKey(),
    event: jsonb('event').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('pending_readings_created_idx').on(t.createdAt, t.id)],
);
