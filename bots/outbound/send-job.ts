/**
 * The send job: a batch of deliveries claimed in one statement, each sent through its platform's
 * adapter (paced by the platform's limits, with a timeout below the send lease), and the outcomes
 * marked in one statement. A delivery is sent at most once: it is claimed before the call and
 * marked after; a sender that dies in between leaves it claimed until its lease runs out, and it
 * goes again with the same idempotency key (platforms that dedupe on it drop the repeat).
 */
import { z } from 'zod';
import type { Adapter, SendLimit, SendProgress } from '../../adapters/types.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Platform, Recipient } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { type ClaimedDelivery, chatIdsOf, claimDeliveries, type DeliveryOutcome, markDeliveries, unsentDeliveries } from '../../db/queries/deliveries.ts';
import { defineJob, type JobHandler, type JobRunner } from '../../jobs/define.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import type { Metrics } from '../metrics.ts';
import type { SendPacer } from './pacer.ts';

const payload = z.object({ deliveryIds: z.array(z.string().min(1).max(64)).min(1).max(200) }).strict();

export const sendJob = defineJob({ name: 'send-deliveries', queue: 'send', schema: payload, attempts: 8, backoffMs: 2_000 });
/** The same, for a platform whose sender needs the live connection only a web process holds (the WeCom bot). */
export const sendLiveJob = defineJob({ name: 'send-deliveries-live', queue: 'send-live', schema: payload, attempts: 8, backoffMs: 2_000 });

/** Tries in all before a delivery is failed for good. */
export const SEND_ATTEMPTS = 8;
const BACKOFF_MS = 2_000;
const CHUNK = 100;
const PARALLEL = 8;

export interface Outbound {
  adapters: ReadonlyMap<Platform, Adapter>;
  limits: Partial<Record<Platform, readonly SendLimit[]>>;
  pacer: SendPacer;
  /** Platforms whose sends must run where the live connection is (web processes). */
  liveOnly: ReadonlySet<Platform>;
  /** How long a sender may hold a claimed row before another may retake it. */
  leaseMs: number;
  /** Longest one platform call may take; below the lease, so a live sender is never raced. */
  timeoutMs: number;
  /** RETRY_BACKOFF_SCALE: a failed send's backoff times this. */
  backoffScale: number;
}

export interface SendDeps {
  database: Database;
  catalog: CatalogHolder;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  runner: JobRunner;
  out: Outbound;
}

/**
 * Dispatches deliveries to the send queues (live-only platforms to theirs), in chunks.
 * `delayMs`: not before then. `here`: the chunks that need no live connection start at once in
 * this process where it sends and has room (`runSoon`: a nudge just committed skips the hop
 * through the queue), the rest are queued.
 */
export async function dispatchSends(
  runner: JobRunner,
  liveOnly: ReadonlySet<Platform>,
  rows: ReadonlyArray<{ id: string; platform: string }>,
  { delayMs = 0, here = false }: { delayMs?: number; here?: boolean } = {},
): Promise<void> {
  const live = rows.filter((r) => liveOnly.has(r.platform as Platform)).map((r) => r.id);
  const other = rows.filter((r) => !liveOnly.has(r.platform as Platform)).map((r) => r.id);
  const opts = delayMs > 0 ? { delayMs } : {};
  for (const [job, ids] of [
    [sendJob, other],
    [sendLiveJob, live],
  ] as const) {
    const items = [];
    for (let i = 0; i < ids.length; i += CHUNK) items.push({ payload: { deliveryIds: ids.slice(i, i + CHUNK) }, opts });
    if (items.length === 0) continue;
    if (here && job === sendJob && delayMs === 0) for (const it of items) await runner.runSoon(job, it.payload);
    else await runner.enqueueMany(job, items);
  }
}

export function sendHandler(deps: SendDeps): JobHandler<z.infer<typeof payload>> {
  return async ({ deliveryIds }) => {
    const { database, clock, out } = deps;
    const now = clock.now();
    const claimed = await claimDeliveries(database.sql, deliveryIds, now, new Date(now.getTime() - out.leaseMs));
    if (claimed.length < deliveryIds.length) await revisit(deps, deliveryIds, new Set(claimed.map((d) => d.id)));
    if (claimed.length === 0) return;
    const chats = await chatIdsOf(
      database.sql,
      claimed.flatMap((d) => ('conversationId' in d.to ? [d.to.conversationId] : [])),
    );
    const outcomes: DeliveryOutcome[] = [];
    for (let i = 0; i < claimed.length; i += PARALLEL) {
      outcomes.push(...(await Promise.all(claimed.slice(i, i + PARALLEL).map((d) => sendOne(deps, d, chats)))));
    }
    await markDeliveries(database.sql, outcomes);
    // What must wait (a platform's pace, a retry's backoff) goes again when it may.
    const later = outcomes.filter((o) => o.status === 'pending' && o.not_before);
    if (later.length > 0) {
      const first = Math.min(...later.map((o) => Date.parse(o.not_before!)));
      const platforms = new Map(claimed.map((d) => [d.id, d.platform]));
      await dispatchSends(
        deps.runner,
        out.liveOnly,
        later.map((o) => ({ id: o.id, platform: platforms.get(o.id)! })),
        { delayMs: Math.max(0, first - clock.now().getTime()) },
      );
    }
  };
}

