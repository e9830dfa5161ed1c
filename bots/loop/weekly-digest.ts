/**
 * The weekly team digest: every active manager gets last week's team summary on Monday at 09:00
 * in the organisation's time zone, privately, once per week however often the job runs.
 */
import { and, eq } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/client.ts';
import { personById } from '../../db/queries/directory.ts';
import { deliveries, people } from '../../db/schema/index.ts';
import { privateChannel } from '../coach/nudge.ts';
import { resolveVisibleTeamIds } from '../reports/access.ts';
import { parsePeriod } from '../reports/period.ts';
import { renderTeamSummary } from '../reports/render.ts';
import { teamSummary } from '../reports/team.ts';
import type { LoopContext } from './context.ts';

export const DIGEST_WEEKDAY = 1;
export const DIGEST_TIME = '09:00';

/** Managers who get the digest. */
export async function digestRecipients(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.role, 'manager'), eq(people.active, true)));
  return rows.map((r) => r.id);
}

/** Builds the digest and its delivery; returns the delivery id, or null if already sent this week. */
export async function createWeeklyDigest(ctx: LoopContext, personId: string): Promise<string | null> {
  return ctx.db.transaction(async (tx) => {
    const person = await personById(tx, personId);
    if (!person?.active || person.role !== 'manager') return null;
    const now = ctx.clock.now();
    const period = parsePeriod('上周', now, ctx.config.TIMEZONE);
    const teamIds = await resolveVisibleTeamIds(tx, person);
    const summaries = await teamSummary(tx, { teamIds, from: period.from, to: period.to, now });
    const platform = await privateChannel(tx, person.id, ctx.sendPlatforms[0] ?? 'local', ctx.sendPlatforms);
    if (!platform || summaries.length === 0) return null;
    const parts = summaries.map((s) => renderTeamSummary(s, period, { timeZone: ctx.config.TIMEZONE }));
    const message =
      parts.length === 1
        ? parts[0]!
        : {
            type: 'markdown' as const,
            title: `每周团队简报 · ${period.label}`,
            text: parts.map((p) => (p.type === 'text' ? p.text : `**${p.title}**\n${p.text}`)).join('\n\n'),
          };
    const id = newId();
    const inserted = await tx
      .insert(deliveries)
      .values({
        id,
        idempotencyKey: `digest-${person.id}-${period.from.toISOString()}`,
        platform,
        to: { personId: person.id },
        message,
        status: 'pending',
        createdAt: now,
      })
      .onConflictDoNothing({ target: deliveries.idempotencyKey })
      .returning({ id: deliveries.id });
    return inserted[0]?.id ?? null;
  });
}
