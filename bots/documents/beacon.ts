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
