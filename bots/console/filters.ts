/**
 * The query strings the console's lists take (deals, conversation search, audit log), validated
 * once for the pages, the JSON and the exports, and the small helpers they share: words split on
 * white space (Chinese has none, so a phrase stays one word), calendar days on the organisation's
 * wall clock.
 */
import { z } from 'zod';
import { STORED_ACTION_KINDS } from '../../core/types.ts';
import { localInstant } from '../../core/zoned-time.ts';

/** True when y-m-d is a day on the calendar (not 2026-02-30 or 2026-13-45, which Date would roll over). */
function onCalendar(d: string): boolean {
  const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, dd);
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === dd;
}

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
  .refine(onCalendar, 'not a day on the calendar (YYYY-MM-DD)');
/**
 * `from` not after `to`. zod runs this even when a day already failed, so a day off the calendar
 * is left to its own message rather than also called "after to".
 */
const inOrder = (f: { from?: string | undefined; to?: string | undefined }): boolean =>
  !f.from || !f.to || !onCalendar(f.from) || !onCalendar(f.to) || f.from <= f.to;
const short = z.string().max(100);
const page = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** The deals list: words in the deal's or the customer's name, stage, owner, team, status, score, updated between. */
export const dealListQuery = z
  .object({
    q: short.optional(),
    stage: z.string().max(64).optional(),
    owner: z.string().max(64).optional(),
    team: z.string().max(64).optional(),
    status: z.enum(['open', 'won', 'lost']).optional(),
    scoreMin: z.coerce.number().int().min(0).max(100_000).optional(),
    scoreMax: z.coerce.number().int().min(0).max(100_000).optional(),
    from: day.optional(),
    to: day.optional(),
    ...page,
  })
  .strict()
  .refine((f) => f.scoreMin === undefined || f.scoreMax === undefined || f.scoreMin <= f.scoreMax, {
    message: 'scoreMin is above scoreMax',
    path: ['scoreMin'],
  })
  .refine(inOrder, { message: 'from is after to', path: ['from'] });
export type DealListQuery = z.infer<typeof dealListQuery>;

/**
 * The deals list's query for a funnel: `stage` must be one of its stages, as `status` must be one
 * of three, so a typo is a 400 instead of an empty list. The funnel is the current playbook's,
 * which an edit can change, hence a function.
 */
export function dealListQueryFor(stages: readonly string[]) {
  return dealListQuery.refine((f) => f.stage === undefined || stages.includes(f.stage), {
    message: `not a stage of the funnel (${stages.join(', ')})`,
    path: ['stage'],
  });
}

/** Conversation search: words, a person (id or name), a deal (id or name), an action kind, sent between. */
export const searchQuery = z
  .object({
    q: short.optional(),
    person: short.optional(),
    deal: short.optional(),
    action: z.enum(STORED_ACTION_KINDS).optional(),
    from: day.optional(),
    to: day.optional(),
    ...page,
  })
  .strict()
  .refine(inOrder, { message: 'from is after to', path: ['from'] });
export type SearchQuery = z.infer<typeof searchQuery>;

/** The audit log: what was done (prefix, e.g. `deal.`), by whom, between. */
export const auditQuery = z
  .object({
    action: z.string().max(64).optional(),
    person: z.string().max(64).optional(),
    from: day.optional(),
    to: day.optional(),
    ...page,
  })
  .strict();
export type AuditQuery = z.infer<typeof auditQuery>;

export const exportFormat = z.enum(['csv', 'xlsx']);

/** Most words a search uses: each is one more ILIKE over the messages. */
const MAX_WORDS = 5;

/** The words of a search box, each at least one character, at most MAX_WORDS. */
export function words(q: string | undefined): string[] {
  return [...new Set((q ?? '').split(/[\s\u3000]+/u).filter((w) => w.length > 0))].slice(0, MAX_WORDS);
}

/** `from` and `to` (whole days, `to` included) as instants: [start, end). */
export function dayRange(f: { from?: string | undefined; to?: string | undefined }, timeZone: string): { start?: Date; end?: Date } {
  const at = (d: string, plus: number) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    return localInstant(timeZone, y, m, dd + plus);
  };
  return { ...(f.from ? { start: at(f.from, 0) } : {}), ...(f.to ? { end: at(f.to, 1) } : {}) };
}

/** A query string without the paging (for an export link or the next page). */
export function queryString(f: Record<string, unknown>, drop: string[] = ['limit', 'offset']): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== '' && !drop.includes(k)) q.set(k, String(v));
  return q;
}
