/// <reference lib="dom" />
/**
 * The web console in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) at
 * phone width, against the real app: messages go in through the local ingest and the analysis
 * jobs, `/console` is asked of the bot in chat, and the link it answers with is opened in the
 * browser. Screenshots go to test-output/console/.
 */
import { mkdirSync } from 'node:fs';
import { desc, eq, like } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/types.ts';
import { auditLog, consoleLinks, conversations, deliveries, opportunities } from '../../db/schema/index.ts';
import { chat, dm, type TestApp } from '../helpers/app.ts';
import { type BrowserStack, startBrowserStack } from '../helpers/browser.ts';

const SHOTS = 'test-output/console';
const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);

let t: TestApp;
let base: string;
let browser: Browser;
let stack: BrowserStack;

const say = async (m: InboundMessage) => {
  if (m.sentAt > t.clock.now()) t.clock.set(m.sentAt);
  await t.app.sink.message(m);
  await t.app.drain();
};
const titled = (m: InboundMessage, title: string): InboundMessage => ({ ...m, conversationTitle: title });

/** The bot's last answer to a person's message in their 1:1 chat. */
async function lastReply(personId: string): Promise<string> {
  const rows = await t.app.database.db.select().from(deliveries).where(like(deliveries.idempotencyKey, 'reply:%')).orderBy(desc(deliveries.createdAt));
  const row = rows.find((r) => 'personId' in r.to && r.to.personId === personId);
  const m = row?.message;
  return m && (m.type === 'markdown' || m.type === 'text') ? m.text : '';
}

/** Asks the bot for a console link in chat and returns the URL it answered with. */
async function askLink(personId: string): Promise<string> {
  t.clock.set(new Date(t.clock.now().getTime() + 60_000));
  await say(dm(personId, '/console', t.clock.now()));
  const text = await lastReply(personId);
  const url = /\((http:\/\/[^)\s]+\/console\/login\/[A-Za-z0-9_-]+)\)/.exec(text)?.[1];
  if (!url) throw new Error(`no console link in the answer: ${text}`);
  return url;
}

async function dealId(chatId: string): Promise<string> {
  const [c] = await t.app.database.db
    .select()
    .from(conversations)
    .where(eq(conversations.id, `local:${chatId}`));
  return c!.opportunityId!;
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

const phone = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });

