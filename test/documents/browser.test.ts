/// <reference lib="dom" />
/**
 * A customer reading a tracked link in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core) at phone width: the real viewer, pdf.js, IntersectionObserver, sendBeacon and
 * the server's checks, against a real database; and the same reading through the whole app, into
 * the loop (the rep's nudge, /deal). Screenshots go to test-output/documents/.
 */
import { mkdirSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { readingSummary } from '../../bots/documents/analytics.ts';
import { tokenOf } from '../../bots/demo/reader.ts';
import { buildServer } from '../../bots/http/server.ts';
import type { InboundMessage, OutboundMessage } from '../../core/types.ts';
import { actions, deliveries, documentLinks, documentPageReads, documentViews, nudges } from '../../db/schema/index.ts';
import { dm, startTestApp, type TestApp } from '../helpers/app.ts';
import { DEAL, multipartBody, samplePdf, shareSample, startDocServer, type DocServer } from './harness.ts';
import { launchChromium } from '../helpers/browser.ts';

const SHOTS = 'test-output/documents';
const WECOM_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.16 MicroMessenger/7.0.1 Language/zh';

let s: DocServer;
let browser: Browser;

// Opening an embedded database runs initdb and the migrations: slow on a busy 2-core machine.
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  s = await startDocServer();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const phone = (): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: WECOM_IPHONE, locale: 'zh-CN' });

/** Console errors and page errors: a CSP violation or a broken script shows up here. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function openViewer(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  await page.waitForSelector('body[data-state="ready"]');
  await page.waitForSelector('[data-page="1"][data-rendered="true"]');
  return { page, errors };
}

/** Scrolls page `n` to the middle of the screen and waits until it is drawn. */
async function showPage(page: Page, n: number): Promise<void> {
  await page.evaluate((p) => document.querySelector(`[data-page="${p}"]`)?.scrollIntoView({ block: 'center' }), n);
  await page.waitForSelector(`[data-page="${n}"][data-rendered="true"]`);
}

/** Leaving the page (pagehide) sends the last beacon; then the tab is closed. */
async function leave(page: Page): Promise<void> {
  await page.goto('about:blank');
  await page.close();
}

async function pageReads(linkId: string, page: number) {
  return s.database.db
    .select({ viewId: documentPageReads.viewId, seconds: documentPageReads.seconds, visits: documentPageReads.visits })
    .from(documentPageReads)
    .innerJoin(documentViews, eq(documentViews.id, documentPageReads.viewId))
    .where(sql`${documentViews.linkId} = ${linkId} and ${documentPageReads.page} = ${page}`);
}

/** Waits (bounded) until the beacons the browser sent have been stored. */
async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function linkIdOf(documentId: string): Promise<string> {
  const rows = await s.database.db.select().from(documentLinks).where(eq(documentLinks.documentId, documentId));
  return rows.at(-1)!.id;
}

