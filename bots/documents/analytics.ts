/**
 * Reading analytics: per document (opens, readers, time per page, pages skipped and read again)
 * for the console and `/docs`, and per deal (what the customer read and when) for `/deal` and
 * the deal's timeline.
 */
import type { Db } from '../../db/client.ts';
import {
  documentById,
  documentsSharedWith,
  linksOfDocument,
  readingRows,
  readingTotals,
  type DocumentRow,
  type ReadingRow,
  type ReadingScope,
} from '../../db/queries/documents.ts';
import type { DocumentKind } from '../../db/schema/documents.ts';
import { formatPageLabel } from './page-labels.ts';
import type { ReadingSnapshot } from './signals.ts';

/** A page counts as read by a reader who had it in view at least this long, in all. */
export const READ_FLOOR_SECONDS = 2;

export interface PageStats {
  page: number;
  label: string;
  seconds: number;
  visits: number;
  /** Readers who had the page in view at least READ_FLOOR_SECONDS. */
  readers: number;
}

export interface DocumentAnalytics {
  documentId: string;
  title: string;
  kind: DocumentKind;
  pageCount: number;
  opens: number;
  readers: number;
  downloads: number;
  /** Views from another device or network than the link's first. */
  forwards: number;
  totalSeconds: number;
  firstOpenedAt: Date | null;
  lastSeenAt: Date | null;
  pages: PageStats[];
  /** Pages nobody had in view READ_FLOOR_SECONDS (empty until the document is opened). */
  skippedPages: number[];
  /** Pages some reader came back to (two visits or more by the same reader). */
  rereadPages: number[];
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Totals for a scope, for readingSignals (`pages` narrows the page sums; none: counts only). */
export async function readingSnapshot(db: Db, scope: ReadingScope, pages?: number[]): Promise<ReadingSnapshot> {
  return readingTotals(db, scope, pages);
}

function analyze(document: DocumentRow, rows: ReadingRow[]): DocumentAnalytics {
  const views = new Map<string, ReadingRow>();
  // per fingerprint, per page: seconds and visits summed over that reader's views
  const byReader = new Map<string, Map<number, { seconds: number; visits: number }>>();
  const pages = Array.from({ length: document.pageCount }, (_, i) => ({
    page: i + 1,
    label: formatPageLabel(i + 1, document.pageTitles[i]),
    seconds: 0,
    visits: 0,
    readers: 0,
  }));
  for (const r of rows) {
    views.set(r.viewId, r);
    if (r.page === null) continue;
    const reader = byReader.get(r.fingerprintHash) ?? new Map();
    byReader.set(r.fingerprintHash, reader);
    const p = reader.get(r.page) ?? { seconds: 0, visits: 0 };
    p.seconds += r.seconds ?? 0;
    p.visits += r.visits ?? 0;
    reader.set(r.page, p);
    const stats = pages[r.page - 1];
    if (stats) {
      stats.seconds += r.seconds ?? 0;
      stats.visits += r.visits ?? 0;
    }
  }
  const reread = new Set<number>();
  for (const reader of byReader.values()) {
    for (const [page, p] of reader) {
      const stats = pages[page - 1];
      if (stats && p.seconds >= READ_FLOOR_SECONDS) stats.readers++;
      if (p.visits >= 2) reread.add(page);
    }
  }
  const viewList = [...views.values()];
  const fingerprints = new Set(viewList.map((v) => v.fingerprintHash));
  const opened = viewList.length > 0;
  return {
    documentId: document.id,
    title: document.title,
    kind: document.kind,
    pageCount: document.pageCount,
    opens: viewList.length,
    readers: fingerprints.size,
    downloads: viewList.reduce((n, v) => n + v.downloads, 0),
    forwards: viewList.filter((v) => v.forwarded).length,
    totalSeconds: round1(pages.reduce((n, p) => n + p.seconds, 0)),
    firstOpenedAt: opened ? new Date(Math.min(...viewList.map((v) => v.openedAt.getTime()))) : null,
    lastSeenAt: opened ? new Date(Math.max(...viewList.map((v) => v.lastSeenAt.getTime()))) : null,
    pages: pages.map((p) => ({ ...p, seconds: round1(p.seconds) })),
    skippedPages: opened ? pages.filter((p) => p.readers === 0).map((p) => p.page) : [],
    rereadPages: [...reread].sort((a, b) => a - b),
  };
}

/** One document's reading over all its links; null when there is no such document. */
export async function documentAnalytics(db: Db, documentId: string): Promise<DocumentAnalytics | null> {
  const document = await documentById(db, documentId);
  if (!document) return null;
  return analyze(document, await readingRows(db, { documentId }));
}

/** One opening of a document, for a deal's timeline. */
export interface ReadingOpen {
  viewId: string;
  documentId: string;
  title: string;
  openedAt: Date;
  lastSeenAt: Date;
  seconds: number;
  forwarded: boolean;
  downloads: number;
  /** Pages read in this open, most time first. */
  pages: { page: number; label: string; seconds: number; visits: number }[];
}

export interface ReadingSummary {
  /** Each document shared with the deal (or the one asked for), read or not. */
  documents: (DocumentAnalytics & { firstSharedAt: Date | null })[];
  /** Every open, oldest first: what the customer read and when. */
  opens: ReadingOpen[];
}

function opensOf(rows: ReadingRow[], docs: Map<string, DocumentRow>): ReadingOpen[] {
  const opens = new Map<string, ReadingOpen>();
  for (const r of rows) {
    const doc = docs.get(r.documentId);
    if (!doc) continue;
    let open = opens.get(r.viewId);
    if (!open) {
      open = {
        viewId: r.viewId,
        documentId: r.documentId,
        title: doc.title,
        openedAt: r.openedAt,
        lastSeenAt: r.lastSeenAt,
        seconds: 0,
        forwarded: r.forwarded,
        downloads: r.downloads,
        pages: [],
      };
      opens.set(r.viewId, open);
    }
    if (r.page !== null && (r.seconds ?? 0) > 0) {
      open.seconds += r.seconds ?? 0;
      open.pages.push({ page: r.page, label: formatPageLabel(r.page, doc.pageTitles[r.page - 1]), seconds: round1(r.seconds ?? 0), visits: r.visits ?? 0 });
    }
  }
  return [...opens.values()].map((o) => ({ ...o, seconds: round1(o.seconds), pages: o.pages.sort((a, b) => b.seconds - a.seconds) }));
}

/** What a deal's customers read (every document shared with it), or one document's reading. */
export async function readingSummary(db: Db, scope: { opportunityId: string } | { documentId: string }): Promise<ReadingSummary> {
  if ('documentId' in scope) {
    const document = await documentById(db, scope.documentId);
    if (!document) return { documents: [], opens: [] };
    const rows = await readingRows(db, { documentId: document.id });
    const links = await linksOfDocument(db, document.id);
    return {
      documents: [{ ...analyze(document, rows), firstSharedAt: links[0]?.createdAt ?? null }],
      opens: opensOf(rows, new Map([[document.id, document]])),
    };
  }
  const shared = await documentsSharedWith(db, scope.opportunityId);
  const rows = await readingRows(db, { opportunityId: scope.opportunityId });
  const docs = new Map(shared.map((s) => [s.document.id, s.document]));
  return {
    documents: shared.map((s) => ({
      ...analyze(
        s.document,
        rows.filter((r) => r.documentId === s.document.id),
      ),
      firstSharedAt: s.firstSharedAt,
    })),
    opens: opensOf(rows, docs),
  };
}
