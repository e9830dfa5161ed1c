/**
 * The composition root: it only wires. Database, catalog, adapters, job runner, the sink and the
 * jobs each process runs, for one of three roles:
 *  - `all`: the embedded default (no REDIS_URL): everything in this process, in-process jobs;
 *  - `web`: HTTP, adapters and sends, jobs on BullMQ (`npm start` with REDIS_URL);
 *  - `worker`: analysis, commands, timers, reports and sends from BullMQ (`npm run worker`).
 * Nothing here holds state the database does not also hold.
 */
import { createNonceStore } from '../adapters/nonces.ts';
import type { Adapter, FetchedFile } from '../adapters/types.ts';
import { analyzeMessage } from '../analyzers/message.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { AppError, toAppError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { Platform } from '../core/types.ts';
import type { WorkingHours } from '../core/zoned-time.ts';
import { type Database, openDatabase } from '../db/client.ts';
import type { DocumentLinkRow, DocumentRow } from '../db/queries/documents.ts';
import type { JobDefinition, JobHandler, JobRunner, QueueName } from '../jobs/define.ts';
import { InProcessRunner } from '../jobs/in-process.ts';
import { type AdapterSet, createAdapters } from './adapters.ts';
import { type AnalysisDeps, analyzeHandler, analyzeJob } from './analysis/analyze-job.ts';
import { QUEUE_VACUUM_EVERY } from './analysis/queue-vacuum.ts';
import { syncCatalogFiles } from './catalog/sync.ts';
import { CatalogHolder } from './catalog/watch.ts';
import { readingListener } from './coaching/reading.ts';
import { openShareTimers } from './coaching/share-timers.ts';
import { fireTimersHandler, fireTimersJob } from './coaching/timer-job.ts';
import { applyReadingHandler, applyReadingJob } from './coaching/reading-job.ts';
import { commandHandler, commandJob } from './commands/command-job.ts';
import type { ReadingEvent } from './documents/reading.ts';
import { createDocumentStorage, type DocumentStorage, readObject } from './documents/storage.ts';
import { createSink, type Sink } from './ingest/sink.ts';
import { INBOX_CLEANUP_EVERY_MS, inboxCleanupHandler, inboxCleanupJob } from './maintenance/inbox-cleanup.ts';
import { newSweepCursor, sweep, sweepHandler, sweepJob, type SweepCounts } from './maintenance/sweep-job.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createSendPacer } from './outbound/pacer.ts';
import { dispatchSends, type Outbound, sendHandler, sendJob, sendLiveJob } from './outbound/send-job.ts';
import { complianceRollupHandler, complianceRollupJob, scheduleRollups } from './reports/compliance-rollup-job.ts';
import { behaviourFiguresHandler, behaviourFiguresJob, FIGURES_EVERY_MS } from './reports/figures.ts';
import { FACTS_EVERY_MS, reportFactsHandler, reportFactsJob } from './reports/report-facts.ts';
import { atomDecayHandler, atomDecayJob, scheduleDecayReports } from './reports/decay-job.ts';
import { scheduleDigests, weeklyDigestHandler, weeklyDigestJob } from './reports/digest-job.ts';

export type Role = 'all' | 'web' | 'worker';

/**
 * Most messages per analysis transaction on the embedded database. The analysis of a batch runs
 * synchronously between its statements, and PGlite has one connection, held for the whole
 * transaction: a batch of 500 (the PostgreSQL default) held HTTP — /healthz, every webhook
 * waiting for its store — for hundreds of milliseconds at a time under a burst. (Ingest batches
 * stay as they are: smaller ones halved what the embedded server takes in, measured with
 * `npm run bench`.)
 */
export const EMBEDDED_BATCH_MAX = 64;

/** The jobs a process may run, by name. */
export const JOB_NAMES = [
  'analyze-partition',
  'run-command',
  'fire-timers',
  'apply-reading',
  'send-deliveries',
  'send-deliveries-live',
  'weekly-digest',
  'compliance-rollup',
  'atom-decay',
  'behaviour-figures',
  'report-facts',
  'sweep',
  'inbox-cleanup',
] as const;
export type JobName = (typeof JOB_NAMES)[number];

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
  consume?: readonly JobName[];
  /** False when the database is a copy of a migrated template (tests). */
  migrate?: boolean;
}

