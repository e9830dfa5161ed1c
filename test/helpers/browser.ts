/**
 * What every browser test shares: Debian's Chromium driven by playwright-core (no browser
 * downloads work here), headless and without the sandbox (CI runs as root), a free loopback
 * port, and the app serving on it.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { buildServer } from '../../bots/http/server.ts';
import { startTestApp, type TestApp } from './app.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The app under test on a free loopback port, its HTTP server listening, and Chromium to drive it. */
export interface BrowserStack {
  t: TestApp;
  server: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  base: string;
  browser: Browser;
  /** Closes the browser, the server and the app, and removes the app's data folder. */
  close(): Promise<void>;
}

/** What every console browser test starts from; `env` may name the base URL (`PUBLIC_URL`, say). */
export async function startBrowserStack(opts: { start: Date; env?: (base: string) => Record<string, string> }): Promise<BrowserStack> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ start: opts.start, env: { HOST: '127.0.0.1', PORT: String(port), ...opts.env?.(base) } });
  const server = buildServer(t.app);
  await server.listen({ host: '127.0.0.1', port });
  const browser = await launchChromium();
  return {
    t,
    server,
    base,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
      await t.cleanup();
    },
  };
}
