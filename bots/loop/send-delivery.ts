/**
 * The send-delivery job: one outbound message through its platform adapter, paced by the
 * platform's limits, retried with backoff on a retryable platform error, and sent at most once:
 * the row is claimed before the call and marked sent after it.
 */
import { and, eq, lt, or } from 'drizzle-orm';
import type { Adapter, SendLimit } from '../../adapters/types.ts';
import { toAppError } from '../../core/errors.ts';
import type { Platform, Recipient } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import { platformIdsOf } from '../../db/queries/directory.ts';
import { conversations, deliveries } from '../../db/schema/index.ts';
import { JOBS } from '../../jobs/definitions.ts';
import type { LoopContext } from './context.ts';
import type { SendPacer } from './send-pacer.ts';

export interface Outbound {
  adapters: ReadonlyMap<Platform, Adapter>;
  limits: Partial<Record<Platform, readonly SendLimit[]>>;
  pacer: SendPacer;
  /**
   * How long a sender may hold a row in 'sending' before another may retake it: longer than any
   * adapter's send timeout, so a live sender is never raced; a crashed one is recovered.
   */
  leaseMs: number;
}

export type SendOutcome =
  | { status: 'sent'; platform: Platform; nudge: boolean }
  | { status: 'skipped' }
  | { status: 'wait'; retryAt: Date }
  /** Failed for good: not retried. */
  | { status: 'failed'; platform: Platform; code: string }
  /** Failed this time: the job runner retries with backoff. */
  | { status: 'retry'; platform: Platform; code: string; error: Error };

export async function sendDelivery(ctx: LoopContext, out: Outbound, deliveryId: string): Promise<SendOutcome> {
  const { db } = ctx;
  const [d] = await db.select().from(deliveries).where(eq(deliveries.id, deliveryId));
  if (!d || d.status === 'sent' || d.status === 'failed') return { status: 'skipped' };
  const adapter = out.adapters.get(d.platform);
  const recipient = await resolveRecipient(db, d.platform, d.to);
  if (!adapter || !recipient) {
    await markFailed(db, d.id, adapter ? 'recipient has no id on this platform' : `platform ${d.platform} is not enabled`);
    return { status: 'failed', platform: d.platform, code: adapter ? 'NO_RECIPIENT' : 'PLATFORM_OFF' };
  }
  const wait = await out.pacer.reserve(d.platform, JSON.stringify(recipient), out.limits[d.platform] ?? [], ctx.clock.now().getTime());
  if (wait > 0) return { status: 'wait', retryAt: new Date(ctx.clock.now().getTime() + wait) };

  // Claim: only one sender at a time holds the row. A row left 'sending' by a sender that died
  // is retaken once its lease has run out, and goes again with the same idempotency key.
  const now = ctx.clock.now();
  const staleBefore = new Date(now.getTime() - out.leaseMs);
  const [claimed] = await db
    .update(deliveries)
    .set({ status: 'sending', attempts: d.attempts + 1, claimedAt: now })
    .where(and(eq(deliveries.id, d.id), or(eq(deliveries.status, 'pending'), and(eq(deliveries.status, 'sending'), lt(deliveries.claimedAt, staleBefore)))))
    .returning();
  if (!claimed) {
    const [current] = await db.select().from(deliveries).where(eq(deliveries.id, d.id));
    if (current?.status === 'sending' && current.claimedAt) return { status: 'wait', retryAt: new Date(current.claimedAt.getTime() + out.leaseMs + 1) };
    return { status: 'skipped' };
  }
  try {
    const res = await adapter.send(recipient, claimed.message, claimed.idempotencyKey);
    await db
      .update(deliveries)
      .set({ status: 'sent', sentAt: ctx.clock.now(), platformMessageId: res.platformMessageId ?? null, lastError: null })
      .where(eq(deliveries.id, d.id));
    return { status: 'sent', platform: d.platform, nudge: d.nudgeId !== null };
  } catch (err) {
    const e = toAppError(err);
    const retryable = e.code === 'RATE_LIMITED' || (e.code === 'PLATFORM_API' && (e.details as { retryable?: boolean } | undefined)?.retryable !== false);
    if (!retryable || claimed.attempts >= JOBS['send-delivery'].attempts) {
      await markFailed(db, d.id, `${e.code}: ${e.message}`);
      ctx.log.error({ err: e, deliveryId: d.id, platform: d.platform }, 'delivery failed for good');
      return { status: 'failed', platform: d.platform, code: e.code };
    }
    await db
      .update(deliveries)
      .set({ status: 'pending', lastError: `${e.code}: ${e.message}` })
      .where(eq(deliveries.id, d.id));
    return { status: 'retry', platform: d.platform, code: e.code, error: e };
  }
}

async function markFailed(db: Db, id: string, reason: string): Promise<void> {
  await db.update(deliveries).set({ status: 'failed', lastError: reason }).where(eq(deliveries.id, id));
}

async function resolveRecipient(db: Db, platform: Platform, to: { personId: string } | { conversationId: string }): Promise<Recipient | null> {
  if ('personId' in to) {
    const userId = (await platformIdsOf(db, to.personId)).get(platform);
    return userId ? { userId } : null;
  }
  const [conv] = await db.select({ chatId: conversations.chatId }).from(conversations).where(eq(conversations.id, to.conversationId));
  return conv ? { chatId: conv.chatId } : null;
}
