/// <reference lib="dom" />
/**
 * The knowledge admin in headless Chromium (Debian's /usr/bin/chromium, playwright-core) at phone
 * width, against the real app: an admin signs in by the link the bot answers `/console` with,
 * edits the talk-track of the atom a price-objection nudge carries, previews it as each platform's
 * card and saves it; the next customer message through the local adapter gets a nudge carrying
 * the new text. A rep is refused the admin pages; a change without the CSRF token is refused.
 * Screenshots go to test-output/console/.
 */
import { mkdirSync } from 'node:fs';
import { desc, eq, like } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../core/types.ts';
import { atoms, auditLog, deliveries, nudges } from '../../db/schema/index.ts';
import { nudgeCardColumns, sentMessage } from '../../db/queries/deliveries.ts';
import { chat, dm, type TestApp } from '../helpers/app.ts';
import { type BrowserStack, startBrowserStack } from '../helpers/browser.ts';

const SHOTS = 'test-output/console';
const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);
const NEW_TRACK = '{称呼}，控制台刚改的话术：我们先把每月因跟进不及时流失的订单算一算，再看这笔投入值不值。';

let t: TestApp;
let base: string;
let browser: Browser;
let stack: BrowserStack;

const say = async (m: InboundMessage) => {
  if (m.sentAt > t.clock.now()) t.clock.set(m.sentAt);
  await t.app.sink.message(m);
  await t.app.drain();
};

async function askLink(personId: string): Promise<string> {
  t.clock.set(new Date(t.clock.now().getTime() + 60_000));
  await say(dm(personId, '/console', t.clock.now()));
  const rows = await t.app.database.db.select().from(deliveries).where(like(deliveries.idempotencyKey, 'reply:%')).orderBy(desc(deliveries.createdAt));
  const row = rows.find((r) => 'personId' in r.to && r.to.personId === personId);
  const text = row && (row.message!.type === 'markdown' || row.message!.type === 'text') ? row.message!.text : '';
  const url = /\((http:\/\/[^)\s]+\/console\/login\/[A-Za-z0-9_-]+)\)/.exec(text)?.[1];
  if (!url) throw new Error(`no console link in the answer: ${text}`);
  return url;
}

const phone = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });

