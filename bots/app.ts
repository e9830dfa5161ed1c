/**
 * The composition root: database, directory, playbook, adapters, jobs and the loop wired
 * together. The embedded default runs all of it in one process; nothing here holds state that
 * the database does not also hold.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Adapter, InboundSink } from '../adapters/types.ts';
import { analyze } from '../analyzers/index.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { deliveries, messages, timers } from '../db/schema/index.ts';
import type { JobHandlers, JobRunner } from '../jobs/definitions.ts';
import { InProcessRunner } from '../jobs/in-process.ts';
import { createAdapters, type AdapterSet } from './adapters.ts';
import { fireJobId } from './coach/timers.ts';
import type { LoopContext } from './loop/context.ts';
import { recordFeedback } from './loop/feedback.ts';
import { fireTimer } from './loop/fire-timer.ts';
import { ingestMessage } from './loop/ingest.ts';
import { processMessage, type Dispatch } from './loop/process-message.ts';
import { sendDelivery } from './loop/send-delivery.ts';
import { SendLimiter } from './loop/send-limiter.ts';
import { readOrgFile, syncOrg } from './org/org-file.ts';
import { syncPlaybook, type Playbook } from './playbook/load.ts';

export interface AppOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  /** False for a manual clock: jobs then run only when `drain` is called. */
  autoRun?: boolean;
  /** Extra adapters (tests plug platform adapters in here). */
  adapters?: Adapter[];
}

export interface App {
  ctx: LoopContext;
  database: Database;
  runner: InProcessRunner;
  adapters: AdapterSet;
  sink: InboundSink;
  /** Re-reads the org directory and the playbook files (SIGHUP). */
  reload(): Promise<void>;
  /** Runs every job that is due on the app's clock, and what they enqueue. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL });
  const database = await openDatabase({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.DATA_DIR });
  const { db } = database;
  try {
    let playbook: Playbook = await syncPlaybook(db, { playbookFile: config.PLAYBOOK_FILE, atomsFile: config.ATOMS_FILE });
    await syncOrg(db, await readOrgFile(config.ORG_FILE));
    const adapters = createAdapters(config, log, opts.adapters);
    const ctx: LoopContext = {
      db,
      config,
      log,
      clock,
      playbook: () => playbook,
      analyze,
      sendPlatforms: adapters.sendPlatforms,
      workingHours: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
    };
    const runner = new InProcessRunner({ clock, log, autoRun: opts.autoRun ?? true });
    const outbound = { adapters: adapters.senders, limits: adapters.limits, limiter: new SendLimiter() };
    const firstStage = playbook.funnel.stages[0]!;

    const dispatch = async (d: Dispatch) => {
      for (const t of d.timers) await scheduleTimer(runner, clock, t);
      for (const id of d.deliveries) await runner.enqueue('send-delivery', { deliveryId: id });
    };
    const handlers: JobHandlers = {
      'analyze-message': async ({ messageId }) => dispatch(await processMessage(ctx, messageId)),
      'fire-timer': async ({ timerId }) => {
        const r = await fireTimer(ctx, timerId);
        if (!r.fired) return r.retryAt ? { retryAt: r.retryAt } : undefined;
        if (r.delivery) await runner.enqueue('send-delivery', { deliveryId: r.delivery });
      },
      'send-delivery': async ({ deliveryId }) => {
        const r = await sendDelivery(ctx, outbound, deliveryId);
        return r.status === 'wait' ? { retryAt: r.retryAt } : undefined;
      },
    };

    const sink: InboundSink = {
      message: async (msg) => {
        const outcome = await ingestMessage({ db, clock, firstStage }, msg);
        // Stored is what the platform's ack waits for; analysis is dispatched after. If the
        // dispatch fails the message is still analysed: recovery picks up unanalysed rows.
        if (outcome.status === 'stored') {
          await runner.enqueue('analyze-message', { messageId: outcome.id }).catch((err) => log.warn({ err }, 'analyze dispatch failed'));
        }
        return outcome;
      },
      feedback: (fb) => recordFeedback(db, fb, clock.now()),
    };

    await recover(ctx, runner);
    await runner.start(handlers);
    for (const a of adapters.all) await a.start(sink);

    return {
      ctx,
      database,
      runner,
      adapters,
      sink,
      reload: async () => {
        playbook = await syncPlaybook(db, { playbookFile: config.PLAYBOOK_FILE, atomsFile: config.ATOMS_FILE });
        await syncOrg(db, await readOrgFile(config.ORG_FILE));
      },
      drain: () => runner.drain(),
      close: async () => {
        for (const a of adapters.all) await a.stop().catch((err) => log.warn({ err, platform: a.platform }, 'adapter stop failed'));
        await runner.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function scheduleTimer(runner: JobRunner, clock: Clock, t: { id: string; nudgeAt: Date }): Promise<void> {
  const delayMs = Math.max(0, t.nudgeAt.getTime() - clock.now().getTime());
  await runner.enqueue('fire-timer', { timerId: t.id }, { delayMs, jobId: fireJobId(t) });
}

/**
 * Re-dispatches from the database what a previous run left: messages stored but not analysed,
 * pending timers, and deliveries not yet sent. Adding a job twice is harmless; the rows decide.
 */
export async function recover(ctx: LoopContext, runner: JobRunner): Promise<{ messages: number; timers: number; deliveries: number }> {
  const { db, clock } = ctx;
  const unanalysed = await db.select({ id: messages.id }).from(messages).where(isNull(messages.analyzedAt)).orderBy(messages.receivedAt);
  for (const m of unanalysed) await runner.enqueue('analyze-message', { messageId: m.id }, { jobId: `analyze:${m.id}` });
  const pending = await db.select({ id: timers.id, nudgeAt: timers.nudgeAt }).from(timers).where(eq(timers.status, 'pending'));
  for (const t of pending) await scheduleTimer(runner, clock, t);
  // A delivery left 'sending' was interrupted mid-send by a crash; it goes again with the same
  // idempotency key, which platforms that support it use to drop the repeat.
  await db.update(deliveries).set({ status: 'pending' }).where(eq(deliveries.status, 'sending'));
  const unsent = await db.select({ id: deliveries.id }).from(deliveries).where(and(inArray(deliveries.status, ['pending'])));
  for (const d of unsent) await runner.enqueue('send-delivery', { deliveryId: d.id }, { jobId: `send:${d.id}` });
  return { messages: unanalysed.length, timers: pending.length, deliveries: unsent.length };
}