describe('a customer reading a tracked proposal on a phone', () => {
  it('opens it, stays on the price page, comes back twice: stored with seconds, one signal', { timeout: 90_000 }, async () => {
    const shared = await shareSample(s, '华东医疗-方案建议书.pdf', { fresh: true });
    const linkId = await linkIdOf(shared.id);
    s.events.length = 0;
    const context = await phone();
    const stays = [3000, 2000, 2000];
    try {
      for (const [i, stay] of stays.entries()) {
        const { page, errors } = await openViewer(context, shared.url);
        if (i === 0) await page.screenshot({ path: `${SHOTS}/viewer-top.png` });
        await showPage(page, 7);
        // Staying on the page is the point: the reader's time is what is measured.
        await page.waitForTimeout(stay);
        if (i === 0) await page.screenshot({ path: `${SHOTS}/viewer-page7.png` });
        await leave(page);
        expect(errors).toEqual([]);
        const done = stays.slice(0, i + 1).reduce((a, b) => a + b, 0) / 1000;
        await until(
          `open ${i + 1}'s beacon`,
          () => pageReads(linkId, 7),
          (rows) => rows.length === i + 1 && rows.reduce((n, r) => n + r.seconds, 0) >= done - 0.3,
        );
      }
    } finally {
      await context.close();
    }

    const rows = await pageReads(linkId, 7);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.visits)).toEqual([1, 1, 1]);
    expect(rows.reduce((n, r) => n + r.seconds, 0)).toBeGreaterThanOrEqual(6.7);
    const views = await s.database.db.select().from(documentViews).where(eq(documentViews.linkId, linkId));
    expect(views.map((v) => v.forwarded)).toEqual([false, false, false]);

    // The third visit of the price page crosses the rule, once.
    const signals = s.events.flatMap((e) => e.signals);
    expect(signals.map((x) => x.kind)).toEqual(['price_page_reread']);
    expect(signals[0]).toMatchObject({ page: 7, label: '第7页 · 价格', visits: 3, opens: 3 });
    expect(s.events.filter((e) => e.type === 'opened')).toHaveLength(3);

    // What the deal page and the API show.
    const summary = await readingSummary(s.database.db, { opportunityId: DEAL.opportunityId });
    const doc = summary.documents.find((d) => d.documentId === shared.id)!;
    expect(doc).toMatchObject({ opens: 3, readers: 1, forwards: 0 });
    // The same reader came back to the cover and the price page.
    expect(doc.rereadPages).toEqual([1, 7]);
    expect(doc.pages[6]!.visits).toBe(3);
    expect(doc.pages[6]!.seconds).toBeGreaterThanOrEqual(6.7);
    expect(summary.opens.filter((o) => o.documentId === shared.id).every((o) => o.pages.some((p) => p.page === 7))).toBe(true);
    const api = (await s.server.inject({ method: 'GET', url: `/v1/documents/${shared.id}` })).json();
    expect(api.stats.pages[6]).toMatchObject({ label: '第7页 · 价格', visits: 3 });

    // Someone else, on another phone and network, opens the same link: forwarded, a new reader.
    s.events.length = 0;
    const other = await phone();
    try {
      const { page } = await openViewer(other, shared.url);
      await leave(page);
    } finally {
      await other.close();
    }
    // Both browsers are on 127.0.0.1 here: the new browser id alone makes a new reader.
    const [, , , fourth] = await s.database.db.select().from(documentViews).where(eq(documentViews.linkId, linkId)).orderBy(documentViews.openedAt);
    expect(fourth?.forwarded).toBe(true);
    expect(s.events.flatMap((e) => e.signals).map((x) => x.kind)).toEqual(['new_reader']);
  });

  it('stops the clock while the tab is hidden and counts the return as a visit', { timeout: 60_000 }, async () => {
    const shared = await shareSample(s, '报价单-华东医疗.pdf', { fresh: true });
    const linkId = await linkIdOf(shared.id);
    const context = await phone();
    try {
      const { page, errors } = await openViewer(context, shared.url);
      await showPage(page, 7);
      let visible = Date.now();
      await page.waitForTimeout(1500);
      // Headless Chromium never hides a tab by itself: switch the tab away as the browser would
      // tell the page (visibilityState and the visibilitychange event); the viewer does the rest.
      const setVisibility = (state: 'hidden' | 'visible') =>
        page.evaluate((st) => {
          Object.defineProperty(document, 'visibilityState', { value: st, configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      let shown = Date.now() - visible;
      // Hiding sends what was read so far.
      await until(
        'the hidden tab’s beacon',
        () => pageReads(linkId, 7),
        (r) => r.length === 1 && r[0]!.seconds >= 1.2,
      );
      await page.waitForTimeout(4000);
      await setVisibility('visible');
      visible = Date.now();
      await page.waitForTimeout(1500);
      await leave(page);
      shown += Date.now() - visible;
      expect(errors).toEqual([]);
      const [row] = await until(
        'the last beacon',
        () => pageReads(linkId, 7),
        (r) => r[0]?.visits === 2,
      );
      expect(row!.seconds).toBeGreaterThanOrEqual(2.7);
      // The four hidden seconds are not in it (only the time the tab was shown, and a little slack).
      expect(row!.seconds).toBeLessThanOrEqual(shown / 1000 + 0.5);
    } finally {
      await context.close();
    }
  });
});

describe('links that must not work', () => {
  it('show a revoked link’s clear page and record nothing', { timeout: 30_000 }, async () => {
    const shared = await shareSample(s, '案例-三甲医院.pdf', { fresh: true });
    await s.server.inject({ method: 'DELETE', url: `/v1/documents/${shared.id}/link` });
    const context = await phone();
    try {
      const page = await context.newPage();
      const res = await page.goto(shared.url);
      expect(res?.status()).toBe(410);
      expect(res?.headers()['x-robots-tag']).toBe('noindex, nofollow');
      await expect(page.locator('h1').textContent()).resolves.toBe('链接已失效');
      await page.screenshot({ path: `${SHOTS}/link-revoked.png` });
    } finally {
      await context.close();
    }
    const views = await s.database.db
      .select()
      .from(documentViews)
      .where(eq(documentViews.linkId, await linkIdOf(shared.id)));
    expect(views).toEqual([]);
  });

  it('refuse beacons forged in the page, storing nothing', { timeout: 30_000 }, async () => {
    const shared = await shareSample(s, '白皮书.pdf', { fresh: true });
    const linkId = await linkIdOf(shared.id);
    const context = await phone();
    try {
      const { page } = await openViewer(context, shared.url);
      const [view] = await s.database.db.select().from(documentViews).where(eq(documentViews.linkId, linkId));
      const before = await s.database.db.select().from(documentPageReads).where(eq(documentPageReads.viewId, view!.id));
      const statuses = await page.evaluate(async (viewId) => {
        const post = (body: string) =>
          fetch(`${location.pathname}/beacon`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.status);
        return [
          await post(JSON.stringify({ viewId: crypto.randomUUID(), pages: [{ page: 7, seconds: 30 }] })),
          await post(JSON.stringify({ viewId, pages: [{ page: 99, seconds: 30 }] })),
          await post(JSON.stringify({ viewId, pages: [{ page: 7, seconds: -30 }] })),
          await post(JSON.stringify({ viewId, pages: [{ page: 7, seconds: 30 }], pad: 'x'.repeat(8000) })),
        ];
      }, view!.id);
      expect(statuses).toEqual([404, 400, 400, 413]);
      const after = await s.database.db.select().from(documentPageReads).where(eq(documentPageReads.viewId, view!.id));
      expect(after.filter((r) => r.page === 7)).toEqual(before.filter((r) => r.page === 7));
      await page.close();
    } finally {
      await context.close();
    }
  });
});

describe('a customer reading a tracked quote, through the whole app', () => {
  let t: TestApp;
  let server: FastifyInstance;
  let base = '';

  const say = async (m: InboundMessage) => {
    await t.app.sink.message(m);
    await t.app.drain();
  };
  const group = (id: string, from: string, text: string, name?: string): InboundMessage => ({
    platform: 'local',
    messageId: id,
    conversationId: DEAL.chatId,
    conversationTitle: '华东医疗 · 患者随访平台项目',
    chatType: 'group',
    direct: false,
    senderId: from,
    ...(name ? { senderName: name } : {}),
    kind: 'text',
    text,
    attachments: [],
    sentAt: t.clock.now(),
  });

  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-26T09:10:00+08:00') });
    server = buildServer(t.app);
    base = await server.listen({ host: '127.0.0.1', port: 0 });
    await say(group('b-1', 'zhangsan', '李主任您好，报价单马上发您。'));
    await say(group('b-2', 'cust-li', '好的，整套下来大概什么价位？', '李主任'));
    await say(group('b-3', 'zhangsan', '标准版首年 48 万，含实施、培训和首年运维。'));
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('opens, stays on the price page, comes back twice: stored with seconds, one nudge to the rep, /deal shows it', { timeout: 120_000 }, async () => {
    const { payload, headers } = multipartBody(
      { conversationId: DEAL.chatId, senderId: 'zhangsan', platform: 'local' },
      { name: '华东医疗-报价单.pdf', type: 'application/pdf', body: samplePdf() },
    );
    const res = await server.inject({ method: 'POST', url: '/v1/documents', payload, headers });
    expect(res.statusCode).toBe(201);
    const url = `${base}/d/${tokenOf(res.json().url)}`;
    const viewed = () => t.app.database.db.select().from(actions).where(eq(actions.kind, 'document_viewed')).orderBy(actions.at, actions.id);
    const context = await phone();
    try {
      for (const [i, stay] of [3000, 2000, 2000].entries()) {
        // Coming back later the same day: each open has its own time on the deal's timeline.
        if (i > 0) t.clock.set(new Date(t.clock.now().getTime() + 2 * 3_600_000));
        const { page, errors } = await openViewer(context, url);
        await showPage(page, 7);
        await page.waitForTimeout(stay);
        await leave(page);
        expect(errors).toEqual([]);
        // The last beacon is in and the loop has brought the open's action up to date.
        await until(
          `open ${i + 1} in the loop`,
          viewed,
          (rows) =>
            rows.length === i + 1 &&
            (rows[i]!.attrs.pages as Array<{ page: number; seconds: number }>).some((p) => p.page === 7 && p.seconds >= stay / 1000 - 0.3),
        );
      }
    } finally {
      await context.close();
    }
    await t.app.drain();

    // Stored with their seconds: one document_viewed action per open, the price page in each.
    const rows = await viewed();
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.attrs).toMatchObject({ title: '华东医疗-报价单', documentKind: 'quote', forwarded: false });
    const seconds = rows.map((r) => (r.attrs.pages as Array<{ page: number; seconds: number }>).find((p) => p.page === 7)!.seconds);
    expect(seconds.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6.7);

    // The third visit of the price page reaches the rep once: one nudge, one delivery, sent.
    const sent = await t.app.database.db
      .select({ rule: nudges.ruleId, to: deliveries.to, status: deliveries.status, body: nudges.body })
      .from(nudges)
      .innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id))
      .where(eq(nudges.ruleId, 'reading-price-page'));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: { personId: 'zhangsan' }, status: 'sent' });
    expect(sent[0]!.body).toMatch(/华东医疗刚第3次打开《华东医疗-报价单》，在第7页（价格）累计停留\d+秒、看了3次/);
    const outbox = (await server.inject({ method: 'GET', url: '/v1/outbox?personId=zhangsan' })).json().items as Array<{ message: OutboundMessage }>;
    expect(outbox.filter((o) => o.message.type !== 'text' && o.message.text.includes('第3次打开'))).toHaveLength(1);

    // The manager's /deal shows the reading.
    const ask = dm('wangjing', '/deal 华东医疗', t.clock.now());
    await say(ask);
    const [reply] = await t.app.database.db
      .select()
      .from(deliveries)
      .where(sql`${deliveries.idempotencyKey} = (select 'reply:' || id from messages where platform_message_id = ${ask.messageId})`);
    const text = reply!.message!.text;
    expect(text).toContain('**客户阅读**');
    expect(text).toMatch(/《华东医疗-报价单》打开 3 次 · 读者 1 · 共 \d+秒/);
    expect(text).toContain('反复看 第1、7页');
    expect(text).toMatch(/11-26 09:10 {2}客户阅读《华东医疗-报价单》\d+秒，最久在第7页 · 价格/);
    expect(text).toMatch(/11-26 13:10 {2}客户阅读《华东医疗-报价单》\d+秒，最久在第7页 · 价格/);
  });
});
