/// <reference lib="dom" />
/**
 * The console's data pages in headless Chromium (Debian's /usr/bin/chromium via playwright-core)
 * at phone width, against the real app: a manager searches a Chinese phrase and finds the message
 * marked, downloads the deals as CSV and reads its rows, and sees the customer's reading of a
 * shared quote on the deal's timeline and on the document's page. Screenshots go to
 * test-output/console/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import { readLink, tokenOf } from '../../bots/demo/reader.ts';
import type { InboundMessage } from '../../core/types.ts';
import { conversations } from '../../db/schema/index.ts';
import { multipartBody, samplePdf } from '../documents/harness.ts';
import { chat, type TestApp } from '../helpers/app.ts';
import { type BrowserStack, startBrowserStack } from '../helpers/browser.ts';

const SHOTS = 'test-output/console';
const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);

let t: TestApp;
let server: FastifyInstance;
let base: string;
let browser: Browser;
let stack: BrowserStack;
let docId = '';

const say = async (m: InboundMessage) => {
  if (m.sentAt > t.clock.now()) t.clock.set(m.sentAt);
  await t.app.sink.message(m);
  await t.app.drain();
};
const titled = (m: InboundMessage, title: string): InboundMessage => ({ ...m, conversationTitle: title });

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

const phone = (): Promise<BrowserContext> =>
  browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', acceptDownloads: true });

/** Signs `personId` in through a one-time link, as `dealwise console-link` makes them. */
async function signIn(context: BrowserContext, personId: string): Promise<Page> {
  const { url } = await createConsoleLink(t.app.database.db, { personId, via: 'cli', now: t.clock.now(), baseUrl: base });
  const page = await context.newPage();
  await page.goto(url);
  await Promise.all([page.waitForURL(/\/console(\/deals)?$/), page.click('#sign-in')]);
  return page;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startBrowserStack({ start: MONDAY, env: (url) => ({ PUBLIC_URL: url }) });
  ({ t, server, base, browser } = stack);
  const hd = (m: InboundMessage) => titled(m, '华东医疗 · 随访平台项目');
  await say(hd(chat({ conv: 'c-hd', from: 'zhangsan', text: '李主任您好，我是张三，拉了这个群方便沟通随访平台的事。', at: at(10) })));
  await say(hd(chat({ conv: 'c-hd', from: 'cust-li', name: '李主任', text: '整套下来大概什么价位？', at: at(20) })));
  await say(hd(chat({ conv: 'c-hd', from: 'zhangsan', text: '报价单发您了：标准版首年 48 万，含实施和培训。', at: at(30) })));
  await say(hd(chat({ conv: 'c-hd', from: 'cust-li', name: '李主任', text: '48 万？太贵了，超出我们今年的预算了。', at: at(40) })));
  await say(titled(chat({ conv: 'c-df', from: 'lisi', text: '周经理好，我是李四，方案已发送，请查收。', at: at(60) }), '东方物流 · 仓储系统'));
  await say(titled(chat({ conv: 'c-bf', from: 'zhaomin', text: '何总好，预算太贵了的话我们可以分期。', at: at(70) }), '北方电力 · 巡检'));
  // The quote shared as a tracked link and read by the customer: page 7 (price) for 40 seconds.
  const { payload, headers } = multipartBody(
    { conversationId: 'c-hd', senderId: 'zhangsan', platform: 'local' },
    { name: '华东医疗-报价单.pdf', type: 'application/pdf', body: samplePdf() },
  );
  const shared = await server.inject({ method: 'POST', url: '/v1/documents', payload, headers });
  expect(shared.statusCode, shared.body).toBe(201);
  docId = shared.json().id;
  t.clock.set(at(90));
  await readLink(server, tokenOf(shared.json().url), {
    browser: 'li-phone',
    clock: t.clock,
    pages: [
      { page: 1, seconds: 6 },
      { page: 7, seconds: 40 },
    ],
  });
  await t.app.drain();
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('the console’s data pages in a browser', () => {
  it('a manager searches a Chinese phrase and finds the message in its deal, marked; another team’s is not shown', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, 'wangjing');
      const errors = watchErrors(page);
      await page.click('nav a[href="/console/search"]');
      await page.fill('input[name="q"]', '太贵了');
      await Promise.all([page.waitForURL(/\/console\/search\?/), page.click('form.filters button')]);
      const hits = page.locator('li.hit');
      await expect(hits.count()).resolves.toBe(1);
      await expect(hits.first().locator('mark').textContent()).resolves.toBe('太贵了');
      await expect(hits.first().locator('.text').textContent()).resolves.toContain('48 万？太贵了，超出我们今年的预算了。');
      await expect(hits.first().locator('.head strong').textContent()).resolves.toBe('华东医疗 · 随访平台项目');
      await page.screenshot({ path: `${SHOTS}/search.png`, fullPage: true });
      // The hit links to its message on the deal's timeline.
      await Promise.all([page.waitForURL(/\/console\/deals\/[^#]+#m-/), hits.first().locator('.head a').click()]);
      await expect(page.locator(`li.msg:target`).textContent()).resolves.toContain('太贵了');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('downloads the deals list as CSV, with a BOM and the manager’s deals as rows', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, 'wangjing');
      await page.goto(`${base}/console/deals?status=open`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-export="csv"]')]);
      expect(download.suggestedFilename()).toMatch(/^deals-\d{4}-\d{2}-\d{2}\.csv$/);
      const path = await download.path();
      const bytes = readFileSync(path);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows = bytes
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n')
        .map((l) => l.split(','));
      expect(rows[0]!.slice(0, 3)).toEqual(['商机', '客户联系人', '负责人']);
      expect(rows.slice(1).map((r) => [r[0], r[2]])).toEqual(
        expect.arrayContaining([
          ['华东医疗 · 随访平台项目', '张三'],
          ['东方物流 · 仓储系统', '李四'],
        ]),
      );
      expect(rows).toHaveLength(3);
    } finally {
      await context.close();
    }
  });

  it('shows the customer’s reading on the deal timeline and the document’s page with time per page', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, 'wangjing');
      const errors = watchErrors(page);
      const [conv] = await t.app.database.db.select().from(conversations).where(eq(conversations.id, 'local:c-hd'));
      await page.goto(`${base}/console/deals/${conv!.opportunityId}`);
      const reading = page.locator('li.event.reading');
      await expect(reading.count()).resolves.toBe(1);
      await expect(reading.textContent()).resolves.toContain('华东医疗-报价单');
      await expect(reading.locator('.seconds').textContent()).resolves.toBe('46秒');
      await expect(reading.locator('.pages li').first().textContent()).resolves.toContain('第7页 · 价格');
      await reading.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/deal-reading.png`, fullPage: true });
      await Promise.all([page.waitForURL(/\/console\/documents\//), reading.locator('a').click()]);
      expect(page.url()).toBe(`${base}/console/documents/${docId}`);
      await expect(page.locator('#doc-opens').textContent()).resolves.toBe('1');
      await expect(page.locator('#doc-readers').textContent()).resolves.toBe('1');
      await expect(page.locator('#doc-pages tr[data-page="7"] td').first().textContent()).resolves.toBe('40秒');
      await expect(page.locator('#doc-pages tr[data-page="2"] .skipped').count()).resolves.toBe(1);
      await page.screenshot({ path: `${SHOTS}/document.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
