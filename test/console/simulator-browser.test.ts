/// <reference lib="dom" />
/**
 * The simulator in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) at
 * phone width, against the real app: a manager signs in with a one-time link, opens a sandbox,
 * writes a quote as 张三 and a price objection as the customer; the analysis and send jobs run
 * (the test's manual clock decides when) and 张三's nudge appears on the open page through the
 * event stream, without a reload; then a /team to the bot and its answer. Screenshot in
 * test-output/console/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import type { TestApp } from '../helpers/app.ts';
import { type BrowserStack, startBrowserStack } from '../helpers/browser.ts';

const SHOTS = 'test-output/console';
const MONDAY = new Date('2026-11-23T09:00:00+08:00');

let t: TestApp;
let base: string;
let browser: Browser;
let stack: BrowserStack;

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Runs the due jobs until `selector` is on the page: the page itself is never reloaded. */
async function runJobsUntil(page: Page, selector: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    await t.app.drain();
    if ((await page.locator(selector).count()) > 0) return;
    await page.waitForTimeout(200);
  }
  throw new Error(`${selector} never appeared: ${await page.locator('#sim').textContent()}`);
}

const later = () => t.clock.set(new Date(t.clock.now().getTime() + 60_000));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startBrowserStack({ start: MONDAY });
  ({ t, base, browser } = stack);
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('the simulator producing a nudge', { timeout: 150_000 }, () => {
  it('a price objection typed as the customer brings 张三’s nudge onto the open page, live', async () => {
    const link = await createConsoleLink(t.app.database.db, { personId: 'wangjing', via: 'cli', now: t.clock.now(), baseUrl: base });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(link.url);
      await Promise.all([page.waitForURL(/\/console$/), page.click('#sign-in')]);

      await page.click('nav a[href="/console/simulator"]');
      await Promise.all([page.waitForURL(/\/console\/simulator\?s=sim~wangjing~[0-9a-f]{8}$/), page.click('#sim-new')]);
      await page.waitForSelector('#sim-status[data-state="live"]');
      const loadedAt = await page.evaluate(() => performance.timeOrigin);

      // As 张三: the quote.
      later();
      await page.check('input[name="as"][value="rep"]');
      await page.selectOption('#rep', 'zhangsan');
      await page.fill('#chat-text', '李主任您好，报价单发您了：标准版首年 48 万，含实施和培训。');
      await page.click('#chat-send');
      await page.waitForSelector('#chat li.rep');
      // As the customer: the objection.
      later();
      await page.check('input[name="as"][value="customer"]');
      await page.fill('#chat-text', '48 万？太贵了，超出我们今年的预算了。');
      await page.click('#chat-send');
      await page.waitForSelector('#chat li.customer');
      expect(await page.locator('#nudges li.nudge').count()).toBe(0);

      await runJobsUntil(page, '#nudges li.nudge');
      const nudge = page.locator('#nudges li.nudge').first();
      await expect(nudge.locator('.who').textContent()).resolves.toBe('→ 张三');
      await expect(nudge.locator('.title').textContent()).resolves.toContain('价格异议');
      // The same page, never reloaded: the nudge came over the stream.
      expect(await page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);

      // The manager asks the bot; the answer arrives on the same stream.
      later();
      await page.fill('#bot-text', '/team 本周');
      await page.click('#bot-form button[type="submit"]');
      await page.waitForSelector('#bot li.me');
      await runJobsUntil(page, '#bot li.answer');
      await expect(page.locator('#bot li.answer .body').first().textContent()).resolves.toContain('张三');
      // The deal the sandbox opened is named after the customer given on the page.
      await expect(page.locator('#bot li.answer').first().textContent()).resolves.toContain('模拟 · 李主任');

      await page.screenshot({ path: `${SHOTS}/simulator.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
