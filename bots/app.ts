/**
 * The composition root: database, directory, playbook, adapters, jobs and the loop wired
 * together, for one of three roles:
 *  - `all`: the embedded default (no REDIS_URL): everything in this process, in-process jobs;
 *  - `web`: HTTP, adapters and sends, jobs on BullMQ (`npm start` with REDIS_URL);
 *  - `worker`: analysis, timers, reports and sends from BullMQ (`npm run worker`).
 * Nothing here holds state the database does not also hold.
 */
import { and, eq, inArray, isNull, lt, lte } from 'drizzle-orm';
import type { Adapter, InboundSink } from '../adapters/types.ts';
import { analyze } from '../analyzers/index.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { AppError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { Platform } from '../core/types.ts';
import { nextWeekly } from '../core/zoned-time.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { deliveries, messages, timers } from '../db/schema/index.ts';
import { BullMqRunner } from '../jobs/bullmq.ts';
import { jobIds, type JobHandlers, type JobName, type JobRunner } from '../jobs/definitions.ts';
import { InProcessRunner } from '../jobs/in-process.ts';
import { createAdapters, type AdapterSet } from './adapters.ts';
import type { LoopContext } from './loop/context.ts';
import { recordFeedback } from './loop/feedback.ts';
import { fireTimer } from './loop/fire-timer.ts';
import { ingestMessage } from './loop/ingest.ts';
import { processMessage, type Dispatch } from './loop/process-message.ts';
import { sendDelivery } from './loop/send-delivery.ts';
import { createSendPacer } from './loop/send-pacer.ts';
import { createWeeklyDigest, DIGEST_TIME, DIGEST_WEEKDAY, digestRecipients } from './loop/weekly-digest.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { readOrgFile, syncOrg } from './org/org-file.ts';
import { syncPlaybook, type Playbook } from './playbook/load.ts';

export type Role = 'all' | 'web' | 'worker';

export interface AppOptions {
  config: Config;
  /** Defaults to `all` without REDIS_URL and `web` with it. */
  role?: Role;
  clock?: Clock;
  log?: Logger;
  /** False for a manual clock: in-process jobs then run only when `drain` is called. */
  autoRun?: boolean;
  /** Extra adapters (tests plug platform adapters in here). */
  adapters?: Adapter[];
  /** False for a one-shot command (an import): no platform connections are opened. */
  startAdapters?: boolean;
  /** Which jobs this process runs, instead of its role's (a one-shot command runs fewer). */
  consume?: JobName[];
}

