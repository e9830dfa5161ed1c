/**
 * Search across the conversations the viewer may read (bots/reports/access.ts): the query's words,
 * a person, a deal, an action, a date range. Each hit is the message with its conversation, deal
 * and time; the page marks the words in it.
 */
import type { Db } from '../../db/client.ts';
import { type MessageHit, searchMessages } from '../../db/queries/search.ts';
import { dealScope, type Viewer } from '../reports/access.ts';
import { UNNAMED_DEAL_LABEL } from '../reports/deal-name.ts';
import { esc } from './html.ts';
import { dayRange, type SearchQuery, words } from './filters.ts';

/** Counting the hits stops here; the page then says 「1000+」. */
export const SEARCH_COUNT_CAP = 1000;

export interface SearchHit extends Omit<MessageHit, 'dealName'> {
  dealName: string;
  /** 客户 · 王总, or the colleague's name. */
  speaker: string;
}

export interface SearchResult {
  words: string[];
  items: SearchHit[];
  total: number;
  /** True when there are more than `total` hits (the count stopped at SEARCH_COUNT_CAP). */
  capped: boolean;
}

export async function consoleSearch(db: Db, viewer: Viewer, q: SearchQuery, timeZone: string): Promise<SearchResult> {
  const w = words(q.q);
  const found = await searchMessages(db, {
    words: w,
    ...(q.person ? { person: q.person.trim() } : {}),
    ...(q.deal ? { deal: q.deal.trim() } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...dayRange(q, timeZone),
    scope: dealScope(viewer),
    limit: q.limit,
    offset: q.offset,
    countCap: SEARCH_COUNT_CAP,
  });
  return {
    words: w,
    total: found.total,
    capped: found.capped,
    items: found.items.map((m) => ({
      ...m,
      dealName: m.dealName ?? UNNAMED_DEAL_LABEL,
      speaker: m.role === 'customer' ? (m.senderName ? `客户 · ${m.senderName}` : '客户') : (m.personName ?? m.senderName ?? '同事'),
    })),
  };
}

/**
 * `text` as HTML with each word marked (case-insensitive), escaped; a long message is cut to a
 * window around its first match so the hit shows.
 */
export function highlight(text: string, ws: readonly string[], max = 240): string {
  let shown = text;
  const lower = text.toLowerCase();
  const first = Math.min(...ws.map((w) => lower.indexOf(w.toLowerCase())).filter((i) => i >= 0), Number.POSITIVE_INFINITY);
  if (text.length > max) {
    const start = Number.isFinite(first) ? Math.max(0, first - Math.floor(max / 3)) : 0;
    shown = `${start > 0 ? '…' : ''}${text.slice(start, start + max)}${start + max < text.length ? '…' : ''}`;
  }
  if (ws.length === 0) return esc(shown);
  const pattern = new RegExp(
    `(${[...ws]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|')})`,
    'giu',
  );
  return shown
    .split(pattern)
    .map((part, i) => (i % 2 === 1 ? `<mark>${esc(part)}</mark>` : esc(part)))
    .join('');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
