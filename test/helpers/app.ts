/**
 * Test apps: the real app on a fresh PGlite data folder and a manual clock, so a test can move
 * time and run the jobs that fall due. No mocks: the database, the runner and the loop are real.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { desc, like } from 'drizzle-orm';
import { inject } from 'vitest';
import type { AnalysisDeps } from '../../bots/analysis/analyze-job.ts';
import { createApp, type App } from '../../bots/app.ts';
import { advanceTo } from '../../bots/demo/replay.ts';
import { ManualClock } from '../../core/clock.ts';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import type { InboundMessage } from '../../core/types.ts';
import { type Database, openDatabase } from '../../db/client.ts';
import { deliveries } from '../../db/schema/index.ts';

export interface TestApp {
  app: App;
  clock: ManualClock;
  config: Config;
  dataDir: string;
  /** Closes the app (the data folder stays until `cleanup`). */
  close(): Promise<void>;
  cleanup(): Promise<void>;
}

const run = promisify(execFile);

/**
 * A fresh data folder: a copy of the run's migrated template, so opening it needs no migration.
 * Copied by `cp -R`: the folder is about 1,200 files, which node's `fs.cp` copies for about a
 * second of this process's CPU (a stat and a promise per file), `cp` for a twentieth of that; and
 * into the run's folder, in memory where there is room (test/setup/scratch.ts), removed with it at
 * the end of the run if the test does not remove it first.
 */
export async function makeDataDir(): Promise<string> {
  const dir = await mkdtemp(join(inject('runDir'), 'data-'));
  await run('cp', ['-R', `${inject('templateDataDir')}/.`, dir]);
  return dir;
}

/** An embedded database opened on a fresh copy of the template, and what closes and removes it. */
export interface TestDb {
  database: Database;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function openTestDb(): Promise<TestDb> {
  const dataDir = await makeDataDir();
  const database = await openDatabase({ dataDir, migrate: false });
  return {
    database,
    dataDir,
    cleanup: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A migrated embedded database with no rows, for a test that seeds its own organisation: a copy
 * of the template with every table emptied, which costs a fraction of creating and migrating one.
 */
export async function openEmptyDatabase(): Promise<{ database: Database; dataDir: string }> {
  const { database, dataDir } = await openTestDb();
  const [row] = await database.sql.query<{ tables: string }>(
    `select string_agg(format('%I', tablename), ', ') as tables from pg_tables where schemaname = 'public'`,
  );
  await database.sql.query(`truncate ${row!.tables} cascade`);
  return { database, dataDir };
}

export async function startTestApp(opts: { dataDir?: string; start?: Date; env?: Record<string, string>; log?: Logger } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? (await makeDataDir());
  // The tests drive the loop through the local adapter; a test can turn it off in `env`.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOCAL_ADAPTER: 'true', ...opts.env });
  const clock = new ManualClock(opts.start ?? new Date('2026-11-23T09:00:00+08:00'));
  const app = await createApp({ config, clock, autoRun: false, log: opts.log ?? createLogger({ level: config.LOG_LEVEL }), migrate: false });
  let closed = false;
  const close = async () => {
    if (!closed) await app.close();
    closed = true;
  };
  return {
    app,
    clock,
    config,
    dataDir,
    close,
    cleanup: async () => {
      await close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;
/** A customer-chat message from the local adapter, sent at `at`. */
export function chat(p: {
  from: string;
  text: string;
  at: string | Date;
  conv?: string;
  id?: string;
  name?: string;
  attachments?: { name: string }[];
}): InboundMessage {
  return {
    platform: 'local',
    messageId: p.id ?? `m-${++seq}`,
    conversationId: p.conv ?? 'c-test',
    conversationTitle: '测试科技 · CRM 项目',
    chatType: 'group',
    direct: false,
    senderId: p.from,
    ...(p.name ? { senderName: p.name } : {}),
    kind: 'text',
    text: p.text,
    attachments: p.attachments ?? [],
    sentAt: new Date(p.at),
  };
}

/** A message to the bot in a 1:1 chat. */
export function dm(from: string, text: string, at: Date): InboundMessage {
  return {
    platform: 'local',
    messageId: `dm-${++seq}`,
    conversationId: `dm-${from}`,
    chatType: 'single',
    direct: true,
    senderId: from,
    kind: 'text',
    text,
    attachments: [],
    sentAt: at,
  };
}

/** The analysis job's dependencies as the app wires them, with some replaced, for a test that runs the job itself. */
export function analysisDepsOf(app: App, over: Partial<AnalysisDeps> = {}): AnalysisDeps {
  return { ...app.analysis, ...over };
}

/**
 * The bot's answer to a 1:1 message `from` sends, a second after the clock (so that answer is the
 * newest reply): its title and text; both empty when it is not a markdown card.
 */
export async function askBot(t: TestApp, from: string, text: string): Promise<{ title: string; text: string }> {
  t.clock.set(new Date(t.clock.now().getTime() + 1000));
  await t.app.sink.message(dm(from, text, t.clock.now()));
  await t.app.drain();
  const [reply] = await t.app.database.db
    .select()
    .from(deliveries)
    .where(like(deliveries.idempotencyKey, 'reply:%'))
    .orderBy(desc(deliveries.createdAt))
    .limit(1);
  const m = reply?.message;
  if (!m) throw new Error(`no answer to ${text}`);
  return m.type === 'markdown' ? { title: m.title, text: m.text } : { title: '', text: '' };
}

/**
 * A message at its own time: the clock is moved to it first, running every job that falls due on
 * the way (timers, sends), then it goes in and everything it causes runs.
 */
export async function sayAt(t: TestApp, m: InboundMessage): Promise<void> {
  if (m.sentAt > t.clock.now()) await advanceTo(t.app, t.clock, m.sentAt);
  await t.app.sink.message(m);
  await t.app.drain();
}
