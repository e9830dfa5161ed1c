/**
 * When reading becomes something a rep should act on. Pure: given the reading of one document
 * (within one deal) before and after a beacon or an open, says which rule was crossed. A rule
 * fires on the crossing only, so the same reading never signals twice; the loop turns signals
 * into nudges (keyed by `idempotencyKey`, so a retried beacon cannot nudge twice either).
 */
import type { DocumentKind } from '../../db/schema/documents.ts';
import { formatPageLabel, pricePages } from './page-labels.ts';

export interface PageReading {
  page: number;
  seconds: number;
  visits: number;
}

/** Totals over every view in a scope (a document within one deal, or one link). */
export interface ReadingSnapshot {
  /** Views: each opening of the link in a browser. */
  opens: number;
  /** Distinct viewer fingerprints. */
  readers: number;
  pages: PageReading[];
}

export const EMPTY_SNAPSHOT: ReadingSnapshot = { opens: 0, readers: 0, pages: [] };

export type ReadingSignal =
  /** The price page was visited more than `priceVisits` times in all. */
  | { kind: 'price_page_reread'; page: number; label: string; visits: number; seconds: number; opens: number }
  /** The price page was looked at for more than `priceSeconds` in all. */
  | { kind: 'price_page_dwell'; page: number; label: string; visits: number; seconds: number; opens: number }
  /** Someone new (a fingerprint not seen before) opened a proposal or quote: multi-threading. */
  | { kind: 'new_reader'; readers: number; opens: number };

export interface SignalOptions {
  kind: DocumentKind;
  /** More visits than this in all is a re-read; default 2 ("more than twice"). */
  priceVisits?: number;
  /** More seconds than this in all is a long look; default 120. */
  priceSeconds?: number;
  /** Kinds on which a new reader signals; default proposal and quote. */
  newReaderKinds?: DocumentKind[];
}

const pageIn = (s: ReadingSnapshot, page: number): PageReading => s.pages.find((p) => p.page === page) ?? { page, seconds: 0, visits: 0 };

/** Adds a beacon's page deltas to a snapshot. */
export function addReading(s: ReadingSnapshot, delta: PageReading[]): ReadingSnapshot {
  const pages = new Map(s.pages.map((p) => [p.page, { ...p }]));
  for (const d of delta) {
    const p = pages.get(d.page) ?? { page: d.page, seconds: 0, visits: 0 };
    p.seconds += d.seconds;
    p.visits += d.visits;
    pages.set(d.page, p);
  }
  return { ...s, pages: [...pages.values()].sort((a, b) => a.page - b.page) };
}

export function readingSignals(before: ReadingSnapshot, after: ReadingSnapshot, titles: (string | null)[], opts: SignalOptions): ReadingSignal[] {
  const maxVisits = opts.priceVisits ?? 2;
  const maxSeconds = opts.priceSeconds ?? 120;
  const signals: ReadingSignal[] = [];
  for (const page of pricePages(titles)) {
    const b = pageIn(before, page);
    const a = pageIn(after, page);
    const label = formatPageLabel(page, titles[page - 1]);
    const facts = { page, label, visits: a.visits, seconds: Math.round(a.seconds), opens: after.opens };
    if (b.visits <= maxVisits && a.visits > maxVisits) signals.push({ kind: 'price_page_reread', ...facts });
    if (b.seconds <= maxSeconds && a.seconds > maxSeconds) signals.push({ kind: 'price_page_dwell', ...facts });
  }
  // The first reader is the customer the link was sent to; only someone after them is news.
  const kinds = opts.newReaderKinds ?? ['proposal', 'quote'];
  if (kinds.includes(opts.kind) && before.readers >= 1 && after.readers > before.readers) {
    signals.push({ kind: 'new_reader', readers: after.readers, opens: after.opens });
  }
  return signals;
}

/** Minutes and seconds the way a nudge says them: 「2分钟」, 「1分30秒」, 「45秒」. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}秒`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest ? `${m}分${rest}秒` : `${m}分钟`;
}

/**
 * One line for a nudge: 「华东医疗刚第3次打开报价单，在第7页（价格）停留2分钟」. The loop adds the
 * talk-tracks; `customer` is the deal's name, `document` the document's title.
 */
export function describeSignal(signal: ReadingSignal, p: { customer: string; document: string }): string {
  if (signal.kind === 'new_reader') return `${p.customer}有新的人打开了《${p.document}》（已有${signal.readers}位读者），可以借机联系更多决策人`;
  const title = signal.label.split(' · ')[1];
  const where = title ? `第${signal.page}页（${title}）` : `第${signal.page}页`;
  return `${p.customer}刚第${signal.opens}次打开《${p.document}》，在${where}累计停留${formatDuration(signal.seconds)}、看了${signal.visits}次`;
}
