/**
 * The sink answers a message once it is stored, not once its analysis job is queued: a platform
 * waiting for its ack does not wait for the queue as well. The dispatch still happens, `idle()`
 * waits for it (shutdown and `drain` rely on that), and a dispatch that fails leaves the message
 * stored for the sweep. The real app on PGlite; the queue is its in-process runner, behind a gate
 * the test opens.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink, type Sink } from '../../bots/ingest/sink.ts';
import type { JobRunner } from '../../jobs/define.ts';
import { messages } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

/** The app's runner, whose `enqueueMany` waits until the test opens the gate (or fails it). */
function gatedRunner(inner: JobRunner) {
  const waiting: Array<{ open: () => void; fail: (err: Error) => void }> = [];
  const runner: JobRunner = Object.assign(Object.create(inner) as JobRunner, {
    enqueueMany: async (...args: Parameters<JobRunner['enqueueMany']>) => {
      await new Promise<void>((open, fail) => waiting.push({ open, fail }));
      return inner.enqueueMany(...args);
    },
  });
  const next = async () => {
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    return waiting.shift()!;
  };
  return { runner, next };
}

describe('sink dispatch', () => {
  let t: TestApp;
  let sink: Sink;
  let gate: ReturnType<typeof gatedRunner>;
  beforeAll(async () => {
    t = await startTestApp();
    const { app } = t;
    gate = gatedRunner(app.runner);
    sink = createSink({
      log: app.log,
      metrics: app.metrics,
      runner: gate.runner,
      clock: app.clock,
      database: app.database,
      catalog: app.catalog,
      sendPlatforms: app.adapters.sendPlatforms,
      dispatch: async () => {},
      maxTextLength: app.config.MAX_TEXT_LENGTH,
      localAdapter: true,
      partitions: app.config.ANALYSIS_PARTITIONS,
      batchSize: app.config.INGEST_BATCH,
    });
  });
  afterAll(() => t.cleanup());

  const analysedAt = async (platformMessageId: string) =>
    (await t.app.database.db.select({ at: messages.analyzedAt }).from(messages).where(eq(messages.platformMessageId, platformMessageId)))[0]?.at;

  it('answers stored while the dispatch waits for the queue; idle() waits for the dispatch, and the job runs', async () => {
    const at = t.clock.now();
    const answer = await sink.message(chat({ from: 'cust-li', text: '报价单收到了，我们内部再看看。', at, id: 'gated-1' }));
    expect(answer.status).toBe('stored');
    let idle = false;
    const idled = sink.idle().then(() => (idle = true));
    const dispatch = await gate.next();
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);
    dispatch.open();
    // The command queue's dispatch of the same batch (empty: nothing was written to the bot).
    (await gate.next()).open();
    await idled;
    await t.app.drain();
    expect(await analysedAt('gated-1')).toBeInstanceOf(Date);
  });

  it('a dispatch that fails leaves the message stored and answered, and the sweep queues it', async () => {
    const at = t.clock.now();
    const answer = await sink.message(chat({ from: 'cust-li', text: '下周二可以约个会吗？', at, id: 'gated-2' }));
    expect(answer.status).toBe('stored');
    (await gate.next()).fail(new Error('redis unreachable'));
    await sink.idle();
    await t.app.drain();
    expect(await analysedAt('gated-2')).toBeNull();
    await t.app.sweep({ settleMs: 0 });
    await t.app.drain();
    expect(await analysedAt('gated-2')).toBeInstanceOf(Date);
  });
});
