/**
 * `npm run demo`: a fresh embedded database, the sample org, six customer conversations replayed
 * on a simulated clock through the whole loop, then what each rep received (when and why) and
 * what the managers' /team returned. Along the way 张三 sends the sample quote PDF to the bot and
 * gets a tracked link, and 华东医疗's 李主任 opens it three times over two days (the viewer's own
 * routes, on the simulated clock): the third look at the price page nudges 张三. No PostgreSQL,
 * Redis or platform credentials needed.
 *
 * At the end it serves the console on the demo's data and prints its address and a one-time
 * sign-in link for 王静 (a manager): until Ctrl-C when stdout is a terminal or with `--serve`,
 * and otherwise (tests, CI, a pipe) it closes at once, as before, so nothing waits on it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { ManualClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import type { OutboundMessage } from '../core/types.ts';
import { wallClock } from '../core/zoned-time.ts';
import { dealConfirmations, deliveries, messages, nudges, opportunities, people } from '../db/schema/index.ts';
import { nudgeCardColumns, sentMessage } from '../db/queries/deliveries.ts';
import { createApp, type App } from './app.ts';
import { readLink, tokenOf } from './demo/reader.ts';
import { advanceTo, loadConversations, replay, toInbound } from './demo/replay.ts';
import { baseUrlOf, type DemoConsole, reservePort, serveConsole } from './demo/console.ts';
import { buildServer } from './http/server.ts';

const CONVERSATIONS = fileURLToPath(new URL('./demo/conversations', import.meta.url));
const SAMPLE_PDF = fileURLToPath(new URL('../config/documents/sample-proposal.pdf', import.meta.url));
const END = new Date('2026-12-04T18:30:00+08:00');

export interface DemoOptions {
  /** Keep serving the console until SIGINT/SIGTERM (a terminal, or `--serve`). */
  serve: boolean;
  /** Called while the console is up (tests follow the link here before the demo closes). */
  onConsole?: (c: DemoConsole) => Promise<void>;
  /**
   * An embedded database folder to start from instead of a new one (the tests' migrated
   * template copy: creating and migrating one is most of the demo's time); removed at the end.
   */
  dataDir?: string;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const started = performance.now();
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'dealwise-demo-')));
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', LOCAL_ADAPTER: 'true', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const asked = loadConfig(env);
  // The console's port first, held until it serves: every link the demo prints (a /share's
  // tracked link in the replay, the console's) then names the port actually served, also when
  // PORT is taken. A PUBLIC_URL given is kept: it is where a proxy in front answers.
  const reserved = await reservePort(asked.HOST, asked.PORT);
  const config = loadConfig({ ...env, PORT: String(reserved.port), PUBLIC_URL: asked.PUBLIC_URL ?? baseUrlOf(asked.HOST, reserved.port) });
  const convs = await loadConversations(CONVERSATIONS);
  const msgs = toInbound(convs);
  const clock = new ManualClock(msgs[0]!.sentAt);
  let app: App;
  try {
    app = await createApp({ config, clock, autoRun: false, log: createLogger({ level: config.LOG_LEVEL }) });
  } catch (err) {
    await reserved.release();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  try {
    const t0 = performance.now();
    const server = buildServer(app);
    await server.ready();
    let link = '';
    let pressed: Awaited<ReturnType<typeof answerConfirmations>> = [];
    const scenes: Array<[string, () => Promise<void>]> = [
      // Right after quoting 48 万 in the chat, 张三 sends the quote PDF to the bot (the local
      // adapter's POST /v1/messages with the file) and pastes the tracked link it answers with.
      [
        '2026-11-25T15:20',
        async () => {
          link = await sendPdfToBot(server, app, 'zhangsan', '华东医疗-报价单.pdf');
        },
      ],
      // 李主任 reads it on his phone: the cover, the company page and the price page; the price
      // page again the next morning; and a third time on Friday, which nudges 张三.
      [
        '2026-11-25T15:25',
        () =>
          read(server, clock, link, [
            [1, 8],
            [2, 6],
            [7, 40],
          ]),
      ],
      ['2026-11-26T10:05', () => read(server, clock, link, [[7, 50]])],
      ['2026-11-27T09:40', () => read(server, clock, link, [[7, 45]])],
      // 李四 is asked to confirm a close that was only a plan (「12 月中旬签约」) and says 不是 half
      // an hour later: the deal stays open and the answer becomes a label.
      [
        '2026-11-30T12:40',
        async () => {
          pressed = await answerConfirmations(app, 'lisi', 'no');
        },
      ],
    ];
    let from = new Date(0);
    for (const [when, scene] of scenes) {
      const at = new Date(`${when}:00+08:00`);
      await replay(
        app,
        clock,
        msgs.filter((m) => m.sentAt >= from && m.sentAt < at),
      );
      await advanceTo(app, clock, at);
      await scene();
      await app.drain();
      from = at;
    }
    await replay(
      app,
      clock,
      msgs.filter((m) => m.sentAt >= from),
    );
    await advanceTo(app, clock, END);
    await server.close();
    const loopMs = performance.now() - t0;

    // The managers ask in their 1:1 chat with the bot; a rep corrects a deal's amount, asks for a
    // talk-track and, too boldly, for /team; a manager reads the breakpoints (six deals: their n
    // is too small for a rate, and the answer says so) and ends on the quarter's forecast.
    const asks: Array<[string, string]> = [
      ['wangjing', '/team 本周'],
      ['liuqiang', '/team 上周'],
      ['zhangsan', '/deal 华东医疗 金额 45万'],
      ['wangjing', '/deal 华东医疗'],
      ['zhangsan', '/kb 价格异议'],
      ['lisi', '/team 本周'],
      ['wangjing', '/breakpoints'],
      ['wangjing', '/forecast 本季度'],
    ];
    let n = 0;
    for (const [who, text] of asks) {
      await app.sink.message({
        platform: 'local',
        messageId: `ask-${++n}`,
        conversationId: `dm-${who}`,
        chatType: 'single',
        direct: true,
        senderId: who,
        kind: 'text',
        text,
        attachments: [],
        sentAt: clock.now(),
      });
      await app.drain();
    }
    await print(app, config.TIMEZONE, convs.length, msgs.length);
    console.log('\n━━ Confirmations answered ━━');
    for (const p of pressed) console.log(`\n[${p.when}] 李四 pressed 「不是」 on 「${p.deal}：标记为${p.stage}？」 → ${p.result}; the deal stays ${p.status}`);
    const total = performance.now() - started;
    // The replay runs eleven simulated days of timers between the messages: a throughput figure
    // here would mislead (npm run bench measures that).
    console.log(`\n⏱  ${msgs.length} messages and eleven simulated days in ${(loopMs / 1000).toFixed(1)} s; demo wall time ${(total / 1000).toFixed(1)} s.`);
    await serveConsole(app, clock, reserved, opts);
  } finally {
    await reserved.release();
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function print(app: App, tz: string, convCount: number, msgCount: number): Promise<void> {
  const { db } = app.database;
  const names = new Map((await db.select({ id: people.id, name: people.name }).from(people)).map((p) => [p.id, p.name]));
  const sent = await db
    .select({ d: deliveries, ruleId: nudges.ruleId, ...nudgeCardColumns })
    .from(deliveries)
    .leftJoin(nudges, eq(nudges.id, deliveries.nudgeId))
    .orderBy(asc(deliveries.sentAt), asc(deliveries.createdAt));
  const fmt = (t: Date | null) => {
    if (!t) return '—';
    const w = wallClock(t, tz);
    const wd = '一二三四五六日'[w.weekday - 1];
    return `${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')} 周${wd} ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
  };
  console.log(`dealwise demo — ${convCount} customer conversations, ${msgCount} messages replayed on a simulated clock (${tz})\n`);
  console.log('━━ Nudges the reps received (private 1:1 chat with the bot) ━━');
  for (const { d, ruleId, nudgeTitle, nudgeBody } of sent.filter((r) => r.d.nudgeId)) {
    const who = 'personId' in d.to ? (names.get(d.to.personId) ?? d.to.personId) : d.to.conversationId;
    console.log(`\n[${fmt(d.sentAt)}] → ${who}  (rule: ${ruleId}, ${d.status})`);
    console.log(indent(render(sentMessage({ ...d, nudgeTitle, nudgeBody }))));
  }
  console.log('\n━━ Answers in the 1:1 chats ━━');
  for (const { d, nudgeTitle, nudgeBody } of sent.filter((r) => !r.d.nudgeId)) {
    const who = 'personId' in d.to ? (names.get(d.to.personId) ?? d.to.personId) : d.to.conversationId;
    console.log(`\n[${fmt(d.sentAt)}] → ${who}`);
    console.log(indent(render(sentMessage({ ...d, nudgeTitle, nudgeBody }))));
  }
}

const stampOf = (t: Date, tz: string) => {
  const w = wallClock(t, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
};

/**
 * A rep sends a PDF to the bot in their 1:1 chat, as the local adapter takes it (POST /v1/messages
 * with the file inline); returns the tracked link the bot answers with.
 */
async function sendPdfToBot(server: FastifyInstance, app: App, who: string, name: string): Promise<string> {
  const messageId = `file-${who}-${app.clock.now().getTime()}`;
  const res = await server.inject({
    method: 'POST',
    url: '/v1/messages',
    payload: {
      platform: 'local',
      messageId,
      conversationId: `dm-${who}`,
      chatType: 'single',
      direct: true,
      senderId: who,
      attachments: [{ name, type: 'file', data: (await readFile(SAMPLE_PDF)).toString('base64') }],
      sentAt: app.clock.now().toISOString(),
    },
  });
  if (res.statusCode !== 200) throw new Error(`the PDF was refused: ${res.body}`);
  await app.drain();
  const [reply] = await app.database.db
    .select({ message: deliveries.message })
    .from(deliveries)
    .innerJoin(messages, sql`${deliveries.idempotencyKey} = 'reply:' || ${messages.id}`)
    .where(eq(messages.platformMessageId, messageId));
  const url = reply?.message ? /https?:\/\/\S+\/d\/[A-Za-z0-9_-]+/.exec(reply.message.text)?.[0] : undefined;
  if (!url) throw new Error('the bot answered the PDF without a link');
  return url;
}

/** 李主任 opens the link on his phone and reads these pages for these seconds. */
async function read(server: FastifyInstance, clock: ManualClock, url: string, pages: Array<[number, number]>): Promise<void> {
  await readLink(server, tokenOf(url), { browser: 'li-zhuren-iphone', pages: pages.map(([page, seconds]) => ({ page, seconds })), clock });
}

/** Answers every pending confirmation card of one person, the way a tap on the card would. */
async function answerConfirmations(app: App, personId: string, answer: 'yes' | 'no') {
  const { db } = app.database;
  const pending = await db
    .select({ c: dealConfirmations, name: opportunities.name })
    .from(dealConfirmations)
    .innerJoin(opportunities, eq(opportunities.id, dealConfirmations.opportunityId))
    .where(and(eq(dealConfirmations.personId, personId), eq(dealConfirmations.status, 'pending')));
  const out: Array<{ when: string; deal: string; stage: string; result: string; status: string }> = [];
  for (const { c, name } of pending) {
    const r = await app.sink.press({ platform: 'local', senderId: personId, action: { kind: 'confirm', confirmationId: c.id, answer } });
    await app.drain();
    const [deal] = await db.select({ status: opportunities.status }).from(opportunities).where(eq(opportunities.id, c.opportunityId));
    const stage = app.catalog.current.stageLabel(c.toStage ?? '?');
    out.push({ when: stampOf(app.clock.now(), app.config.TIMEZONE), deal: name ?? c.opportunityId, stage, result: r.status, status: deal?.status ?? '?' });
  }
  return out;
}

function render(m: OutboundMessage): string {
  if (m.type === 'text') return m.text;
  const buttons = m.type === 'card' ? `\n[ ${m.buttons.map((b) => b.label).join(' ] [ ')} ]` : '';
  return `# ${m.title}\n${m.text}${buttons}`;
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

// Run as `npm run demo` (not when a test imports runDemo).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runDemo({ serve: process.argv.includes('--serve') || process.stdout.isTTY === true }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