/** Opens a sign-in link and presses the button; returns the page it lands on. */
async function signIn(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  await Promise.all([page.waitForURL(/\/console(\/deals|\/login)?$/), page.click('#sign-in')]);
  if (page.url().endsWith('/login')) throw new Error(`sign-in refused: ${(await page.content()).slice(0, 600)}`);
  return page;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startBrowserStack({ start: MONDAY });
  ({ t, base, browser } = stack);
  // 华东一组: 张三's 华东医疗 (a quote, a price objection, its handling) and 李四's 东方物流; 华北二组: 赵敏's 北方电力.
  const hd = (m: InboundMessage) => titled(m, '华东医疗 · 随访平台项目');
  await say(hd(chat({ conv: 'c-hd', from: 'zhangsan', text: '李主任您好，我是张三，拉了这个群方便沟通随访平台的事。', at: at(10) })));
  await say(hd(chat({ conv: 'c-hd', from: 'cust-li', name: '李主任', text: '整套下来大概什么价位？', at: at(20) })));
  await say(
    hd(
      chat({
        conv: 'c-hd',
        from: 'zhangsan',
        text: '报价单发您了：标准版首年 48 万，含实施和培训。',
        at: at(30),
        attachments: [{ name: '报价单_华东医疗.pdf' }],
      }),
    ),
  );
  await say(hd(chat({ conv: 'c-hd', from: 'cust-li', name: '李主任', text: '48 万？太贵了，超出我们今年的预算了。', at: at(40) })));
  await say(hd(chat({ conv: 'c-hd', from: 'zhangsan', text: '理解。按三年摊到每个账号每天不到 3 元，首期也可以先上 3 个院区，预算能降四成。', at: at(50) })));
  await say(titled(chat({ conv: 'c-df', from: 'lisi', text: '周经理好，我是李四，方案已发送，请查收。', at: at(60) }), '东方物流 · 仓储系统'));
  await say(titled(chat({ conv: 'c-bf', from: 'zhaomin', text: '何总好，我是赵敏，周三下午两点线上演示可以吗？', at: at(70) }), '北方电力 · 巡检'));
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('signing in by a one-time link from the chat', () => {
  it('a manager opens the link once: the dashboard; the second use is refused; the link is stored as a hash only', async () => {
    const url = await askLink('wangjing');
    const token = url.split('/').pop()!;
    const links = await t.app.database.db.select().from(consoleLinks);
    expect(JSON.stringify(links)).not.toContain(token);
    const context = await phone();
    try {
      const page = await signIn(context, url);
      const errors = watchErrors(page);
      await page.reload();
      await expect(page.locator('h1').textContent()).resolves.toBe('看板');
      await page.waitForSelector('#funnel-chart[data-state="drawn"]');
      // The table shows what /v1/console/dashboard (and so the chart) has.
      const api = await page.evaluate(async () => (await fetch('/v1/console/dashboard?period=本周')).json());
      const shown = await page.locator('#funnel tbody tr td:first-of-type').allTextContents();
      expect(shown.map(Number)).toEqual(api.funnel.rows.map((r: { reached: number }) => r.reached));
      expect(api.funnel.deals).toBe(2);
      await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });
      expect(errors).toEqual([]);
      // The session cookie: HTTP-only, SameSite=Lax (Secure needs https: see the unit test).
      const [cookie] = await context.cookies();
      expect(cookie).toMatchObject({ name: 'dealwise_console', httpOnly: true, sameSite: 'Lax' });

      const again = await context.newPage();
      const res = await again.goto(url);
      expect(res?.status()).toBe(410);
      await expect(again.locator('h1').textContent()).resolves.toBe('链接已使用');
      await again.screenshot({ path: `${SHOTS}/link-used.png` });
      // Once used, the token is gone from the chat answer that carried it too.
      expect(await lastReply('wangjing')).not.toContain(token);
      expect(await lastReply('wangjing')).toContain('（已使用）');
      // Posting the used token straight to the sign-in is refused too.
      const status = await again.evaluate(async (tok) => {
        const r = await fetch('/console/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tok}` });
        return r.status;
      }, token);
      expect(status).toBe(410);
    } finally {
      await context.close();
    }
  });
});