/**
 * Deliveries this job could not take (another sender holds them, or they wait for a pace or a
 * backoff) are looked at again when they may go: a sender that died is taken over at the end of
 * its lease, without waiting for the sweep.
 */
async function revisit(deps: SendDeps, ids: readonly string[], taken: ReadonlySet<string>): Promise<void> {
  const rest = await unsentDeliveries(
    deps.database.sql,
    ids.filter((id) => !taken.has(id)),
    deps.out.leaseMs,
    deps.clock.now(),
  );
  const now = deps.clock.now().getTime();
  for (const r of rest) await dispatchSends(deps.runner, deps.out.liveOnly, [r], { delayMs: Math.max(0, new Date(r.nextAt).getTime() - now + 1) });
}

async function sendOne(deps: SendDeps, d: ClaimedDelivery, chats: ReadonlyMap<string, string>): Promise<DeliveryOutcome> {
  const { out, clock, log, metrics } = deps;
  // Advanced by the adapter as the platform accepts each part; read when the outcome is built,
  // so a failed or timed-out attempt keeps the parts that went.
  const progress: SendProgress = { done: d.partsSent };
  const base = () => ({
    id: d.id,
    claimed_at: d.claimedAt.toISOString(),
    sent_at: null,
    platform_message_id: null,
    last_error: null,
    not_before: null,
    refund: false,
    parts_sent: progress.done,
  });
  const adapter = out.adapters.get(d.platform);
  const recipient = resolveRecipient(deps, d, chats);
  if (!adapter || !recipient) {
    const code = adapter ? 'NO_RECIPIENT' : 'PLATFORM_OFF';
    metrics.sendErrors.inc({ platform: d.platform, code });
    return { ...base(), status: 'failed', last_error: adapter ? 'recipient has no id on this platform' : `platform ${d.platform} is not enabled` };
  }
  const wait = await out.pacer.reserve(d.platform, JSON.stringify(recipient), out.limits[d.platform] ?? [], clock.now().getTime());
  // Waiting for the pace is not an attempt: the claim's count is given back.
  if (wait > 0) return { ...base(), status: 'pending', not_before: new Date(clock.now().getTime() + wait).toISOString(), refund: true };
  try {
    const res = await withTimeout(adapter.send(recipient, d.message, d.idempotencyKey, progress), out.timeoutMs);
    metrics.deliveriesSent.inc({ platform: d.platform, kind: d.nudgeId ? 'nudge' : 'message' });
    return { ...base(), status: 'sent', sent_at: clock.now().toISOString(), platform_message_id: res.platformMessageId ?? null };
  } catch (err) {
    const e = toAppError(err);
    metrics.sendErrors.inc({ platform: d.platform, code: e.code });
    const retryable =
      e.code === 'RATE_LIMITED' ||
      e.code === 'TIMEOUT' ||
      (e.code === 'PLATFORM_API' && (e.details as { retryable?: boolean } | undefined)?.retryable !== false);
    if (!retryable || d.attempts >= SEND_ATTEMPTS) {
      log.error({ err: e, deliveryId: d.id, platform: d.platform }, 'delivery failed for good');
      return { ...base(), status: 'failed', last_error: `${e.code}: ${e.message}`.slice(0, 500) };
    }
    const backoff = BACKOFF_MS * out.backoffScale * 2 ** (d.attempts - 1);
    return {
      ...base(),
      status: 'pending',
      last_error: `${e.code}: ${e.message}`.slice(0, 500),
      not_before: new Date(clock.now().getTime() + backoff).toISOString(),
    };
  }
}

function resolveRecipient(deps: SendDeps, d: ClaimedDelivery, chats: ReadonlyMap<string, string>): Recipient | null {
  if ('userId' in d.to) return { userId: d.to.userId };
  if ('personId' in d.to) {
    const userId = deps.catalog.current.platformIds(d.to.personId).get(d.platform);
    return userId ? { userId } : null;
  }
  const chatId = chats.get(d.to.conversationId);
  return chatId ? { chatId } : null;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('TIMEOUT', `platform did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
