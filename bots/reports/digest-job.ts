/**
 * The weekly team digest: every active manager gets, on Monday at 09:00 in the organisation's
 * time zone, privately, once per week however often the job runs: last week of each team in a
 * line, the riskiest open deals with their next step, and the behaviour that goes with winning
 * most clearly (the full `/team 上周` is one command away). Each manager's digest is a schedule
 * of the job runner, kept in step with the directory.
 */
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import type { Platform } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { deliveries } from '../../db/schema/index.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { privateChannel } from '../coaching/nudges.ts';
import { newId } from '../../core/ids.ts';
import { resolveVisibleTeamIds } from './access.ts';
import { wallClock } from '../../core/zoned-time.ts';
import { winningPath } from '../deals/stages.ts';
import { decayingAtoms } from './atom-decay.ts';
import { atomScope, decayBlock } from './atoms-answer.ts';
import { breakpoints } from './breakpoints.ts';
import { forecastChangeLine } from './forecast-answer.ts';
import type { RepMetrics } from './metrics.ts';
import { parsePeriod } from './period.ts';
import { renderDigest, topBreakpointLine } from './render-insights.ts';
import { dealRisks } from './risks.ts';
import { teamSummary } from './team.ts';

export const weeklyDigestJob = defineJob({
  name: 'weekly-digest',
  queue: 'reports',
  schema: z.object({ personId: z.string().min(1).max(64) }).strict(),
  attempts: 3,
  backoffMs: 60_000,
});

/** Monday 09:00 (cron: minute hour day month weekday). */
export const DIGEST_CRON = '0 9 * * 1';

export interface DigestDeps {
  database: Database;
  catalog: CatalogHolder;
  clock: Clock;
  config: Config;
  sendPlatforms: readonly Platform[];
  dispatch(rows: ReadonlyArray<{ id: string; platform: string }>): Promise<void>;
}

/** One schedule per active manager; a person who stopped being one stops getting it. */
export async function scheduleDigests(runner: JobRunner, deps: Pick<DigestDeps, 'catalog' | 'config'>): Promise<void> {
  const ids: string[] = [];
  for (const p of deps.catalog.current.people) {
    if (!p.active || p.role !== 'manager') continue;
    const id = `weekly-digest-${p.id}`;
    ids.push(id);
    await runner.schedule(id, weeklyDigestJob, { cron: DIGEST_CRON, timeZone: deps.config.TIMEZONE }, { personId: p.id });
  }
  await runner.unscheduleExcept('weekly-digest-', ids);
}

export function weeklyDigestHandler(deps: DigestDeps): JobHandler<{ personId: string }> {
  return async ({ personId }) => {
    const row = await createWeeklyDigest(deps, personId);
    if (row) await deps.dispatch([row]);
  };
}

/** Builds the digest and its delivery; null if there is nothing to send or it went out this week. */
export async function createWeeklyDigest(deps: DigestDeps, personId: string): Promise<{ id: string; platform: string } | null> {
  const catalog = deps.catalog.current;
  const person = catalog.person(personId);
  if (!person?.active || person.role !== 'manager') return null;
  const { db } = deps.database;
  const now = deps.clock.now();
  const period = parsePeriod('上周', now, deps.config.TIMEZONE);
  const teamIds = await resolveVisibleTeamIds(db, person);
  const platform = privateChannel(catalog, deps.sendPlatforms, person.id, deps.sendPlatforms[0] ?? 'local');
  if (!platform || teamIds.length === 0) return null;
  const tz = deps.config.TIMEZONE;
  const wh = { timeZone: tz, start: deps.config.WORK_START, end: deps.config.WORK_END, days: deps.config.WORK_DAYS };
  // All parts at once, each on a connection of the pool: the week's summary is no input of the
  // others, and the digest takes as long as its slowest part rather than their sum.
  const [summaries, risks, report, forecastLine, decaying] = await Promise.all([
    teamSummary(db, { teamIds, from: period.from, to: period.to, now, funnel: catalog.playbook.funnel }),
    dealRisks(db, { scope: { teamIds }, now, funnel: catalog.playbook.funnel, rules: catalog.playbook.rules, wh }),
    breakpoints(db, {
      scope: { teamIds },
      now,
      timeZone: tz,
      stages: winningPath(catalog.playbook.funnel),
      rules: catalog.playbook.rules,
      minDeals: deps.config.BREAKPOINT_MIN_DEALS,
    }),
    forecastChangeLine({ tx: db, catalog, person, now, timeZone: tz }),
    atomScope(db, catalog, person).then((scope) => decayingAtoms(db, { scope, now, timeZone: tz })),
  ]);
  if (summaries.length === 0) return null;
  const teams = summaries.map((s) => ({
    teamName: s.teamName,
    week: weekLine(s.totals),
    risks: risks.filter((r) => r.ownerTeamId === s.teamId),
  }));
  const digest = renderDigest(teams, topBreakpointLine(report), {
    title: summaries.length === 1 ? `${summaries[0]!.teamName} · ${period.label}简报` : `每周团队简报 · ${period.label}`,
    range: `${mmdd(period.from, tz)} 至 ${mmdd(new Date(period.to.getTime() - 1), tz)}`,
    stageLabel: (s) => catalog.stageLabel(s),
    minDeals: deps.config.BREAKPOINT_MIN_DEALS,
    decay: decayBlock(catalog, decaying, 3),
  });
  const message = forecastLine && digest.type === 'markdown' ? { ...digest, text: `${digest.text}\n\n${forecastLine}` } : digest;
  const [inserted] = await db
    .insert(deliveries)
    .values({
      id: newId(),
      idempotencyKey: `digest-${person.id}-${period.from.toISOString()}`,
      platform,
      to: { personId: person.id },
      message,
      status: 'pending',
      createdAt: now,
    })
    .onConflictDoNothing({ target: deliveries.idempotencyKey })
    .returning({ id: deliveries.id, platform: deliveries.platform });
  return inserted ?? null;
}

/** `会话 12 · 关键动作 40 · 阶段推进 6 · 超时未跟进 3`. */
function weekLine(m: RepMetrics): string {
  return `会话 ${m.conversations} · 关键动作 ${m.actions.total} · 阶段推进 ${m.stageMoves.length} · 超时未跟进 ${m.overdue.count}`;
}

function mmdd(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
