/**
 * The managers' daily compliance roll-up: the day's records for their teams (reps over the daily
 * limit of unanswered touches, sensitive phrases) in one message at the end of the working day,
 * instead of one alert per event. Sensitive phrases also alerted them at once when they happened.
 */
import { and, asc, eq, gte, inArray, lt } from 'drizzle-orm';
import { z } from 'zod';
import { newId } from '../../core/ids.ts';
import { startOfDay, wallClock } from '../../core/zoned-time.ts';
import { complianceRecords, deliveries, opportunities } from '../../db/schema/index.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import { privateChannel } from '../coaching/nudges.ts';
import type { DigestDeps } from './digest-job.ts';

export const complianceRollupJob = defineJob({
  name: 'compliance-rollup',
  queue: 'reports',
  schema: z.object({ personId: z.string().min(1).max(64) }).strict(),
  attempts: 3,
  backoffMs: 60_000,
});

/** Working days at 18:30. */
export const ROLLUP_CRON = '30 18 * * 1-5';

export async function scheduleRollups(runner: JobRunner, deps: Pick<DigestDeps, 'catalog' | 'config'>): Promise<void> {
  const ids: string[] = [];
  for (const p of deps.catalog.current.people) {
    if (!p.active || p.role !== 'manager') continue;
    const id = `compliance-rollup-${p.id}`;
    ids.push(id);
    await runner.schedule(id, complianceRollupJob, { cron: ROLLUP_CRON, timeZone: deps.config.TIMEZONE }, { personId: p.id });
  }
  await runner.unscheduleExcept('compliance-rollup-', ids);
}

export function complianceRollupHandler(deps: DigestDeps): JobHandler<{ personId: string }> {
  return async ({ personId }) => {
    const row = await createComplianceRollup(deps, personId);
    if (row) await deps.dispatch([row]);
  };
}

const KIND_LABEL = { daily_limit: '当天多次联系客户未获回复', sensitive_phrase: '敏感说法' } as const;

export async function createComplianceRollup(deps: DigestDeps, personId: string): Promise<{ id: string; platform: string } | null> {
  const catalog = deps.catalog.current;
  const manager = catalog.person(personId);
  if (!manager?.active || manager.role !== 'manager') return null;
  const tz = deps.config.TIMEZONE;
  const now = deps.clock.now();
  const from = startOfDay(now, tz);
  const to = startOfDay(now, tz, 1);
  const reps = [...catalog.people].filter((p) => p.teamId !== null && manager.manages.includes(p.teamId) && p.id !== manager.id).map((p) => p.id);
  if (reps.length === 0) return null;
  const { db } = deps.database;
  const rows = await db
    .select({ kind: complianceRecords.kind, personId: complianceRecords.personId, at: complianceRecords.at, deal: opportunities.name })
    .from(complianceRecords)
    .leftJoin(opportunities, eq(opportunities.id, complianceRecords.opportunityId))
    .where(and(inArray(complianceRecords.personId, reps), gte(complianceRecords.at, from), lt(complianceRecords.at, to)))
    .orderBy(asc(complianceRecords.at));
  if (rows.length === 0) return null;
  const platform = privateChannel(catalog, deps.sendPlatforms, manager.id, deps.sendPlatforms[0] ?? 'local');
  if (!platform) return null;
  const w = wallClock(now, tz);
  const lines = rows.map((r) => `- ${catalog.person(r.personId)?.name ?? r.personId} · ${r.deal ?? '未命名客户'} · ${KIND_LABEL[r.kind]}`);
  const message = {
    type: 'markdown' as const,
    title: `今日合规汇总 · ${w.month}月${w.day}日`,
    text: [`今天共 ${rows.length} 条合规记录：`, ...lines].join('\n'),
  };
  const [inserted] = await db
    .insert(deliveries)
    .values({
      id: newId(),
      idempotencyKey: `compliance-rollup-${manager.id}-${from.toISOString()}`,
      platform,
      to: { personId: manager.id },
      message,
      status: 'pending',
      createdAt: now,
    })
    .onConflictDoNothing({ target: deliveries.idempotencyKey })
    .returning({ id: deliveries.id, platform: deliveries.platform });
  return inserted ?? null;
}
