/**
 * PostgreSQL stopped (immediately, as a crash or a failover would) for longer than every job's
 * retry budget, on a cluster of the test's own, then started again: both deployments at once,
 * web and worker on BullMQ, and the in-process runner (the embedded runner, here on PostgreSQL).
 *
 * When it stops, a batch of chats has just been stored and is being analysed, and nudges are on
 * their way to Feishu (its fake holds each answer). Their jobs fail for good during the outage
 * (the dead letters, counted), ingest refuses what arrives (the platform will deliver it again),
 * /readyz says the database is down, and a follow-up timer falls due. After it: every message
 * analysed once, the timer fired once, every nudge sent once and shown once on Feishu, and no
 * dead letter left, the sweep having run them again.
 */
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../bots/app.ts';
import { buildServer } from '../../bots/http/server.ts';
import { timers } from '../../db/schema/index.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { chat } from '../helpers/app.ts';
import { createStack, fastPlaybook, moreSweeps, type Stack, until } from '../services/stack.ts';
import { type OwnPostgres, startPostgres } from './servers.ts';
import { chatMessages, countAll, expectNothingLostNothingTwice } from './world.ts';

/** Longer than every retry budget at RETRY_BACKOFF_SCALE 0.02: analysis 2.5 s, sends 5.1 s, commands 0.3 s, reports 3.6 s. */
const OUTAGE_MS = 15_000;
/** Chats on Feishu whose nudges are in flight, and chats (local) being analysed, when it stops; one more during it. */
const SENDING = 4;
const ANALYSING = 100;

interface Deployment {
  name: string;
  stack: Stack;
  fake: FakeFeishu;
  /** Stores and serves HTTP: the web process, or the one embedded process. */
  front: App;
  /** Runs the jobs: the worker, or the same embedded process. */
  back: App;
}

