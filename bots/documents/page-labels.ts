/**
 * Page titles for 「第7页 · 价格」: from the PDF's outline (bookmarks) where it has one for a page,
 * else the page's heading (its largest text near the top, or its first line), else the section
 * the page belongs to. Pure functions over what pdf-inspect-worker.mjs reads; and the body that
 * sets titles by hand (the documents API and the console's library take the same).
 */
import { z } from 'zod';

/** `labels`: one `{ page, title }` a page to change; a null title removes it. */
export const pageLabelsBody = z
  .object({
    labels: z
      .array(z.object({ page: z.int().min(1), title: z.string().max(100).nullable() }).strict())
      .min(1)
      .max(5000),
  })
  .strict();

/** One text run of a page: font size in points, `top` 0 at the top of the page to 1 at the bottom. */
export interface PdfTextItem {
  str: string;
  size: number;
  top: number;
}

export interface PdfOutlineEntry {
  title: string;
  /** 1-based; null when the bookmark points nowhere we can resolve. */
  page: number | null;
  depth: number;
}

export interface PdfInspection {
  pageCount: number;
  infoTitle: string | null;
  outline: PdfOutlineEntry[];
  /** Text of the first pages (up to MAX_TEXT_PAGES), index 0 = page 1. */
  pages: PdfTextItem[][];
}

/** Longest title kept; longer headings are cut with an ellipsis. */
export const MAX_TITLE_LENGTH = 24;
/** How much larger than the page's body text a line must be to count as its heading. */
const HEADING_RATIO = 1.25;
/** Only lines in the top part of a page are heading candidates. */
const HEADING_ZONE = 0.45;

export function cleanTitle(s: string): string | null {
  const t = s
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[：:，,。.;；、\s]+$/u, '');
  if (!t) return null;
  const chars = [...t];
  return chars.length > MAX_TITLE_LENGTH ? `${chars.slice(0, MAX_TITLE_LENGTH - 1).join('')}…` : t;
}

/** 「第7页 · 价格」, or 「第7页」 without a title. */
export function formatPageLabel(page: number, title: string | null | undefined): string {
  return title ? `第${page}页 · ${title}` : `第${page}页`;
}

/** Page numbers, footers like "3 / 9" or "第 3 页": never a title. */
const NOT_A_TITLE = /^(?:[\d\s/\\|·.\-–—第页共]|of|page)+$/i;

interface Line {
  text: string;
  size: number;
  top: number;
}

/** Runs on the same baseline with the same size make one line (pdf.js splits runs freely). */
function linesOf(items: PdfTextItem[]): Line[] {
  const lines: Line[] = [];
  for (const it of items) {
    const last = lines.at(-1);
    if (last && Math.abs(last.top - it.top) < 0.006 && Math.abs(last.size - it.size) < 0.6) last.text += it.str;
    else lines.push({ text: it.str, size: it.size, top: it.top });
  }
  return lines.filter((l) => l.text.trim() !== '' && !NOT_A_TITLE.test(l.text.trim()));
}

/** A page's heading: its largest line near the top when it stands out, else its first line. */
export function headingOf(items: PdfTextItem[]): string | null {
  const lines = linesOf(items);
  if (lines.length === 0) return null;
  const sizes = lines.map((l) => l.size).sort((a, b) => a - b);
  const median = sizes[Math.floor(sizes.length / 2)] ?? 0;
  const top = lines.filter((l) => l.top <= HEADING_ZONE);
  const largest = top.reduce<Line | null>((best, l) => (!best || l.size > best.size ? l : best), null);
  if (largest && largest.size >= median * HEADING_RATIO) return cleanTitle(largest.text);
  const first = [...lines].sort((a, b) => a.top - b.top)[0]!;
  return cleanTitle(first.text);
}

/**
 * One title per page. A bookmark that starts on a page names it (the last one, the most
 * specific, when several do); a page without one takes its heading, else its section's title.
 */
export function pageTitles(inspection: PdfInspection): (string | null)[] {
  const fromOutline = new Map<number, string>();
  for (const e of inspection.outline) {
    const title = cleanTitle(e.title);
    if (e.page !== null && e.page >= 1 && e.page <= inspection.pageCount && title) fromOutline.set(e.page, title);
  }
  const titles: (string | null)[] = [];
  let section: string | null = null;
  for (let page = 1; page <= inspection.pageCount; page++) {
    const bookmarked = fromOutline.get(page);
    if (bookmarked) {
      section = bookmarked;
      titles.push(bookmarked);
      continue;
    }
    const heading = headingOf(inspection.pages[page - 1] ?? []);
    titles.push(heading ?? section);
  }
  return titles;
}

/** Titles that mean the price page: where 「客户反复查看第7页」 matters most. */
export const PRICE_TITLE = /价格|报价|价目|定价|费用|收费|投资预算|商务条款|pric|quot|cost|fee/i;

export function pricePages(titles: (string | null)[]): number[] {
  return titles.flatMap((t, i) => (t && PRICE_TITLE.test(t) ? [i + 1] : []));
}
