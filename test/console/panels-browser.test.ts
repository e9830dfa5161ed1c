/// <reference lib="dom" />
/**
 * The dashboard's analytics panels in headless Chromium at phone width on a generated history:
 * the heatmap is drawn by ECharts from the JSON and agrees with the table, no script error, and
 * a screenshot of the panels goes to test-output/console/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import { seedHistory } from '../../bots/reports/history.ts';
import type { TestApp } from '../helpers/app.ts';
import { type BrowserStack, startBrowserStack } from '../helpers/browser.ts';

const SHOTS = 'test-output/console';
const NOW = new Date('2026-11-27T10:00:00+08:00');
let t: TestApp;
let base: string;
let browser: Browser;
let stack: BrowserStack;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startBrowserStack({ start: NOW });
  ({ t, base, browser } = stack);
  await seedHistory(t.app.database.db, {
    deals: 400,
    seed: 9,
    now: NOW,
    wh: { timeZone: 'Asia/Shanghai', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] },
    rules: t.app.catalog.current.playbook.rules,
  });
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('the analytics panels in a browser', () => {
  it('draw the heatmap from the JSON, the same cells as the table, without errors', async () => {
    const link = await createConsoleLink(t.app.database.db, { personId: 'wangjing', via: 'cli', now: t.clock.now(), baseUrl: base });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(link.url);
      await Promise.all([page.waitForURL(/\/console$/), page.click('#sign-in')]);
      await page.goto(`${base}/console?period=本月`);
      await page.waitForSelector('#heatmap-chart[data-state="drawn"]', { timeout: 30_000 });
      await page.waitForSelector('#funnel-chart[data-state="drawn"]');
      const api = await page.evaluate(async () => (await fetch('/v1/console/dashboard?period=本月')).json());
      const rows = await page.locator('#heatmap tbody tr').count();
      expect(rows).toBe(api.analytics.heatmap.reps.length);
      expect(rows).toBe(2);
      await expect(page.locator('#panel-risks li').count()).resolves.toBeGreaterThan(0);
      await page.locator('#panel-heatmap').screenshot({ path: `${SHOTS}/dashboard-heatmap.png` });
      await page.screenshot({ path: `${SHOTS}/dashboard-panels.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