describe('deals', () => {
  it('a manager lists the team’s deals, searches them, reads a timeline with actions, moves and the nudge, and corrects it; /deal in chat shows the correction', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, await askLink('wangjing'));
      await page.goto(`${base}/console/deals`);
      const names = await page.locator('.deal strong').allTextContents();
      expect(names.sort()).toEqual(['东方物流 · 仓储系统', '华东医疗 · 随访平台项目']);
      await page.screenshot({ path: `${SHOTS}/deals.png`, fullPage: true });
      await page.fill('input[name="q"]', '华东');
      await Promise.all([page.waitForURL(/q=/), page.click('form.filters button')]);
      expect(await page.locator('.deal strong').allTextContents()).toEqual(['华东医疗 · 随访平台项目']);

      // Filters by owner and stage, as the JSON API answers them.
      const totals = await page.evaluate(async () => {
        const total = async (q: string) => ((await (await fetch(`/v1/console/deals?${q}`)).json()) as { total: number }).total;
        return [await total('owner=lisi'), await total('owner=zhaomin'), await total('stage=proposal&q=东方')];
      });
      expect(totals).toEqual([1, 0, 1]);
      await Promise.all([page.waitForURL(/\/console\/deals\/[^?]+$/), page.click('.deal a')]);
      const id = await dealId('c-hd');
      expect(page.url()).toBe(`${base}/console/deals/${id}`);
      // The quote's message carries its action and the stage move it caused; the objection its nudge.
      const quote = page.locator('li.msg', { hasText: '报价单发您了' });
      await expect(quote.locator('[data-action="quote_sent"]').count()).resolves.toBe(1);
      await expect(quote.locator('.move').textContent()).resolves.toContain('方案报价');
      const objection = page.locator('li.msg', { hasText: '太贵了' });
      await expect(objection.locator('[data-action="objection_raised"]').count()).resolves.toBe(1);
      await expect(objection.locator('.nudge summary').textContent()).resolves.toContain('张三');
      await expect(page.locator('#deal-score').textContent()).resolves.toMatch(/^\d+$/);
      await page.screenshot({ path: `${SHOTS}/deal.png`, fullPage: true });

      await page.fill('input[name="amount"]', '36万');
      await page.selectOption('select[name="stage"]', 'negotiation');
      await Promise.all([page.waitForURL(/saved=/), page.click('#correct button')]);
      await expect(page.locator('.flash.ok').textContent()).resolves.toContain('金额');
      await expect(page.locator('#deal-amount').textContent()).resolves.toBe('36万');
      await expect(page.locator('#deal-stage').textContent()).resolves.toBe('商务谈判');
      await expect(page.locator('li.correction').count()).resolves.toBeGreaterThanOrEqual(1);
    } finally {
      await context.close();
    }
    const [deal] = await t.app.database.db
      .select()
      .from(opportunities)
      .where(eq(opportunities.id, await dealId('c-hd')));
    expect(deal).toMatchObject({ amount: 360_000, stage: 'negotiation' });
    // The audit log has who, what, before, after.
    const audit = await t.app.database.db.select().from(auditLog).where(eq(auditLog.action, 'deal.correct'));
    expect(audit.map((a) => ({ personId: a.personId, before: a.before, after: a.after }))).toEqual(
      expect.arrayContaining([{ personId: 'wangjing', before: { amount: 480_000 }, after: { amount: 360_000 } }]),
    );
    // In chat, /deal shows the console's correction, made by 王静.
    t.clock.set(new Date(t.clock.now().getTime() + 60_000));
    await say(dm('wangjing', '/deal 华东医疗', t.clock.now()));
    expect(await lastReply('wangjing')).toMatch(/王静更正金额：48万 → 36万/);
  });

  it('a rep sees only their own deals: another rep’s deal and the dashboard are refused', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, await askLink('lisi'));
      // A rep lands on their deals.
      expect(page.url()).toBe(`${base}/console/deals`);
      expect(await page.locator('.deal strong').allTextContents()).toEqual(['东方物流 · 仓储系统']);
      const other = await page.goto(`${base}/console/deals/${await dealId('c-hd')}`);
      expect(other?.status()).toBe(403);
      await expect(page.locator('h1').textContent()).resolves.toBe('没有权限');
      await page.screenshot({ path: `${SHOTS}/rep-refused.png` });
      const statuses = await page.evaluate(async () => [
        (await fetch('/v1/console/dashboard')).status,
        (await fetch('/v1/console/deals')).status,
        ((await (await fetch('/v1/console/deals')).json()) as { total: number }).total,
      ]);
      expect(statuses).toEqual([403, 200, 1]);
    } finally {
      await context.close();
    }
  });

  it('refuses a change without the session’s CSRF token, and takes it with the token', async () => {
    const context = await phone();
    const id = await dealId('c-df');
    try {
      const page = await signIn(context, await askLink('wangjing'));
      await page.goto(`${base}/console/deals/${id}`);
      const results = await page.evaluate(async (dealId) => {
        const form = (body: string) =>
          fetch(`/console/deals/${dealId}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            redirect: 'manual',
          }).then((r) => r.status);
        const patch = (headers: Record<string, string>) =>
          fetch(`/v1/console/deals/${dealId}`, {
            method: 'PATCH',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ name: '东方物流集团' }),
          }).then((r) => r.status);
        const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
        return {
          formWithout: await form('name=%E6%94%B9%E6%8E%89'),
          formWrong: await form(`name=%E6%94%B9%E6%8E%89&_csrf=${'x'.repeat(csrf.length)}`),
          patchWithout: await patch({}),
          patchWith: await patch({ 'x-csrf-token': csrf }),
        };
      }, id);
      expect(results).toEqual({ formWithout: 403, formWrong: 403, patchWithout: 403, patchWith: 200 });
      const [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, id));
      expect(deal!.name).toBe('东方物流集团');

      // Signing out ends the session: the next page asks to sign in.
      await page.goto(`${base}/console/deals`);
      await Promise.all([page.waitForURL(/logout/), page.click('button.link')]);
      const after = await page.goto(`${base}/console/deals`);
      expect(after?.status()).toBe(401);
    } finally {
      await context.close();
    }
  });
});