async function signIn(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  expect((await page.goto(url))?.status()).toBe(200);
  await Promise.all([page.waitForURL(/\/console(\/deals)?$/), page.click('#sign-in')]);
  return page;
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** A deal's customer chat: the rep opens it and sends the quote, the customer finds it too dear. */
async function priceObjection(conv: string, title: string, minutes: number): Promise<void> {
  const m = (x: InboundMessage): InboundMessage => ({ ...x, conversationTitle: title });
  await say(m(chat({ conv, from: 'zhangsan', text: '李主任您好，我是张三，拉了这个群方便沟通随访平台的事。', at: at(minutes) })));
  await say(
    m(chat({ conv, from: 'zhangsan', text: '报价单发您了：标准版首年 48 万，含实施和培训。', at: at(minutes + 10), attachments: [{ name: '报价单.pdf' }] })),
  );
  await say(m(chat({ conv, from: `cust-${conv}`, name: '李主任', text: '48 万？太贵了，超出我们今年的预算了。', at: at(minutes + 20) })));
}

const nudgesIn = (conv: string) =>
  t.app.database.db
    .select()
    .from(nudges)
    .where(eq(nudges.conversationId, `local:${conv}`));

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startBrowserStack({ start: MONDAY });
  ({ t, base, browser } = stack);
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('knowledge admin in the browser', () => {
  it('an admin edits the talk-track of the atom a price objection carries; the next objection’s nudge carries the new text', async () => {
    await priceObjection('c-before', '华东医疗 · 随访平台项目', 10);
    const [first] = await nudgesIn('c-before');
    expect(first, 'the objection gets a nudge').toBeDefined();
    const atomId = first!.atomIds[0]!;
    expect(atomId).toBeDefined();
    expect(first!.body).not.toContain('控制台刚改的话术');

    const context = await phone();
    try {
      const page = await signIn(context, await askLink('ops'));
      const errors = watchErrors(page);
      await page.goto(`${base}/console/knowledge`);
      await expect(page.locator('h1').textContent()).resolves.toBe('知识原子');
      // The funnel counts the push the first nudge made.
      const row = page.locator(`tr[data-atom="${atomId}"]`);
      await expect(row.locator('td.num').first().textContent()).resolves.toBe('1');
      await page.screenshot({ path: `${SHOTS}/knowledge-atoms.png`, fullPage: true });

      await Promise.all([page.waitForURL(new RegExp(`/console/knowledge/atoms/${atomId}$`)), row.locator('a').first().click()]);
      const yaml = await page.inputValue('#atom-yaml');
      const edited = yaml.replace(/talkTracks:\n {2}- .*\n/, `talkTracks:\n  - "${NEW_TRACK}"\n`);
      expect(edited).not.toBe(yaml);

      // A bad edit first: the field is named and nothing is saved.
      await page.fill('#atom-yaml', edited.replace(/^topic: .*$/m, 'topic: ""'));
      await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
      await expect(page.locator('.field-errors').textContent()).resolves.toContain('topic');
      expect(errors).toEqual([expect.stringContaining('status of 400')]);
      // That refusal was the only error the browser saw so far; the rest must see none.
      errors.length = 0;

      // The preview shows each platform's card with the new text, filled for a sample contact.
      await page.fill('#atom-yaml', edited);
      await Promise.all([page.waitForLoadState('load'), page.click('#preview')]);
      for (const platform of ['wecom', 'feishu', 'dingtalk']) {
        await expect(page.locator(`figure[data-platform="${platform}"] .phone-card`).textContent()).resolves.toContain('李主任，控制台刚改的话术');
      }
      await page.screenshot({ path: `${SHOTS}/knowledge-editor.png`, fullPage: true });

      await Promise.all([page.waitForURL(/\?done=saved/), page.click('#save')]);
      await expect(page.locator('.flash.ok').textContent()).resolves.toContain('已保存');
      await expect(page.locator('.history li').count()).resolves.toBeGreaterThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    const [row] = await t.app.database.db.select().from(atoms).where(eq(atoms.id, atomId));
    expect(row).toMatchObject({ source: 'console' });
    const [audit] = await t.app.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `atom:${atomId}`));
    expect(audit).toMatchObject({ action: 'atom.edit', personId: 'ops' });

    // Another deal's customer raises the same objection: its nudge carries the new talk-track.
    await priceObjection('c-after', '东方医院 · 随访平台项目', 120);
    const [next] = await nudgesIn('c-after');
    expect(next?.atomIds[0]).toBe(atomId);
    expect(next!.body).toContain('李主任，控制台刚改的话术：我们先把每月因跟进不及时流失的订单算一算');
    const sent = await t.app.database.db
      .select({ id: deliveries.id, message: deliveries.message, nudgeId: deliveries.nudgeId, ...nudgeCardColumns })
      .from(deliveries)
      .leftJoin(nudges, eq(nudges.id, deliveries.nudgeId))
      .where(eq(deliveries.idempotencyKey, `nudge:${next!.id}`));
    // The card sent to 张三 in his 1:1 chat carries it.
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sentMessage(sent[0]!))).toContain('李主任，控制台刚改的话术');
  });

  it('a rep is refused the admin pages and their JSON', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, await askLink('zhangsan'));
      const res = await page.goto(`${base}/console/knowledge`);
      expect(res?.status()).toBe(403);
      await expect(page.locator('h1').textContent()).resolves.toBe('没有权限');
      // The nav offers a rep no knowledge link.
      await expect(page.locator('nav a[href="/console/knowledge"]').count()).resolves.toBe(0);
      await page.screenshot({ path: `${SHOTS}/knowledge-rep-refused.png` });
      const statuses = await page.evaluate(async () => [
        (await fetch('/console/org')).status,
        (await fetch('/v1/console/knowledge/atoms')).status,
        (await fetch('/v1/console/org')).status,
      ]);
      expect(statuses).toEqual([403, 403, 403]);
    } finally {
      await context.close();
    }
  });

  it('refuses an admin’s change without the CSRF token, and takes it with the token', async () => {
    const context = await phone();
    try {
      const page = await signIn(context, await askLink('ops'));
      await page.goto(`${base}/console/knowledge`);
      const results = await page.evaluate(async () => {
        const post = (body: string) =>
          fetch('/console/knowledge/atoms/competitor-incumbent/enabled', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
            redirect: 'manual',
          }).then((r) => r.status);
        const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
        return {
          without: await post('enabled=0'),
          wrong: await post(`enabled=0&_csrf=${'x'.repeat(csrf.length)}`),
          with: await post(`enabled=0&_csrf=${csrf}`),
        };
      });
      expect(results.without).toBe(403);
      expect(results.wrong).toBe(403);
      expect([0, 303]).toContain(results.with);
    } finally {
      await context.close();
    }
    const [row] = await t.app.database.db.select().from(atoms).where(eq(atoms.id, 'competitor-incumbent'));
    expect(row?.enabled).toBe(false);
    const refusedThenTaken = await t.app.database.db.select().from(auditLog).where(eq(auditLog.subject, 'atom:competitor-incumbent'));
    expect(refusedThenTaken.map((a) => a.action)).toEqual(['atom.disable']);
  });
});
