/**
 * The timer job, run every few seconds from the schedule: due timers are taken from the database
 * in batches (rows another process holds are skipped) and each becomes its rule's nudge, unless
 * the deal closed meanwhile (cancelled) or the timer only measures (a silent one, from the past:
 * expired). The database is the source of truth: a timer survives any restart as a row.
 */
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Platform } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { atomsPushedSince, type DueTimer, resolveTimers, takeDueTimers } from '../../db/queries/timers.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import type { Metrics } from '../metrics.ts';
import { dispatchSends } from '../outbound/send-job.ts';
import { chooseAtoms } from './atoms.ts';
import { type BuiltNudge, buildNudge } from './nudges.ts';
import { writeNudges } from './write-nudges.ts';
import { toAppError } from '../../core/errors.ts';

export const fireTimersJob = defineJob({ name: 'fire-timers', queue: 'timers', schema: z.object({}).strict(), attempts: 3, backoffMs: 1_000 });

const BATCH = 200;
const WEEK_MS = 7 * 86_400_000;

export interface TimerDeps {
  database: Database;
  catalog: CatalogHolder;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  runner: JobRunner;
  sendPlatforms: readonly Platform[];
  liveOnly: ReadonlySet<Platform>;
}

export function fireTimersHandler(deps: TimerDeps): JobHandler<Record<string, never>> {
  return async () => {
    await deps.catalog.figures.refreshIfStale(deps.database.db);
    for (;;) {
      const n = await fireDue(deps);
      if (n < BATCH) return;
    }
  };
}

/** Fires one batch of due timers; returns how many it took. */
export async function fireDue(deps: TimerDeps): Promise<number> {
  const catalog = deps.catalog.current;
  const result = await deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    const due = await takeDueTimers(tx, now, BATCH);
    if (due.length === 0) return null;
    const pushed = await atomsPushedSince(tx, [...new Set(due.flatMap((t) => (t.opportunityId ? [t.opportunityId] : [])))], new Date(now.getTime() - WEEK_MS));
    const resolved: Array<{ id: string; status: 'fired' | 'expired' | 'cancelled'; at: string }> = [];
    const built: BuiltNudge[] = [];
    for (const t of due) {
      const outcome = fire(deps, catalog, t, pushed, now);
      resolved.push({ id: t.id, status: outcome.status, at: now.toISOString() });
      deps.metrics.timersFired.inc({ outcome: outcome.status });
      if (outcome.nudge) built.push(outcome.nudge);
    }
    await resolveTimers(tx, resolved);
    const { deliveries } = await writeNudges(tx, built);
    return { count: due.length, deliveries };
  });
  if (!result) return 0;
  await dispatchSends(deps.runner, deps.liveOnly, result.deliveries).catch((err: unknown) =>
    deps.log.warn({ err: toAppError(err).message }, 'sends not dispatched; the sweep will pick them up'),
  );
  return result.count;
}

function fire(
  deps: TimerDeps,
  catalog: Catalog,
  t: DueTimer,
  pushed: Map<string, Set<string>>,
  now: Date,
): { status: 'fired' | 'expired' | 'cancelled'; nudge?: BuiltNudge } {
  if (t.silent) return { status: 'expired' };
  if (t.dealStatus && t.dealStatus !== 'open') return { status: 'cancelled' };
  const rule = catalog.playbook.rules.find((r) => r.id === t.ruleId && r.enabled);
  const rep = t.ownerId ?? t.repId;
  if (!rule || !rep) {
    deps.log.warn({ timerId: t.id, ruleId: t.ruleId }, 'timer due with no rule or no rep: nothing to send');
    return { status: 'fired' };
  }
  const exclude = (t.opportunityId && pushed.get(t.opportunityId)) || new Set<string>();
  const atoms = chooseAtoms(catalog, {
    rule,
    action: null,
    topics: [],
    stage: t.dealStage ?? '',
    valueScore: t.valueScore ?? 0,
    text: t.text ?? '',
    exclude,
  });
  if (t.opportunityId) pushed.set(t.opportunityId, new Set([...exclude, ...atoms.map((a) => a.id)]));
  const nudge = buildNudge(catalog, deps.sendPlatforms, {
    rule,
    triggerId: t.id,
    personId: rep,
    opportunityId: t.opportunityId,
    dealName: t.dealName,
    conversationId: t.conversationId,
    platform: t.platform as Platform,
    timerId: t.id,
    messageId: t.triggerMessageId,
    evidence: t.text
      ? { text: t.text, label: t.role === 'customer' ? '客户原话' : '你的原话' }
      : t.documentTitle
        ? { text: `《${t.documentTitle}》的跟踪链接发出后，客户还没有打开`, label: '客户阅读' }
        : null,
    atoms,
    vars: { contact: t.contactName, rep: catalog.person(rep)?.name ?? null },
    at: now,
  });
  // Null when opened while the rep was active and due after they were deactivated: no nudge.
  return nudge ? { status: 'fired', nudge } : { status: 'fired' };
}
