/**
 * Storing what the viewer reports: an open (a view, forwarded or not) and beacons (page seconds
 * and visits, one upsert each). Each returns the reading event the loop turns into a
 * `document_viewed` customer action and, through readingSignals, into nudges.
 */
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/client.ts';
import { firstViewOfLink, insertView, recordPageReads, viewClockForUpdate, type DocumentRow, type ReadingScope } from '../../db/queries/documents.ts';
import type { DocumentKind } from '../../db/schema/documents.ts';
import { readingSnapshot } from './analytics.ts';
import { clampToClock, type Beacon, type OpenBody } from './beacon.ts';
import { viewerFingerprint } from './fingerprint.ts';
import type { LinkRef } from './lookups.ts';
import { formatPageLabel, pricePages } from './page-labels.ts';
import { addReading, readingSignals, type ReadingSignal, type ReadingSnapshot } from './signals.ts';

/** What the loop receives after an open or a beacon was stored. */
export interface ReadingEvent {
  type: 'opened' | 'read';
  at: Date;
  documentId: string;
  documentTitle: string;
  documentKind: DocumentKind;
  linkId: string;
  viewId: string;
  conversationId: string | null;
  opportunityId: string | null;
  /** This view came from another device or network than the link's first one. */
  forwarded: boolean;
  /** This beacon's deltas (empty for an open). */
  pages: { page: number; label: string; seconds: number; visits: number }[];
  /**
   * Reading of this document within the deal (or the link, without a deal) before and after,
   * as far as the rules need it: opens and readers, and the sums of the rule pages (price) this
   * event touched. Null for a beacon on no rule page: nothing it adds can cross a rule, and its
   * totals would cost two aggregate reads a beacon.
   */
  totals: { before: ReadingSnapshot; after: ReadingSnapshot } | null;
  /** Rules crossed by this event, each with a key that is the same however often it is computed. */
  signals: (ReadingSignal & { idempotencyKey: string })[];
}

/** Readings add up per deal: the same proposal sent twice to one customer is read in one place. */
export function scopeOf(link: LinkRef): ReadingScope {
  return link.opportunityId ? { documentId: link.documentId, opportunityId: link.opportunityId } : { documentId: link.documentId, linkId: link.id };
}

function keyed(signals: ReadingSignal[], link: LinkRef): ReadingEvent['signals'] {
  const scope = link.opportunityId ?? `link:${link.id}`;
  return signals.map((s) => ({
    ...s,
    idempotencyKey: s.kind === 'new_reader' ? `doc:${s.kind}:${link.documentId}:${scope}:${s.readers}` : `doc:${s.kind}:${link.documentId}:${scope}:${s.page}`,
  }));
}

export interface OpenInput {
  /** A link that opens (the caller checked its state). */
  link: LinkRef;
  document: DocumentRow;
  body: OpenBody;
  ip: string;
  userAgent: string | undefined;
  now: Date;
  /** Compute the event (two more reads); off when nobody listens. */
  withEvent: boolean;
}

/** Records an open; a retried open of the same page load returns the same view and no event. */
export async function recordOpen(db: Db, input: OpenInput): Promise<{ viewId: string; created: boolean; event: ReadingEvent | null }> {
  const { link, document } = input;
  const fingerprint = viewerFingerprint({ salt: document.fingerprintSalt, browserId: input.body.browserId, ip: input.ip, userAgent: input.userAgent });
  // Counts only: an open adds a view, and maybe a reader, but no page time.
  const before = input.withEvent ? await readingSnapshot(db, scopeOf(link), []) : null;
  const first = await firstViewOfLink(db, link.id);
  const { view, created } = await insertView(db, {
    id: newId(),
    linkId: link.id,
    sessionId: input.body.sessionId,
    fingerprintHash: fingerprint,
    openedAt: input.now,
    lastSeenAt: input.now,
    forwarded: first !== null && first.fingerprintHash !== fingerprint,
  });
  if (!created || !before) return { viewId: view.id, created, event: null };
  const after = await readingSnapshot(db, scopeOf(link), []);
  return {
    viewId: view.id,
    created,
    event: {
      type: 'opened',
      at: input.now,
      documentId: document.id,
      documentTitle: document.title,
      documentKind: document.kind,
      linkId: link.id,
      viewId: view.id,
      conversationId: link.conversationId,
      opportunityId: link.opportunityId,
      forwarded: view.forwarded,
      pages: [],
      totals: { before, after },
      signals: keyed(readingSignals(before, after, document.pageTitles, { kind: document.kind }), link),
    },
  };
}

export interface BeaconInput {
  /** The link the beacon came to; its state is checked with the write. */
  link: LinkRef;
  document: DocumentRow;
  /** Already checked against the document by parseBeacon. */
  beacon: Beacon;
  now: Date;
  withEvent: boolean;
}

/**
 * Stores a beacon in one transaction that locks the view's row: the view must be the link's and
 * the link still open (else nothing stored), and its page deltas, held to the view's clock
 * (clampToClock), are added to it. Returns the reading event (when
 * asked for) or null; `stored` says whether anything was.
 */
export async function recordBeacon(db: Db, input: BeaconInput): Promise<{ stored: boolean; event: ReadingEvent | null }> {
  const { link, document } = input;
  const rulePages = pricePages(document.pageTitles);
  const asked = input.beacon.pages.map((p) => p.page).filter((p) => rulePages.includes(p));
  const before = input.withEvent && asked.length > 0 ? await readingSnapshot(db, scopeOf(link), asked) : null;
  // The view's row is locked from reading its clock to adding the seconds: two beacons at once
  // cannot both spend the same time.
  const written = await db.transaction(async (tx) => {
    const clock = await viewClockForUpdate(tx, { viewId: input.beacon.viewId, linkId: link.id });
    if (!clock) return null;
    const { pages } = clampToClock(input.beacon.pages, clock, input.now);
    const stored = await recordPageReads(tx, { viewId: input.beacon.viewId, linkId: link.id, at: input.now, reads: pages });
    return stored ? { ...stored, pages } : null;
  });
  if (!written) return { stored: false, event: null };
  const beacon: Beacon = { viewId: input.beacon.viewId, pages: written.pages };
  if (!input.withEvent || beacon.pages.length === 0) return { stored: true, event: null };
  const totals = before
    ? {
        before,
        after: addReading(
          before,
          beacon.pages.filter((p) => rulePages.includes(p.page)),
        ),
      }
    : null;
  const event: ReadingEvent = {
    type: 'read',
    at: input.now,
    documentId: document.id,
    documentTitle: document.title,
    documentKind: document.kind,
    linkId: link.id,
    viewId: beacon.viewId,
    conversationId: link.conversationId,
    opportunityId: link.opportunityId,
    forwarded: written.forwarded,
    pages: beacon.pages.map((p) => ({ ...p, label: formatPageLabel(p.page, document.pageTitles[p.page - 1]) })),
    totals,
    signals: totals ? keyed(readingSignals(totals.before, totals.after, document.pageTitles, { kind: document.kind }), link) : [],
  };
  return { stored: true, event };
}