/** Tracked documents as the loop sees them: where files are kept, and its two ways in. */
export interface AppDocuments {
  storage: DocumentStorage;
  /** Where customers reach this server: tracked links start with it. */
  publicUrl: string;
  /** The viewer's reading events: actions, engagement, timers met, nudges (bots/coaching/reading.ts). */
  onReading(event: ReadingEvent, pendingId?: string): Promise<void>;
  /** A tracked link made over the API: the playbook's timers on sharing (a quote not opened). */
  onShared(shared: { document: DocumentRow; link: DocumentLinkRow }): Promise<void>;
}

export interface App {
  role: Role;
  config: Config;
  clock: Clock;
  log: Logger;
  database: Database;
  catalog: CatalogHolder;
  runner: JobRunner;
  adapters: AdapterSet;
  sink: Sink;
  metrics: Metrics;
  wh: WorkingHours;
  documents: AppDocuments;
  /** What the analysis job runs with, as wired here (a test runs the job itself with them). */
  analysis: AnalysisDeps;
  /** Re-reads the org, playbook and atoms files into the database; every process follows. */
  reload(): Promise<void>;
  /** Re-dispatches what the database says is unfinished. */
  sweep(opts?: { settleMs?: number }): Promise<SweepCounts | null>;
  /** Checks the database and, with BullMQ, Redis; throws naming what is down. */
  ready(): Promise<void>;
  /** The queues this process consumes whose oldest waiting job has waited longer than QUEUE_STUCK_MS. */
  stuckQueues(): Promise<Array<{ queue: QueueName; oldestWaitingMs: number }>>;
  /** In-process runner only: runs every job due on the app's clock, and what they enqueue. */
  drain(): Promise<void>;
  /**
   * For a manual clock: when something next falls due (a queued job, a timer, a delivery waiting
   * for its pace), leaving out the jobs that only repeat every few seconds.
   */
  nextDueAt(): Promise<Date | null>;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const role = opts.role ?? (config.REDIS_URL ? 'web' : 'all');
  if (role !== 'all' && !config.REDIS_URL)
    throw new AppError('CONFIG_INVALID', `REDIS_URL: required for the ${role} role (without it, npm start runs everything in one process)`);
  const clock = opts.clock ?? systemClock;
  const log = (opts.log ?? createLogger({ level: config.LOG_LEVEL })).child({ role });
  const database = await openDatabase({
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL,
    migrate: opts.migrate ?? true,
    onWarning: (message) => log.warn({ postgres: message }, 'PostgreSQL warning'),
  });
  let runner: JobRunner | null = null;
  let catalog: CatalogHolder | null = null;
  try {
    const files = { orgFile: config.ORG_FILE, playbookFile: config.PLAYBOOK_FILE, atomsFile: config.ATOMS_FILE };
    await syncCatalogFiles(database.db, files);
    catalog = await CatalogHolder.open(database.db, log);
    catalog.watch(config.CATALOG_POLL_MS);
    const analysisConcurrency = config.ANALYSIS_CONCURRENCY ?? config.ANALYSIS_PARTITIONS;
    // BullMQ and ioredis are loaded only where there is a Redis: the embedded default never uses them.
    const bull = config.REDIS_URL
      ? new (await import('../jobs/bullmq.ts')).BullMqRunner({
          url: config.REDIS_URL,
          log,
          prefix: config.QUEUE_PREFIX,
          lockDurationMs: config.JOB_LOCK_MS,
          stalledIntervalMs: config.JOB_LOCK_MS,
          backoffScale: config.RETRY_BACKOFF_SCALE,
          concurrency: { analyze: analysisConcurrency },
        })
      : null;
    // Webhook replays are refused across every web process sharing the Redis, and without Redis
    // from the database, so a restart does not forget the requests of the last minutes. The
    // platform waits for the answer: the database's urgent lane.
    const nonces = createNonceStore({
      ...(bull ? { redis: bull.redis } : { sql: database.urgent.sql }),
      prefix: config.QUEUE_PREFIX,
      // The wall clock, as the signature windows the adapters check are on it (not the app's clock).
      onError: (err) => log.warn({ err: toAppError(err).message }, `webhook replay check skipped: ${bull ? 'redis' : 'database'} unreachable`),
    });
    const jobs: JobRunner = bull ?? new InProcessRunner({ clock, log, autoRun: opts.autoRun ?? true, backoffScale: config.RETRY_BACKOFF_SCALE });
    runner = jobs;
    const adapters = await createAdapters(config, log, opts.adapters, nonces);
    const metrics = createMetrics(() => jobs.stats());
    const wh: WorkingHours = { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS };
    const out: Outbound = {
      adapters: adapters.senders,
      limits: adapters.limits,
      pacer: createSendPacer(bull?.redis, config.QUEUE_PREFIX),
      liveOnly: adapters.liveOnly,
      leaseMs: config.SEND_LEASE_MS,
      timeoutMs: config.SEND_TIMEOUT_MS,
      backoffScale: config.RETRY_BACKOFF_SCALE,
    };
    const dispatch = (rows: ReadonlyArray<{ id: string; platform: string }>) => dispatchSends(jobs, adapters.liveOnly, rows);
    const held = catalog;
    const documents: AppDocuments = {
      storage: createDocumentStorage(config),
      publicUrl: config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
      onReading: readingListener({ database, catalog, log: log.child({ component: 'reading' }), metrics, sendPlatforms: adapters.sendPlatforms, dispatch }),
      onShared: async ({ document, link }) => {
        await openShareTimers(database.db, held.current, wh, { document, link, at: link.createdAt });
      },
    };
    // A file sent to the bot: the local ingest kept it in the document storage; a platform's
    // adapter downloads it (each adapter knows its own file references).
    const fetchFile = async (platform: Platform, ref: { messageId: string; fileRef: string }): Promise<FetchedFile> => {
      if (platform === 'local') return { body: await readObject(documents.storage, ref.fileRef) };
      // WeCom has two adapters: the one whose reference it is not says UNSUPPORTED_MESSAGE.
      for (const a of adapters.all) {
        if (a.platform !== platform || !a.fetchFile) continue;
        try {
          return await a.fetchFile(ref);
        } catch (err) {
          if (toAppError(err).code !== 'UNSUPPORTED_MESSAGE') throw err;
        }
      }
      throw new AppError('UNSUPPORTED_MESSAGE', `files sent on ${platform} cannot be fetched`);
    };
    const shared = {
      database,
      catalog,
      clock,
      log,
      metrics,
      runner: jobs,
      sendPlatforms: adapters.sendPlatforms,
      liveOnly: adapters.liveOnly,
      dispatch,
      config,
      wh,
      documents,
      fetchFile,
    };
    const analysis: AnalysisDeps = {
      ...shared,
      wh,
      partitions: config.ANALYSIS_PARTITIONS,
      batchSize: database.kind === 'pglite' ? Math.min(config.ANALYSIS_BATCH, EMBEDDED_BATCH_MAX) : config.ANALYSIS_BATCH,
      // The embedded runner runs one analysis at a time: there a run stops at its first short batch.
      drainWhilePending: bull !== null && analysisConcurrency >= config.ANALYSIS_PARTITIONS,
      nudgeMaxAgeMs: config.NUDGE_MAX_AGE,
      dailyTouchLimit: config.COMPLIANCE_DAILY_LIMIT,
      queueVacuumEvery: QUEUE_VACUUM_EVERY,
      analyze: analyzeMessage,
    };
    const sweepDeps = {
      ...shared,
      partitions: config.ANALYSIS_PARTITIONS,
      settleMs: bull ? config.SWEEP_SETTLE_MS : 0,
      leaseMs: config.SEND_LEASE_MS,
      cursor: newSweepCursor(),
    };
    const handlers: Record<JobName, [JobDefinition<never>, JobHandler<never>]> = {
      'analyze-partition': [analyzeJob, analyzeHandler(analysis)],
      'run-command': [commandJob, commandHandler(shared)],
      'fire-timers': [fireTimersJob, fireTimersHandler(shared)],
      'apply-reading': [applyReadingJob, applyReadingHandler(shared)],
      'send-deliveries': [sendJob, sendHandler({ ...shared, out })],
      'send-deliveries-live': [sendLiveJob, sendHandler({ ...shared, out })],
      'weekly-digest': [weeklyDigestJob, weeklyDigestHandler(shared)],
      'compliance-rollup': [complianceRollupJob, complianceRollupHandler(shared)],
      'atom-decay': [atomDecayJob, atomDecayHandler(shared)],
      'behaviour-figures': [behaviourFiguresJob, behaviourFiguresHandler(shared)],
      'report-facts': [reportFactsJob, reportFactsHandler(shared)],
      sweep: [sweepJob, sweepHandler(sweepDeps)],
      'inbox-cleanup': [inboxCleanupJob, inboxCleanupHandler({ database, storage: documents.storage, log })],
    } as never;
    // The web role sends (it holds the platform connections); the worker role does the rest and
    // sends too, except on live-connection platforms.
    const consumed: readonly JobName[] =
      opts.consume ??
      (role === 'all' || (role === 'web' && config.RUN_WORKERS)
        ? JOB_NAMES
        : role === 'web'
          ? ['send-deliveries', 'send-deliveries-live']
          : JOB_NAMES.filter((n) => n !== 'send-deliveries-live'));
    for (const name of consumed) jobs.handle(...handlers[name]);
    const consumedQueues = new Set(consumed.map((name) => handlers[name][0].queue));

    const sink = createSink({
      ...shared,
      maxTextLength: config.MAX_TEXT_LENGTH,
      localAdapter: config.LOCAL_ADAPTER,
      partitions: config.ANALYSIS_PARTITIONS,
      batchSize: config.INGEST_BATCH,
    });
    const runsMaintenance = consumed.includes('sweep');
    const schedule = async () => {
      await scheduleDigests(jobs, shared);
      await scheduleRollups(jobs, shared);
      await scheduleDecayReports(jobs, shared);
    };
    if (runsMaintenance) {
      // One process only: sends this process left half-done when it died go again (several
      // senders rely on the lease instead).
      if (!bull) await database.sql.query(`update deliveries set claimed_at = null where status = 'pending' and claimed_at is not null`);
      await jobs.schedule('fire-timers', fireTimersJob, { everyMs: config.TIMER_TICK_MS }, {});
      await jobs.schedule('sweep', sweepJob, { everyMs: config.SWEEP_INTERVAL_MS }, {});
      await jobs.schedule('behaviour-figures', behaviourFiguresJob, { everyMs: FIGURES_EVERY_MS }, {});
      await jobs.schedule('report-facts', reportFactsJob, { everyMs: FACTS_EVERY_MS }, {});
      await jobs.schedule('inbox-cleanup', inboxCleanupJob, { everyMs: INBOX_CLEANUP_EVERY_MS }, {});
      await schedule();
      // Whatever the last run left unfinished is dispatched now, not one interval later.
      await sweep(sweepDeps, { settleMs: 0 });
    }
    if (consumed.length > 0) await jobs.start();
    const startAdapters = role !== 'worker' && (opts.startAdapters ?? true);
    if (startAdapters) for (const a of adapters.all) await a.start(sink);

    return {
      role,
      config,
      clock,
      log,
      database,
      catalog: held,
      runner: jobs,
      adapters,
      sink,
      metrics,
      wh,
      documents,
      analysis,
      reload: async () => {
        await syncCatalogFiles(database.db, files, { force: true });
        await held.refresh();
        if (runsMaintenance) await schedule();
      },
      sweep: (o) => sweep(sweepDeps, o),
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
      stuckQueues: async () => {
        const stats = await jobs.stats();
        return [...consumedQueues]
          .map((queue) => ({ queue, oldestWaitingMs: stats[queue].oldestWaitingMs }))
          .filter((q) => q.oldestWaitingMs > config.QUEUE_STUCK_MS);
      },
      drain: async () => {
        if (!(jobs instanceof InProcessRunner)) return;
        for (;;) {
          await sink.idle();
          await jobs.drain();
          const due = jobs.nextRunAt();
          if (!due || due.getTime() > clock.now().getTime()) return;
        }
      },
      nextDueAt: async () => {
        const job = jobs instanceof InProcessRunner ? jobs.nextRunAt() : null;
        const [row] = await database.sql.query<{ t: Date | null }>(
          `select least((select min(nudge_at) from timers where status = 'pending'),
                        (select min(not_before) from deliveries where status = 'pending')) as t`,
        );
        const times = [job, row?.t ?? null].filter((t): t is Date => t !== null).map((t) => t.getTime());
        return times.length > 0 ? new Date(Math.min(...times)) : null;
      },
      close: async () => {
        held.stop();
        if (startAdapters) for (const a of adapters.all) await a.stop().catch((err) => log.warn({ err, platform: a.platform }, 'adapter stop failed'));
        await sink.idle();
        await jobs.close(config.SHUTDOWN_DEADLINE_MS);
        await database.close();
      },
    };
  } catch (err) {
    catalog?.stop();
    await runner?.close().catch(() => {});
    await database.close();
    throw err;
  }
}
