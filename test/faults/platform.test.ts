/**
 * A platform that misbehaves on the way out (Feishu's fake).
 *  - Hangs: the embedded server (`npm start`, PGlite, the in-process runner) as a real process,
 *    Feishu never answering its sends. /healthz answers, analysis goes on (the queues run side by
 *    side), /readyz reports the send queue stuck, and SIGTERM ends the process within its
 *    deadline. Started again with Feishu well, every nudge is shown once: the sends that hung are
 *    sent again under the same uuid, which Feishu dedupes.
 *  - Errors: web and worker on PostgreSQL and Redis, Feishu answering 500 and 429 for a while:
 *    each send is tried again after its backoff and every nudge is shown once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTDOWN_GRACE_MS } from '../../bots/process.ts';
import { type Database, openDatabase } from '../../db/client.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { makeDataDir } from '../helpers/app.ts';
import { createStack, type Stack, spawnWeb, stopProcess, until, type WorkerProcess } from '../services/stack.ts';
import { chatEvents, chatMessages, countAll, expectNothingLostNothingTwice } from './world.ts';

/** The value of one series in a Prometheus text exposition, 0 when absent. */
const series = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
};

describe('a platform that misbehaves', () => {
  let fake: FakeFeishu | null = null;
  let stack: Stack | null = null;
  let database: Database | null = null;
  const processes: WorkerProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await stopProcess(p, 'SIGKILL');
    await database?.close();
    database = null;
    await stack?.teardown();
    stack = null;
    await fake?.close();
    fake = null;
  });

  it('hangs: the embedded server stays healthy, analyses on, reports the stuck queue and stops on SIGTERM', async () => {
    const CHATS = 12;
    const DEADLINE_MS = 1_000;
    const feishu = await FakeFeishu.start();
    fake = feishu;
    // Never answers: each call waits for PLATFORM_TIMEOUT_MS (10 s) and is tried again later, so
    // the send lanes stay full.
    feishu.sendDelayMs = 600_000;
    const env = {
      DATA_DIR: await makeDataDir(),
      DATABASE_URL: '',
      REDIS_URL: '',
      FEISHU_APP_ID: FAKE_APP_ID,
      FEISHU_APP_SECRET: FAKE_APP_SECRET,
      FEISHU_DOMAIN: feishu.url,
      SEND_TIMEOUT_MS: '60000',
      SEND_LEASE_MS: '65000',
      QUEUE_STUCK_MS: '2000',
      SHUTDOWN_DEADLINE_MS: String(DEADLINE_MS),
      // One chat per analysis: each batch dispatches its own send job, more than the send lanes.
      ANALYSIS_BATCH: '3',
      SWEEP_INTERVAL_MS: '500',
      TIMER_TICK_MS: '500',
      LOG_LEVEL: 'warn',
    };
    const server = await spawnWeb(env);
    processes.push(server);
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    await until(async () => feishu.connections >= 1, 30_000, 'the long connection');

    const events = Array.from({ length: CHATS }, (_, i) => chatEvents('hang', i, new Date(Date.now() - 60_000))).flat();
    for (const e of events) expect((await feishu.pushEvent(e.envelope, { timeoutMs: 10_000 })).code).toBe(200);

    // Analysis is not held up by the sends that hang.
    await until(
      async () => series(await (await fetch(url('/metrics'))).text(), 'dealwise_messages_analyzed_total{outcome="ok"}') === events.length,
      60_000,
      'every message analysed',
    );
    await until(async () => feishu.sends.length >= 4, 30_000, 'sends to hang');
    // Liveness answers at once, readiness names the stuck queue.
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect((await fetch(url('/healthz'))).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    const ready = await until(
      async () => {
        const res = await fetch(url('/readyz'));
        return res.status === 503 ? ((await res.json()) as { error: string; stuck: Array<{ queue: string }> }) : null;
      },
      30_000,
      '/readyz to report the stuck send queue',
    );
    expect(ready.error).toMatch(/^queue stuck: send \(oldest waiting job \d+ s\)/);
    expect(ready.stuck.map((s) => s.queue)).toEqual(['send']);

    // SIGTERM with sends still hanging: out by the deadline and its grace.
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    const signalled = performance.now();
    server.child.kill('SIGTERM');
    const code = await exited;
    const tookMs = performance.now() - signalled;
    expect(tookMs, `exit ${code}\n${server.output()}`).toBeLessThan(DEADLINE_MS + SHUTDOWN_GRACE_MS + 2_000);

    // Feishu answers again; the same data folder, started again.
    feishu.sendDelayMs = 0;
    const again = await spawnWeb(env);
    processes.push(again);
    const againUrl = `http://127.0.0.1:${again.port}/metrics`;
    // Nothing was marked sent before: every nudge goes out from this process.
    await until(
      async () => series(await (await fetch(againUrl)).text(), 'dealwise_deliveries_sent_total{platform="feishu",kind="nudge"}') === CHATS,
      60_000,
      'every nudge sent',
    );
    await stopProcess(again, 'SIGTERM');
    expect(again.child.exitCode).toBe(0);

    database = await openDatabase({ dataDir: env.DATA_DIR, migrate: false });
    const c = await countAll(database, feishu);
    expectNothingLostNothingTwice(c, CHATS);
    expect(c.platform).toMatchObject({ sent: CHATS, shown: CHATS });
    // Some were asked twice: the hung ones, with the same uuid.
    expect(c.platform!.requests).toBeGreaterThan(CHATS);
  }, 240_000);

  it('errors: every send is tried again after its backoff and every nudge is shown once', async () => {
    const CHATS = 6;
    const feishu = await FakeFeishu.start();
    fake = feishu;
    // Two server errors and a rate limit for each nudge, in turn.
    for (let i = 0; i < CHATS; i++) {
      feishu.failNextSend({ status: 500, code: 1, msg: 'internal error' });
      feishu.failNextSend({ status: 429, code: 99991400, msg: 'request trigger frequency limit' });
      feishu.failNextSend({ status: 502, code: 1, msg: 'bad gateway' });
    }
    stack = await createStack({ FEISHU_APP_ID: FAKE_APP_ID, FEISHU_APP_SECRET: FAKE_APP_SECRET, FEISHU_DOMAIN: feishu.url, RETRY_BACKOFF_SCALE: '0.05' });
    const web = await stack.app('web');
    const worker = await stack.app('worker');
    await web.sink.messages(Array.from({ length: CHATS }, (_, i) => chatMessages('err', i, new Date(Date.now() - 60_000), 'feishu')).flat());
    const db = worker.database;
    await until(
      async () => {
        const c = await countAll(db, feishu);
        return c.priceNudges === CHATS && c.deliveries.sent === CHATS ? c : null;
      },
      60_000,
      'every nudge sent',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await countAll(db, feishu))}`);
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const c = await countAll(db, feishu);
    expectNothingLostNothingTwice(c, CHATS);
    expect(c.platform).toMatchObject({ requests: CHATS * 4, sent: CHATS, shown: CHATS, missing: 0 });
    const [tries] = await db.sql.query<{ n: number }>(`select sum(attempts)::int as n from deliveries`);
    expect(tries!.n).toBe(CHATS * 4);
  }, 120_000);
});