describe('a PostgreSQL restart longer than every retry budget', () => {
  let pg: OwnPostgres | null = null;
  const deployments: Deployment[] = [];
  afterAll(async () => {
    await pg?.start().catch(() => {});
    for (const d of deployments) {
      await d.stack.teardown();
      await d.fake.close();
    }
    await pg?.close();
  });

  it('leaves nothing stranded: every message analysed, every due timer fired, every nudge sent once', async () => {
    pg = await startPostgres();
    const playbook = await fastPlaybook(5);
    for (const name of ['bullmq', 'embedded'] as const) {
      const fake = await FakeFeishu.start();
      // Long enough to stop the database while Feishu holds the answers.
      fake.sendDelayMs = 1_500;
      const stack = await createStack(
        {
          PLAYBOOK_FILE: playbook,
          RETRY_BACKOFF_SCALE: '0.02',
          ANALYSIS_BATCH: '25',
          FEISHU_APP_ID: FAKE_APP_ID,
          FEISHU_APP_SECRET: FAKE_APP_SECRET,
          FEISHU_DOMAIN: fake.url,
          SEND_TIMEOUT_MS: '2500',
          SEND_LEASE_MS: '3000',
          ...(name === 'embedded' ? { REDIS_URL: '' } : {}),
        },
        { databaseUrl: await pg.createDatabase(name) },
      );
      const front = await stack.app(name === 'bullmq' ? 'web' : 'all');
      const back = name === 'bullmq' ? await stack.app('worker') : front;
      deployments.push({ name, stack, fake, front, back });
    }

    const now = Date.now();
    for (const d of deployments) {
      await d.front.sink.messages(Array.from({ length: SENDING }, (_, i) => chatMessages(`pg-${d.name}`, i, new Date(now - 120_000), 'feishu')).flat());
      // Its follow-up falls due five seconds on: during the outage.
      await d.front.sink.message(
        chat({ from: 'lisi', text: '周经理，报价单发您了：80 个账号首年 26.8 万，含实施和培训。', at: new Date(now), conv: 'pg-quote', id: 'pg-quote' }),
      );
    }
    await until(async () => deployments.every((d) => d.fake.sends.length > 0), 30_000, 'nudges to reach Feishu');
    for (const d of deployments) {
      const chats = Array.from({ length: ANALYSING }, (_, i) => chatMessages(`pg-${d.name}`, SENDING + i, new Date(now - 60_000))).flat();
      expect((await d.front.sink.messages(chats)).every((o) => o.status === 'stored')).toBe(true);
    }
    await pg.stop();
    const stoppedAt = Date.now();

    for (const d of deployments) {
      const server = buildServer(d.front);
      const ready = await server.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode, d.name).toBe(503);
      expect(ready.json().error).toMatch(/database/);
      await server.close();
      // Refused, not acknowledged: the platform delivers it again later.
      await expect(d.front.sink.message(chatMessages(`pg-${d.name}`, SENDING + ANALYSING, new Date(now))[0]!)).rejects.toThrow();
    }
    // Analyses and sends fail for good while it is down: the dead letters. (Each try waits for
    // a connection attempt, so this takes longer than the backoffs alone.)
    const deadLetters = async (d: Deployment) => {
      const s = await d.back.runner.stats();
      return s.analyze.failed + s.send.failed + s.commands.failed + s.reports.failed + s.timers.failed;
    };
    for (const d of deployments) {
      await until(
        async () => {
          const s = await d.back.runner.stats();
          return s.analyze.failed > 0 && s.send.failed > 0;
        },
        60_000,
        `${d.name}: analyses and sends to fail for good`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())));
    await pg.start();

    for (const d of deployments) {
      // Delivered again by the platform, now that it can be stored.
      await d.front.sink.messages(chatMessages(`pg-${d.name}`, SENDING + ANALYSING, new Date(now)));
    }
    const chats = SENDING + ANALYSING + 1;
    for (const d of deployments) {
      const db = d.back.database;
      // The timer that fell due during the outage fires at a tick after it (every TIMER_TICK_MS,
      // or once its failed tick's backoff has passed): waited for too, not assumed by then.
      const quoteTimer = async () => (await db.db.select().from(timers).where(eq(timers.conversationId, 'local:pg-quote')))[0]?.status;
      const settled = async () => {
        const c = await countAll(db, d.fake);
        const quiet = c.deliveries.pending + c.deliveries.sending === 0 && (await deadLetters(d)) === 0;
        return c.unanalysed === 0 && c.priceNudges === chats && quiet && (await quoteTimer()) === 'fired' ? c : null;
      };
      await until(settled, 90_000, `${d.name}: every message analysed, every nudge sent, the due timer fired, no dead letter left`).catch(
        async (err: Error) => {
          throw new Error(
            `${err.message}: ${JSON.stringify(await countAll(db, d.fake))}, dead letters ${await deadLetters(d)}, quote timer ${await quoteTimer()}`,
          );
        },
      );
    }
    // A few more sweeps change nothing.
    for (const d of deployments) await moreSweeps([d.front, d.back]);
    for (const d of deployments) {
      const c = await countAll(d.back.database, d.fake);
      expectNothingLostNothingTwice(c, chats, { messages: 1 });
      // The quote's follow-up: fired once, its nudge among those sent once.
      const [quote] = await d.back.database.db.select().from(timers).where(eq(timers.conversationId, 'local:pg-quote'));
      expect(quote?.status, d.name).toBe('fired');
      expect(c.nudges, d.name).toBe(chats + 1);
      expect(c.platform!.sent, d.name).toBe(SENDING);
      // Run again by the sweep, and counted.
      const retried = await d.back.metrics.registry.getSingleMetricAsString('dealwise_dead_letters_retried_total');
      expect(retried, d.name).toMatch(/queue="analyze"\} [1-9]/);
      expect(retried, d.name).toMatch(/queue="send"\} [1-9]/);
    }
  }, 240_000);
});