export interface App {
  role: Role;
  ctx: LoopContext;
  database: Database;
  runner: InProcessRunner | BullMqRunner;
  adapters: AdapterSet;
  sink: InboundSink;
  metrics: Metrics;
  /** Re-reads the org directory and the playbook files (SIGHUP). */
  reload(): Promise<void>;
  /** Re-dispatches what the database says is unfinished (see `recover`). */
  sweep(): Promise<RecoverCounts>;
  /** Checks the database and, with BullMQ, Redis; throws naming what is down. */
  ready(): Promise<void>;
  /** In-process runner only: runs every job due on the app's clock, and what they enqueue. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const role = opts.role ?? (config.REDIS_URL ? 'web' : 'all');
  if (role !== 'all' && !config.REDIS_URL)
    throw new AppError('CONFIG_INVALID', `REDIS_URL: required for the ${role} role (without it, npm start runs everything in one process)`);
  const clock = opts.clock ?? systemClock;
  const log = (opts.log ?? createLogger({ level: config.LOG_LEVEL })).child({ role });
  const database = await openDatabase({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.DATA_DIR });
  const { db } = database;
  let runner: InProcessRunner | BullMqRunner | null = null;
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
    const bull = config.REDIS_URL
      ? new BullMqRunner({ url: config.REDIS_URL, log, prefix: config.QUEUE_PREFIX, lockDurationMs: config.JOB_LOCK_MS, stalledIntervalMs: config.JOB_LOCK_MS })
      : null;
    const jobs: InProcessRunner | BullMqRunner = bull ?? new InProcessRunner({ clock, log, autoRun: opts.autoRun ?? true });
    runner = jobs;
    const metrics = createMetrics(bull ? () => bull.counts() : undefined);
    const outbound = {
      adapters: adapters.senders,
      limits: adapters.limits,
      pacer: createSendPacer(bull?.redis, config.QUEUE_PREFIX),
      leaseMs: config.SEND_LEASE_MS,
    };
    const firstStage = playbook.funnel.stages[0]!;

    const enqueueSend = async (deliveryId: string) => {
      const platform = adapters.liveOnly.size > 0 ? await deliveryPlatform(ctx, deliveryId) : null;
      const live = platform !== null && adapters.liveOnly.has(platform);
      await jobs.enqueue(live ? 'send-delivery-live' : 'send-delivery', { deliveryId }, { jobId: jobIds.send(deliveryId) });
    };
    const send = async (deliveryId: string) => {
      const r = await sendDelivery(ctx, outbound, deliveryId);
      if (r.status === 'sent' && r.nudge) metrics.nudgesSent.inc({ platform: r.platform });
      if (r.status === 'failed' || r.status === 'retry') metrics.sendErrors.inc({ platform: r.platform, code: r.code });
      if (r.status === 'retry') throw r.error;
      return r.status === 'wait' ? { retryAt: r.retryAt } : undefined;
    };
    const dispatch = async (d: Dispatch) => {
      for (const kind of d.actions) metrics.actionsDetected.inc({ kind });
      for (const t of d.timers) await scheduleTimer(jobs, clock, t);
      for (const id of d.deliveries) await enqueueSend(id);
    };
    const allHandlers: JobHandlers = {
      'analyze-message': async ({ messageId }) => dispatch(await processMessage(ctx, messageId)),
      'fire-timer': async ({ timerId }) => {
        const r = await fireTimer(ctx, timerId);
        if (!r.fired) return r.retryAt ? { retryAt: r.retryAt } : undefined;
        if (r.delivery) await enqueueSend(r.delivery);
      },
      'send-delivery': ({ deliveryId }) => send(deliveryId),
      'send-delivery-live': ({ deliveryId }) => send(deliveryId),
      'weekly-digest': async ({ personId }) => {
        const id = await createWeeklyDigest(ctx, personId);
        if (id) await enqueueSend(id);
        // BullMQ's job scheduler repeats by itself; the in-process runner is given the next one.
        if (!bull) await scheduleDigest(jobs, clock, config.TIMEZONE, personId);
      },
    };
    // The web role sends (it holds the platform connections); the worker role does the rest and
    // sends too, except on live-connection platforms.
    const consumed: JobName[] =
      opts.consume ??
      (role === 'all' || (role === 'web' && config.RUN_WORKERS)
        ? (Object.keys(allHandlers) as JobName[])
        : role === 'web'
          ? ['send-delivery', 'send-delivery-live']
          : ['analyze-message', 'fire-timer', 'send-delivery', 'weekly-digest']);
    const handlers = Object.fromEntries(consumed.map((n) => [n, allHandlers[n]])) as Partial<JobHandlers>;

    const sink: InboundSink = {
      message: async (msg) => {
        const outcome = await ingestMessage({ db, clock, firstStage }, msg);
        metrics.messagesIngested.inc({ platform: msg.platform, outcome: outcome.status });
        // Stored is what the platform's ack waits for; analysis is dispatched after. If the
        // dispatch fails (Redis down) the message is still analysed: the sweep finds it.
        if (outcome.status === 'stored') {
          await jobs.enqueue('analyze-message', { messageId: outcome.id }, { jobId: jobIds.analyze(outcome.id) }).catch((err: unknown) => {
            log.warn({ err: (err as Error).message, messageId: outcome.id }, 'analysis not dispatched; the sweep will pick it up');
          });
        }
        return outcome;
      },
      feedback: (fb) => recordFeedback(db, fb, clock.now()),
    };

    const sweep = (timersToSchedule: 'all' | 'due' = 'due') =>
      recover(ctx, jobs, { resetSending: !bull, settleMs: bull ? config.SWEEP_SETTLE_MS : 0, timers: timersToSchedule, enqueueSend });
    let sweeper: NodeJS.Timeout | null = null;
    // Sweeps and schedules belong to the processes that run the analysis.
    if (consumed.includes('analyze-message')) {
      // At start every pending timer gets its delayed job; later sweeps only need the ones already
      // due, whose job Redis lost (a lost future job is found the same way once it falls due).
      await sweep('all');
      await scheduleDigests(ctx, jobs, bull);
      if (bull) {
        // The database is the source of truth: what Redis lost (a restart, a failed enqueue while
        // it was down) is found again here.
        sweeper = setInterval(() => void sweep().catch((err) => log.warn({ err: (err as Error).message }, 'sweep failed')), config.SWEEP_INTERVAL_MS);
        sweeper.unref();
      }
    }
    if (consumed.length > 0) await jobs.start(handlers);
    // A worker sends but never receives: only the web process holds platform connections.
    const startAdapters = role !== 'worker' && (opts.startAdapters ?? true);
    if (startAdapters) for (const a of adapters.all) await a.start(sink);

    return {
      role,
      ctx,
      database,
      runner: jobs,
      adapters,
      sink,
      metrics,
      reload: async () => {
        playbook = await syncPlaybook(db, { playbookFile: config.PLAYBOOK_FILE, atomsFile: config.ATOMS_FILE });
        await syncOrg(db, await readOrgFile(config.ORG_FILE));
      },
      sweep,
      ready: async () => {
        await database.ping().catch((err) => {
          throw new AppError('DATABASE', 'database unreachable', { cause: err });
        });
        if (bull) {
          await bull.ping().catch((err) => {
            throw new AppError('DATABASE', 'redis unreachable', { cause: err });
          });
        }
      },
      drain: async () => {
        if (jobs instanceof InProcessRunner) await jobs.drain();
      },
      close: async () => {
        if (sweeper) clearInterval(sweeper);
        if (startAdapters) for (const a of adapters.all) await a.stop().catch((err) => log.warn({ err, platform: a.platform }, 'adapter stop failed'));
        await jobs.close();
        await database.close();
      },
    };
  } catch (err) {
    await runner?.close().catch(() => {});
    await database.close();
    throw err;
  }
}

async function deliveryPlatform(ctx: LoopContext, deliveryId: string): Promise<Platform | null> {
  const [d] = await ctx.db.select({ platform: deliveries.platform }).from(deliveries).where(eq(deliveries.id, deliveryId));
  return d?.platform ?? null;
}

async function scheduleTimer(runner: JobRunner, clock: Clock, t: { id: string; nudgeAt: Date }): Promise<void> {
  const delayMs = Math.max(0, t.nudgeAt.getTime() - clock.now().getTime());
  await runner.enqueue('fire-timer', { timerId: t.id }, { delayMs, jobId: jobIds.timer(t.id, t.nudgeAt) });
}

async function scheduleDigest(runner: JobRunner, clock: Clock, timeZone: string, personId: string): Promise<void> {
  const at = nextWeekly(clock.now(), DIGEST_WEEKDAY, DIGEST_TIME, timeZone);
  await runner.enqueue('weekly-digest', { personId }, { delayMs: at.getTime() - clock.now().getTime(), jobId: `digest-${personId}-${at.getTime()}` });
}

/** Every manager's digest: a BullMQ job scheduler (cron in the org's zone), or the next run in-process. */
async function scheduleDigests(ctx: LoopContext, runner: JobRunner, bull: BullMqRunner | null): Promise<void> {
  const managers = await digestRecipients(ctx.db);
  if (!bull) {
    for (const id of managers) await scheduleDigest(runner, ctx.clock, ctx.config.TIMEZONE, id);
    return;
  }
  const queue = bull.queue('reports');
  const [hh, mm] = DIGEST_TIME.split(':');
  for (const personId of managers) {
    await queue.upsertJobScheduler(
      `weekly-digest-${personId}`,
      { pattern: `${Number(mm)} ${Number(hh)} * * ${DIGEST_WEEKDAY}`, tz: ctx.config.TIMEZONE },
      {
        name: 'weekly-digest',
        data: { personId },
        opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: { count: 500 }, removeOnFail: { count: 500 } },
      },
    );
  }
  // Someone who is no longer a manager stops getting one.
  for (const s of await queue.getJobSchedulers()) {
    const id = s.key ?? s.id ?? '';
    if (id.startsWith('weekly-digest-') && !managers.includes(id.slice('weekly-digest-'.length))) await queue.removeJobScheduler(id);
  }
}

