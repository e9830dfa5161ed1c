/**
 * Reading in the loop, without a browser: the whole app (real PGlite, in-process jobs, a manual
 * clock) and its own HTTP server, a quote shared as a tracked link, and the customer's opens and
 * beacons sent to the same routes the viewer uses. The reading becomes the deal's document_viewed
 * actions with their seconds, counts in the value score, reaches the rep as one nudge with the
 * pricing talk-tracks, shows in /deal and /docs; a new reader earns a multi-threading nudge; a
 * quote never opened reminds the rep after two working days; /share and a PDF sent to the bot
 * make links.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadingEvent } from '../../bots/documents/reading.ts';
import { readLink, tokenOf } from '../../bots/demo/reader.ts';
import { advanceTo } from '../../bots/demo/replay.ts';
import { buildServer } from '../../bots/http/server.ts';
import type { InboundMessage, OutboundMessage } from '../../core/types.ts';
import { actions, deliveries, documents, nudges, opportunities, timers } from '../../db/schema/index.ts';
import { dm, sayAt, startTestApp, type TestApp } from '../helpers/app.ts';
import { multipartBody, samplePdf } from './harness.ts';

const WED = new Date('2026-11-25T15:00:00+08:00');
const CHAT = 'c-huadong-medical';

describe('a customer reading a shared quote, through the loop', () => {
  let t: TestApp;
  let server: FastifyInstance;
  const events: ReadingEvent[] = [];
  let token = '';
  let dealId = '';

  const at = (s: string) => new Date(`2026-${s}:00+08:00`);
  const say = (m: InboundMessage) => sayAt(t, m);
  const group = (id: string, from: string, text: string, when: string, name?: string): InboundMessage => ({
    platform: 'local',
    messageId: id,
    conversationId: CHAT,
    conversationTitle: '华东医疗 · 患者随访平台项目',
    chatType: 'group',
    direct: false,
    senderId: from,
    ...(name ? { senderName: name } : {}),
    kind: 'text',
    text,
    attachments: [],
    sentAt: at(when),
  });
  /** The bot's answer to a message written to it. */
  const replyTo = async (platformMessageId: string): Promise<OutboundMessage> => {
    const [row] = await t.app.database.db
      .select()
      .from(deliveries)
      .where(sql`${deliveries.idempotencyKey} = (select 'reply:' || id from messages where platform_message_id = ${platformMessageId})`);
    expect(row).toBeDefined();
    return row!.message!;
  };
  /** Asks the bot in a 1:1 chat and returns its answer. */
  const ask = async (who: string, text: string): Promise<OutboundMessage> => {
    const m = dm(who, text, t.clock.now());
    await say(m);
    return replyTo(m.messageId);
  };
  const textOf = (m: OutboundMessage) => (m.type === 'text' ? m.text : `${m.title}\n${m.text}`);
  const readingNudges = () =>
    t.app.database.db
      .select({ rule: nudges.ruleId, person: nudges.personId, body: nudges.body, status: deliveries.status, atoms: nudges.atomIds })
      .from(nudges)
      .innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id))
      .where(sql`${nudges.ruleId} in ('reading-price-page', 'reading-new-reader', 'quote-unopened-2d')`)
      .orderBy(asc(nudges.createdAt));
  const readAt = async (when: string, r: Omit<Parameters<typeof readLink>[2], 'clock'>) => {
    await advanceTo(t.app, t.clock, at(when));
    const viewId = await readLink(server, token, { ...r, clock: t.clock });
    await t.app.drain();
    return viewId;
  };

  beforeAll(async () => {
    t = await startTestApp({ start: WED, env: { PUBLIC_URL: 'https://dealwise.example.com' } });
    // Watch what the viewer hands the loop (the real listener still runs).
    const listener = t.app.documents.onReading;
    t.app.documents.onReading = async (e, pendingId) => {
      events.push(e);
      await listener(e, pendingId);
    };
    server = buildServer(t.app);
    await server.ready();
    await say(group('q-1', 'zhangsan', '李主任您好，演示的内容整理好了，报价我今天发您。', '11-25T15:00'));
    await say(group('q-2', 'cust-li', '好的，整套下来大概什么价位？', '11-25T15:05', '李主任'));
    await say(group('q-3', 'zhangsan', '按 6 个院区、300 个账号算，标准版首年 48 万，含实施、培训和首年运维。', '11-25T15:18'));
    const [deal] = await t.app.database.db.select().from(opportunities);
    dealId = deal!.id;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('shares the quote as a tracked link and opens its "not opened" timer', async () => {
    const { payload, headers } = multipartBody(
      { conversationId: CHAT, senderId: 'zhangsan', platform: 'local' },
      { name: '华东医疗-报价单.pdf', type: 'application/pdf', body: samplePdf() },
    );
    const res = await server.inject({ method: 'POST', url: '/v1/documents', payload, headers });
    expect(res.statusCode).toBe(201);
    token = tokenOf(res.json().url);
    const open = await t.app.database.db.select().from(timers).where(eq(timers.ruleId, 'quote-unopened-2d'));
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ status: 'pending', opportunityId: dealId, repId: 'zhangsan' });
    // Shared Wed 15:18 (the clock of the last message): two working days later is Fri 15:18.
    expect(open[0]!.nudgeAt.toISOString()).toBe('2026-11-27T07:18:00.000Z');
  });

  it('records each open as a document_viewed action with its pages and seconds, and counts it', async () => {
    const viewId = await readAt('11-26T09:10', {
      browser: 'li-phone',
      pages: [
        { page: 1, seconds: 6 },
        { page: 2, seconds: 4 },
        { page: 7, seconds: 40 },
      ],
    });
    const [action] = await t.app.database.db.select().from(actions).where(eq(actions.documentViewId, viewId));
    expect(action).toMatchObject({ kind: 'document_viewed', opportunityId: dealId, messageId: null });
    expect(action!.attrs).toMatchObject({ title: '华东医疗-报价单', documentKind: 'quote', seconds: 50, forwarded: false });
    expect((action!.attrs.pages as Array<{ page: number }>).map((p) => p.page)).toEqual([1, 2, 7]);
    expect(action!.attrs.pages).toContainEqual({ page: 7, label: '第7页 · 价格', seconds: 40, visits: 1 });
    // One action per view, however many beacons: 1 open + 6 beacons here.
    expect(await t.app.database.db.select().from(actions).where(eq(actions.kind, 'document_viewed'))).toHaveLength(1);
    const [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId));
    expect(deal!.documentOpens).toBe(1);
    expect(deal!.valueTerms).toMatchObject({ engagement: expect.any(Number) });
    // Opened: the "not opened in two working days" timer is met.
    const [timer] = await t.app.database.db.select().from(timers).where(eq(timers.ruleId, 'quote-unopened-2d'));
    expect(timer!.status).toBe('fulfilled');
    expect(await readingNudges()).toEqual([]);
  });

  it('nudges the rep once when the customer comes back to the price page a third time', async () => {
    await readAt('11-26T14:00', { browser: 'li-phone', pages: [{ page: 7, seconds: 30 }] });
    expect(await readingNudges()).toEqual([]);
    // The third visit crosses 「more than twice」 on its first beacon; its last beacons take the page
    // over two minutes in all: the same rule, cooling down, so still one nudge.
    await readAt('11-27T10:00', { browser: 'li-phone', pages: [{ page: 7, seconds: 60 }] });
    const signals = events.flatMap((e) => e.signals).map((s) => s.kind);
    expect(signals).toEqual(['price_page_reread', 'price_page_dwell']);
    const sent = await readingNudges();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ rule: 'reading-price-page', person: 'zhangsan', status: 'sent', atoms: ['pricing-page-interest'] });
    expect(sent[0]!.body).toContain('华东医疗刚第3次打开《华东医疗-报价单》，在第7页（价格）累计停留1分25秒、看了3次');
    expect(sent[0]!.body).toContain('**客户阅读**');
    expect(sent[0]!.body).toContain('客户反复看报价单的价格页');
    // Delivered once, privately (the local adapter's outbox).
    const outbox = (await server.inject({ method: 'GET', url: '/v1/outbox?personId=zhangsan' })).json().items as Array<{ message: OutboundMessage }>;
    expect(outbox.filter((o) => textOf(o.message).includes('第3次打开'))).toHaveLength(1);

    // The same event handed to the loop again (a retried listener) nudges nobody twice.
    const crossing = events.find((e) => e.signals.some((s) => s.kind === 'price_page_reread'))!;
    await t.app.documents.onReading(crossing);
    await t.app.drain();
    expect(await readingNudges()).toHaveLength(1);
    expect(await t.app.database.db.select().from(actions).where(eq(actions.kind, 'document_viewed'))).toHaveLength(3);
  });

  it('shows what the customer read, and when, in /deal and /docs', async () => {
    const deal = textOf(await ask('wangjing', '/deal 华东医疗'));
    expect(deal).toContain('**客户阅读**');
    // The last view, opened at 10:00, read for a minute: its last beacon came at 10:01.
    expect(deal).toMatch(/《华东医疗-报价单》打开 3 次 · 读者 1 · 共 2分20秒 · 11-26 09:10 至 11-27 10:01/);
    expect(deal).toContain('最久 第7页 · 价格 2分10秒');
    expect(deal).toContain('反复看 第7页');
    // Each open is on the timeline too.
    expect(deal).toContain('11-26 09:10  客户阅读《华东医疗-报价单》50秒，最久在第7页 · 价格（40秒）');
    expect(deal).toContain('11-27 10:00  客户阅读《华东医疗-报价单》1分钟，最久在第7页 · 价格（1分钟）');

    const docs = textOf(await ask('wangjing', '/文档'));
    expect(docs).toContain('**《华东医疗-报价单》** 报价 · 华东医疗 · 患者随访平台项目 · 张三分享');
    expect(docs).toContain('打开 3 · 读者 1 · 转发 0 · 下载 0 · 共 2分20秒');
    expect(docs).toContain('每页：第1页 · ');
    expect(docs).toContain('第7页 · 价格 2分10秒');
    expect(docs).toMatch(/跳过 第3、4、5、6、8、9页 · 反复看 第7页/);
    // Another team's manager sees none of it.
    expect(textOf(await ask('liuqiang', '/docs'))).toContain('还没有分享过的文档');
  });

  it('nudges multi-threading when a new person opens the quote', async () => {
    await readAt('11-27T11:30', {
      browser: 'director-laptop',
      ip: '198.51.100.7',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/130',
      pages: [{ page: 1, seconds: 20 }],
    });
    const sent = await readingNudges();
    expect(sent.map((n) => n.rule)).toEqual(['reading-price-page', 'reading-new-reader']);
    expect(sent[1]!.body).toContain('华东医疗有新的人打开了《华东医疗-报价单》（已有2位读者）');
    expect(sent[1]!.atoms).toEqual(['multi-threading']);
    const [viewed] = await t.app.database.db
      .select()
      .from(actions)
      .where(and(eq(actions.kind, 'document_viewed'), sql`${actions.attrs}->>'forwarded' = 'true'`));
    expect(viewed).toBeDefined();
  });

  it('/share makes a new link for the latest deal; a quote never opened reminds the rep after two working days', async () => {
    const answer = textOf(await ask('zhangsan', '/share 报价单'));
    expect(answer).toContain('《华东医疗-报价单》发到「华东医疗 · 患者随访平台项目」的客户群（你最近在跟的商机；要发给别的客户：`/share 报价单 客户名`）');
    expect(answer).toMatch(/https:\/\/dealwise\.example\.com\/d\/[A-Za-z0-9_-]{43}/);
    const named = textOf(await ask('zhangsan', '/分享 报价单 华东医疗'));
    expect(named).toContain('发到「华东医疗 · 患者随访平台项目」的客户群，把下面的链接');
    expect(textOf(await ask('zhangsan', '/share 合同'))).toContain('没有找到标题包含「合同」的文档');

    // Neither new link is opened by Tue (Fri 11:30 + two working days): one reminder for the
    // document, on the first new link's clock.
    await advanceTo(t.app, t.clock, at('12-01T18:00'));
    const reminders = (await readingNudges()).filter((n) => n.rule === 'quote-unopened-2d');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toMatchObject({ person: 'zhangsan', status: 'sent', atoms: ['quote-unopened'] });
    expect(reminders[0]!.body).toContain('《华东医疗-报价单》的跟踪链接发出后，客户还没有打开');
  });

  it('turns a PDF sent to the bot over the local adapter into a stored document and a link', async () => {
    const pdf = Buffer.concat([samplePdf(), Buffer.from('\n%v2\n')]);
    const res = await server.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: {
        platform: 'local',
        messageId: 'dm-file-1',
        conversationId: 'dm-zhangsan',
        chatType: 'single',
        direct: true,
        senderId: 'zhangsan',
        attachments: [{ name: '华东医疗-报价单-v2.pdf', type: 'file', data: pdf.toString('base64') }],
        sentAt: t.clock.now().toISOString(),
      },
    });
    expect(res.statusCode).toBe(200);
    await t.app.drain();
    const [stored] = await t.app.database.db.select().from(documents).where(eq(documents.fileName, '华东医疗-报价单-v2.pdf'));
    expect(stored).toMatchObject({ kind: 'quote', opportunityId: dealId, uploadedBy: 'zhangsan', pageCount: 9 });
    expect(textOf(await replyTo('dm-file-1'))).toContain('《华东医疗-报价单-v2》发到「华东医疗 · 患者随访平台项目」的客户群');
    // The message keeps the file's reference and size, not its bytes.
    const [raw] = await t.app.database.db
      .execute<{ raw: string }>(sql`select raw::text as raw from messages where platform_message_id = 'dm-file-1'`)
      .then((r) => (Array.isArray(r) ? r : (r as { rows: { raw: string }[] }).rows));
    expect(raw!.raw.length).toBeLessThan(2000);

    // Anything but a PDF is answered with what works.
    await server.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: {
        platform: 'local',
        messageId: 'dm-file-2',
        conversationId: 'dm-zhangsan',
        chatType: 'single',
        direct: true,
        senderId: 'zhangsan',
        attachments: [{ name: '报价单.docx', type: 'file', data: Buffer.from('PK docx').toString('base64') }],
        sentAt: t.clock.now().toISOString(),
      },
    });
    await t.app.drain();
    expect(textOf(await replyTo('dm-file-2'))).toContain('「报价单.docx」不是 PDF');
  });
});
