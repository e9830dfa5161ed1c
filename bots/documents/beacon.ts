/**
 * What the viewer page sends, and the strict checks it passes before anything is stored: an open
 * (`POST /d/:token/open`) and the reading beacons (`POST /d/:token/beacon`).
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';

/** Largest beacon body accepted, in bytes. */
export const BEACON_BODY_LIMIT = 4096;
/** Most seconds one beacon may add to one page: the page sends every 15 s, so 120 is generous. */
export const MAX_BEACON_SECONDS = 120;
/**
 * Seconds a view's reading may run ahead of the server's clock: the viewer starts timing when the
 * page shows, a moment before its open is stored, and its clock and ours tick apart a little.
 */
export const CLOCK_ALLOWANCE_SECONDS = 5;
/** Most visits one beacon may add to one page. */
export const MAX_BEACON_VISITS = 20;

const randomId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'expected 16 to 64 base64url characters');

export const openSchema = z
  .object({
    /** Chosen per page load: a retried open is the same open. */
    sessionId: randomId,
    /** Kept in the browser's localStorage: the same browser is the same reader. */
    browserId: randomId,
  })
  .strict();
export type OpenBody = z.infer<typeof openSchema>;

export const beaconSchema = z
  .object({
    viewId: z.uuid(),
    pages: z
      .array(
        z
          .object({
            page: z.int().min(1),
            seconds: z.number().min(0).max(MAX_BEACON_SECONDS),
            visits: z.int().min(0).max(MAX_BEACON_VISITS).default(0),
          })
          .strict(),
      )
      .max(1000),
  })
  .strict();
export type Beacon = z.infer<typeof beaconSchema>;

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');

export function parseOpen(body: unknown): OpenBody {
  const parsed = openSchema.safeParse(body);
  if (!parsed.success) throw new AppError('BAD_REQUEST', issues(parsed.error));
  return parsed.data;
}

/**
 * A beacon for a document of `pageCount` pages: pages within it, each once, at most one entry per
 * page. Seconds are rounded to tenths (the page's own clock is no finer).
 */
export function parseBeacon(body: unknown, pageCount: number): Beacon {
  const parsed = beaconSchema.safeParse(body);
  if (!parsed.success) throw new AppError('BAD_REQUEST', issues(parsed.error));
  const beacon = parsed.data;
  if (beacon.pages.length > pageCount) throw new AppError('BAD_REQUEST', `at most ${pageCount} pages in a beacon`);
  const seen = new Set<number>();
  for (const p of beacon.pages) {
    if (p.page > pageCount) throw new AppError('BAD_REQUEST', `page ${p.page} is beyond the document's ${pageCount} pages`);
    if (seen.has(p.page)) throw new AppError('BAD_REQUEST', `page ${p.page} appears twice`);
    seen.add(p.page);
    p.seconds = Math.round(p.seconds * 10) / 10;
  }
  return { viewId: beacon.viewId, pages: beacon.pages.filter((p) => p.seconds > 0 || p.visits > 0) };
}

/** What a view has had so far, on the server's clock. */
export interface ViewClock {
  openedAt: Date;
  /** The view's previous beacon (or its open, or a download). */
  lastSeenAt: Date;
  /** Seconds already stored on the view, all pages. */
  seconds: number;
}

/**
 * Holds a beacon's seconds to the time that passed: a page cannot have been in view longer than
 * since the view's previous beacon, and the view's pages together no longer than since it opened
 * (each plus CLOCK_ALLOWANCE_SECONDS). The excess is cut, not the beacon refused: a real viewer's
 * timers jitter around its 15 s, and its visits still count. A beacon over the view's budget is
 * scaled down page by page in proportion, so pages shown together (the viewer times every page
 * half in view) share the time rather than the first ones taking it. Returns the pages kept.
 */
export function clampToClock(pages: Beacon['pages'], view: ViewClock, now: Date): { pages: Beacon['pages'] } {
  const since = (t: Date) => Math.max(0, (now.getTime() - t.getTime()) / 1000) + CLOCK_ALLOWANCE_SECONDS;
  const perPage = since(view.lastSeenAt);
  const budget = Math.max(0, since(view.openedAt) - view.seconds);
  // Tenths, rounded down (the epsilon keeps 4.3 from flooring to 4.2): what is kept never adds up
  // past the budget.
  const tenths = (x: number) => Math.floor(x * 10 + 1e-9) / 10;
  const capped = pages.map((p) => ({ ...p, seconds: p.seconds <= perPage ? p.seconds : tenths(perPage) }));
  const total = capped.reduce((s, p) => s + p.seconds, 0);
  const kept = total > budget ? capped.map((p) => ({ ...p, seconds: tenths((p.seconds * budget) / total) })) : capped;
  return { pages: kept.filter((p) => p.seconds > 0 || p.visits > 0) };
}
