/**
 * The analysis job: one partition of conversations at a time. It takes the locks of the
 * partition's slots, claims their pending messages (a batch, oldest first), reads what they need
 * in a few queries, analyses them in a tight loop and writes everything in a few multi-row
 * statements, all in one transaction; deliveries are dispatched after the commit. It goes on
 * while the partition has a backlog, for a bounded time, then hands over to a fresh job.
 */
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { MessageAnalysis, MessageAnalysisInput, Platform } from '../../core/types.ts';
import type { WorkingHours } from '../../core/zoned-time.ts';
import { type Database, pipeline, pipelineCommit, planMode, type Sql } from '../../db/client.ts';
import {
  claimPending,
  insertActions,
  insertAtomEvents,
  insertCompliance,
  insertConfirmations,
  insertDeals,
  insertDeliveries,
  insertNudges,
  insertStageChanges,
  insertTimers,
  loadConversations,
  loadDealsForUpdate,
  loadOpenTimers,
  loadPendingConfirmations,
  loadRecentNudges,
  lockSlots,
  markAnalysisErrors,
  supersedeConfirmations,
  updateConversations,
  updateDeals,
  updateTimers,
} from '../../db/queries/analysis.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { slotsOf } from '../ingest/slots.ts';
import type { Metrics } from '../metrics.ts';
import { dispatchSends } from '../outbound/send-job.ts';
import { analyzeBatch } from './engine.ts';
import { queueVacuum } from './queue-vacuum.ts';
import { addTimer, type BatchState, emptyWrites, type PendingMessage, type TimerState, type Writes } from './state.ts';
import { toAppError } from '../../core/errors.ts';

export const analyzeJob = defineJob({
  name: 'analyze-partition',
  queue: 'analyze',
  schema: z.object({ partition: z.number().int().min(0).max(63) }).strict(),
  attempts: 8,
  backoffMs: 1_000,
  // A run claims everything its partition has pending: every ingest batch dispatches, but a
  // partition has one run waiting at most, so a burst is analysed in batches, not job by job.
  coalesce: ({ partition }) => String(partition),
});

export interface AnalysisDeps {
  database: Database;
  catalog: CatalogHolder;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  runner: JobRunner;
  wh: WorkingHours;
  sendPlatforms: readonly Platform[];
  liveOnly: ReadonlySet<Platform>;
  partitions: number;
  batchSize: number;
  /**
   * Whether a run goes on while its partition has anything pending (what arrived during its last
   * batch is taken at once, without waiting for the queue to hand over), or only while batches
   * come back full. Only where every partition has a consumer of its own (analysis concurrency at
   * least the partitions): a run that stays would otherwise keep other partitions waiting.
   */
  drainWhilePending: boolean;
  nudgeMaxAgeMs: number;
  dailyTouchLimit: number;
  /** Messages this process claims between two vacuums of the queue (bots/analysis/queue-vacuum.ts). */
  queueVacuumEvery: number;
  analyze(input: MessageAnalysisInput): MessageAnalysis;
}

/** How long one job keeps draining its partition before it hands over (so other jobs get a turn). */
const JOB_BUDGET_MS = 5_000;

export function analyzeHandler(deps: AnalysisDeps): JobHandler<{ partition: number }> {
  // The runner never starts a partition's run beside another one (JobDefinition.coalesce); across
  // processes the locks of its slots keep one writer (lockSlots).
  const vacuum = queueVacuum(deps.database.sql, deps.log, deps.queueVacuumEvery);
  return async ({ partition }) => {
    await deps.catalog.figures.refreshIfStale(deps.database.db);
    const started = Date.now();
    for (;;) {
      const n = await analyzeOnce(deps, partition);
      await vacuum(n);
      // Drained. What comes next dispatches a new run (kept by the coalescing while this one runs).
      if (n === 0 || (n < deps.batchSize && !deps.drainWhilePending)) return;
      if (Date.now() - started > JOB_BUDGET_MS) {
        await deps.runner.enqueue(analyzeJob, { partition });
        return;
      }
    }
  };
}

/** One batch of the partition; returns how many messages it took. */
export async function analyzeOnce(deps: AnalysisDeps, partition: number): Promise<number> {
  const slots = slotsOf(partition, deps.partitions);
  const result = await deps.database.transaction(async (tx) => {
    const now = deps.clock.now();
    // The claim waits for the lock in the server: both go in one round trip.
    const [, messages] = await pipeline(tx, [() => lockSlots(tx, slots), () => claimPending(tx, slots, deps.batchSize, now)] as const);
    if (messages.length === 0) return null;
    const state = await loadState(tx, messages, now);
    const w = emptyWrites();
    analyzeBatch(
      {
        catalog: deps.catalog.current,
        wh: deps.wh,
        sendPlatforms: deps.sendPlatforms,
        now,
        nudgeMaxAgeMs: deps.nudgeMaxAgeMs,
        dailyTouchLimit: deps.dailyTouchLimit,
        analyze: deps.analyze,
        log: deps.log,
      },
      state,
      messages,
      w,
    );
    const deliveries = await writeBatch(tx, state, w, now);
    return { count: messages.length, deliveries, w };
  });
  if (!result) return 0;
  const { metrics } = deps;
  metrics.analysisBatch.observe(result.count);
  metrics.messagesAnalyzed.inc({ outcome: 'ok' }, result.count - result.w.messageErrors.length);
  if (result.w.messageErrors.length > 0) metrics.messagesAnalyzed.inc({ outcome: 'error' }, result.w.messageErrors.length);
  // Counted per label, not per item: a counter's inc hashes its labels each time.
  for (const [kind, n] of tally(result.w.actionKinds)) metrics.actionsDetected.inc({ kind }, n);
  for (const [rule, n] of tally(result.w.nudges.map((b) => b.nudge.rule_id))) metrics.nudgesCreated.inc({ rule }, n);
  // Committed: the sends may go, from here where this process sends (the rep is waiting for the
  // nudge). If dispatching fails (Redis down) the sweep finds them.
  await dispatchSends(deps.runner, deps.liveOnly, result.deliveries, { here: true }).catch((err: unknown) =>
    deps.log.warn({ err: toAppError(err).message }, 'sends not dispatched; the sweep will pick them up'),
  );
  return result.count;
}

