/**
 * `npm run bench:loop [-- --mode embedded|services] [--runs 3] [--chats 1000] [--workers 1]`
 *
 * Ingest to nudge through the whole loop. Each chat is a rep's greeting and the customer's price
 * objection, so every chat ends in one nudge sent. Two phases per run:
 *  - saturation: all messages ingested as fast as possible; throughput = messages / time until
 *    the last nudge is sent;
 *  - paced: messages offered at half the saturation rate; latency = nudge sent − objection stored.
 * `embedded`: PGlite and the in-process runner in this process. `services`: the real PostgreSQL
 * and Redis, this process as the web role (ingest, sends) and worker processes for the rest.
 * Prints every run and the medians.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { count, eq, inArray } from 'drizzle-orm';
import { createApp, type App } from '../bots/app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import type { InboundMessage } from '../core/types.ts';
import { deliveries, messages, nudges } from '../db/schema/index.ts';
import { createTestDatabase } from '../test/services/pg.ts';
import { REDIS_URL, spawnWorker, stopProcess, type WorkerProcess } from '../test/services/stack.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'embedded' },
    runs: { type: 'string', default: '3' },
    chats: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1' },
  },
});
const MODE = values.mode as 'embedded' | 'services';
const RUNS = Number(values.runs);
const CHATS = Number(values.chats);
const REPS = ['zhangsan', 'lisi', 'zhaomin', 'sunhao'];

let seq = 0;
function chatPair(tag: string, i: number): InboundMessage[] {
  const conv = `bench-${tag}-${i}`;
  const at = new Date();
  const base = {
    platform: 'local' as const,
    conversationId: conv,
    conversationTitle: `客户${i} · 项目`,
    chatType: 'group' as const,
    direct: false,
    kind: 'text' as const,
    attachments: [],
  };
  return [
    { ...base, messageId: `${conv}-a-${++seq}`, senderId: REPS[i % REPS.length]!, text: '王总您好，方案和报价我们在这个群里沟通。', sentAt: at },
    {
      ...base,
      messageId: `${conv}-b-${++seq}`,
      senderId: `cust-${i}`,
      senderName: '王总',
      text: '你们这个价格太贵了，超出我们今年的预算。',
      sentAt: new Date(at.getTime() + 1),
    },
  ];
}

async function waitForNudges(app: App, n: number): Promise<void> {
  for (;;) {
    const [row] = await app.database.db.select({ n: count() }).from(deliveries).where(eq(deliveries.status, 'sent'));
    if (row!.n >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Latency of each nudge: its delivery's send time minus when its trigger message was stored. */
async function latencies(app: App, tag: string): Promise<number[]> {
  const rows = await app.database.db
    .select({ received: messages.receivedAt, sent: deliveries.sentAt })
    .from(nudges)
    .innerJoin(messages, eq(messages.id, nudges.messageId))
    .innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id))
    .where(
      inArray(
        messages.conversationId,
        Array.from({ length: CHATS }, (_, i) => `local:bench-${tag}-${i}`),
      ),
    );
  return rows.map((r) => r.sent!.getTime() - r.received.getTime()).sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run(r: number): Promise<{ throughput: number; p50: number; p99: number; paced: number }> {
  const log = createLogger({ level: 'silent' });
  const dataDir = await mkdtemp(join(tmpdir(), 'dealwise-bench-'));
  const db = MODE === 'services' ? await createTestDatabase() : null;
  const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOCAL_ADAPTER: 'true' };
  if (db) Object.assign(env, { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: `dwbench${process.pid}r${r}`, SWEEP_SETTLE_MS: '60000' });
  const workers: WorkerProcess[] = [];
  const app = await createApp({ config: loadConfig(env), role: MODE === 'services' ? 'web' : 'all', log });
  try {
    for (let w = 0; MODE === 'services' && w < Number(values.workers); w++) workers.push(await spawnWorker(env));

    // Saturation.
    const t0 = performance.now();
    for (let i = 0; i < CHATS; i++) for (const m of chatPair(`s${r}`, i)) await app.sink.message(m);
    await waitForNudges(app, CHATS);
    const seconds = (performance.now() - t0) / 1000;
    const throughput = (CHATS * 2) / seconds;

    // Paced at half the saturation rate.
    const rate = Math.max(10, Math.floor(throughput / 2));
    const pacedChats = Math.min(CHATS, Math.ceil(rate * 5) / 2);
    const start = performance.now();
    for (let i = 0; i < pacedChats; i++) {
      for (const m of chatPair(`p${r}`, i)) await app.sink.message(m);
      const due = start + ((i + 1) * 2 * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
    await waitForNudges(app, CHATS + pacedChats);
    const lat = (await latencies(app, `p${r}`)).slice(0, pacedChats);
    return { throughput, p50: pct(lat, 50), p99: pct(lat, 99), paced: rate };
  } finally {
    for (const w of workers) await stopProcess(w);
    await app.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [];
console.log(`bench:loop mode=${MODE} chats=${CHATS} (${CHATS * 2} messages, ${CHATS} nudges)${MODE === 'services' ? ` workers=${values.workers}` : ''}`);
for (let r = 1; r <= RUNS; r++) {
  const res = await run(r);
  results.push(res);
  console.log(`run ${r}: saturation ${res.throughput.toFixed(0)} msg/s; paced at ${res.paced} msg/s: nudge latency p50 ${res.p50} ms, p99 ${res.p99} ms`);
}
console.log(
  `median: ${median(results.map((x) => x.throughput)).toFixed(0)} msg/s; p50 ${median(results.map((x) => x.p50))} ms; p99 ${median(results.map((x) => x.p99))} ms`,
);