export interface RecoverCounts {
  messages: number;
  timers: number;
  deliveries: number;
}

/**
 * Re-dispatches from the database what is unfinished: messages stored but not analysed, pending
 * timers, deliveries not yet sent. Adding a job twice is harmless (same job id; the rows decide).
 * `settleMs` leaves alone rows younger than that, whose own job is most likely still on its way.
 */
export async function recover(
  ctx: LoopContext,
  runner: JobRunner,
  opts: { resetSending: boolean; settleMs: number; timers: 'all' | 'due'; enqueueSend: (deliveryId: string) => Promise<void> },
): Promise<RecoverCounts> {
  const { enqueueSend } = opts;
  const { db, clock } = ctx;
  const settled = new Date(clock.now().getTime() - opts.settleMs);
  const unanalysed = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(isNull(messages.analyzedAt), lt(messages.receivedAt, new Date(settled.getTime() + 1))))
    .orderBy(messages.receivedAt);
  for (const m of unanalysed) await runner.enqueue('analyze-message', { messageId: m.id }, { jobId: jobIds.analyze(m.id) });
  const pending = await db
    .select({ id: timers.id, nudgeAt: timers.nudgeAt })
    .from(timers)
    .where(and(eq(timers.status, 'pending'), opts.timers === 'due' ? lte(timers.nudgeAt, clock.now()) : undefined));
  for (const t of pending) await scheduleTimer(runner, clock, t);
  // Single process: a row left 'sending' was cut off by a crash of this very process. With
  // several senders the lease in send-delivery decides instead.
  if (opts.resetSending) await db.update(deliveries).set({ status: 'pending' }).where(eq(deliveries.status, 'sending'));
  const unsent = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(inArray(deliveries.status, ['pending', 'sending']), lt(deliveries.createdAt, new Date(settled.getTime() + 1))));
  for (const d of unsent) await enqueueSend(d.id);
  return { messages: unanalysed.length, timers: pending.length, deliveries: unsent.length };
}