const WEEK_MS = 7 * 86_400_000;

function tally(keys: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

async function loadState(tx: Sql, messages: readonly PendingMessage[], now: Date): Promise<BatchState> {
  const convIds = [...new Set(messages.map((m) => m.conversationId))];
  // Every read by conversation id, one round trip on PostgreSQL; each reads by index probes per
  // id, the best plan at any table size, so planned once (see planMode).
  const [, conversations, deals, timers, recent, confirmations] = await pipeline(tx, [
    () => planMode(tx, 'generic'),
    () => loadConversations(tx, convIds),
    () => loadDealsForUpdate(tx, convIds),
    () => loadOpenTimers(tx, convIds),
    () => loadRecentNudges(tx, convIds, new Date(now.getTime() - WEEK_MS)),
    () => loadPendingConfirmations(tx, convIds),
    () => planMode(tx, 'custom'),
  ] as const);
  const state: BatchState = {
    conversations: new Map(conversations.map((c) => [c.id, c])),
    deals: new Map(deals.map((d) => [d.id, d])),
    timers: new Map(),
    dealTimers: new Map(),
    recentNudges: new Map(),
    confirmations: new Map(),
  };
  for (const t of timers) addTimer(state, t);
  for (const n of recent) if (n.opportunityId) push(state.recentNudges, n.opportunityId, n);
  for (const c of confirmations) push(state.confirmations, c.opportunityId, c);
  return state;
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
}

/**
 * Writes the batch and commits, every statement and the COMMIT in one round trip on PostgreSQL
 * (see `pipelineCommit`: nothing may follow in the transaction); returns the
 * deliveries it created (to dispatch after the commit). What depends on an earlier statement's
 * outcome is decided by the statements themselves: a compliance record is kept once per subject
 * and its nudges go only with a record that is new; a nudge is kept once per idempotency key and
 * its delivery and atom events go only with a nudge that is new.
 */
async function writeBatch(tx: Sql, state: BatchState, w: Writes, now: Date): Promise<Array<{ id: string; platform: string }>> {
  const deals = [...state.deals.values()];
  const timers: TimerState[] = [...state.timers.values()].flat();
  const built = [
    ...w.nudges.map((b) => ({ ...b, complianceId: null as string | null })),
    ...w.compliance.flatMap((c) => c.nudges.map((b) => ({ ...b, complianceId: c.record.id }))),
  ];
  const out = await pipelineCommit(tx, [
    // Inserts of the batch's own rows, in the order their foreign keys need, reading other tables
    // only by probes of a unique key: planned once (see planMode).
    () => planMode(tx, 'generic'),
    () =>
      insertDeals(
        tx,
        deals.filter((d) => d.isNew),
      ),
    () => insertActions(tx, w.actions),
    () => insertStageChanges(tx, w.stageChanges),
    () =>
      insertTimers(
        tx,
        timers.filter((t) => t.isNew),
      ),
    () =>
      insertCompliance(
        tx,
        w.compliance.map((c) => c.record),
      ),
    () => insertConfirmations(tx, w.confirmations),
    () =>
      insertNudges(
        tx,
        built.map((b) => ({ ...b.nudge, compliance_id: b.complianceId })),
      ),
    () => insertDeliveries(tx, [...built.flatMap((b) => (b.delivery ? [b.delivery] : [])), ...w.deliveries]),
    () => insertAtomEvents(tx, [...built.flatMap((b) => b.atomEvents), ...w.atomEvents]),
    // Updates: planned for this batch's data.
    () => planMode(tx, 'custom'),
    () =>
      updateDeals(
        tx,
        deals.filter((d) => !d.isNew && d.dirty),
      ),
    () =>
      updateConversations(
        tx,
        [...state.conversations.values()].filter((c) => c.dirty),
      ),
    () =>
      updateTimers(
        tx,
        timers.filter((t) => !t.isNew && t.dirty),
      ),
    () => supersedeConfirmations(tx, w.supersede, now),
    () => markAnalysisErrors(tx, w.messageErrors),
  ] as const);
  return out[8];
}
