/**
 * How long the console's dashboard takes to load in a browser on the data in DATA_DIR (or
 * DATABASE_URL), e.g. after `npm run seed:history -- --deals 2000`: the app is started on a free
 * loopback port, an admin and a manager sign in by one-time link in headless Chromium
 * (/usr/bin/chromium), and each load is timed from navigation start to the funnel chart drawn.
 * Also times a conversation search and a CSV export of all deals. Prints median and spread.
 *
 *   DATA_DIR=/tmp/history npx tsx scripts/measure-dashboard.ts [--runs 5] [--period 本月]
 */
import { createApp } from '../bots/app.ts';
import { createConsoleLink } from '../bots/console/links.ts';
import { buildServer } from '../bots/http/server.ts';
import { loadConfig } from '../core/config.ts';
import { freePort, launchChromium } from '../test/helpers/browser.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const runs = Number(arg('--runs', '5'));
const period = arg('--period', '本月');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;

async function main(): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: 'warn' });
  const app = await createApp({ config, autoRun: false });
  const server = buildServer(app);
  await server.listen({ host: '127.0.0.1', port });
  const browser = await launchChromium();
  try {
    const [{ n }] = (await app.database.sql.query<{ n: number }>('select count(*)::int as n from opportunities')) as [{ n: number }];
    const [{ m }] = (await app.database.sql.query<{ m: number }>('select count(*)::int as m from messages')) as [{ m: number }];
    console.log(`${app.database.kind}: ${n} deals, ${m} messages; dashboard period ${period}`);
    for (const who of ['ops', 'wangjing']) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      const page = await context.newPage();
      const { url } = await createConsoleLink(app.database.db, { personId: who, via: 'cli', now: new Date(), baseUrl: base });
      await page.goto(url);
      await Promise.all([page.waitForURL(/\/console$/), page.click('#sign-in')]);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        await page.goto(`${base}/console?period=${encodeURIComponent(period)}`);
        await page.waitForSelector('#funnel-chart[data-state="drawn"]', { timeout: 60_000 });
        // From the navigation's start to the chart drawn, on the page's own clock.
        times.push(await page.evaluate(() => performance.now()));
      }
      const search: number[] = [];
      for (const q of ['太贵', '预算', '报价单', 'demo']) {
        const t0 = performance.now();
        await page.goto(`${base}/console/search?q=${encodeURIComponent(q)}`);
        await page.waitForSelector('#hit-count');
        search.push(performance.now() - t0);
      }
      const t0 = performance.now();
      const csv = await page.evaluate(async () => (await (await fetch('/v1/console/export/deals?format=csv')).text()).split('\r\n').length - 2);
      const exportMs = performance.now() - t0;
      console.log(`${who}: dashboard to chart drawn ${summary(times)}; search page ${summary(search)}; CSV export of ${csv} deals ${exportMs.toFixed(0)} ms`);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
    await app.close();
  }
}

await main();
