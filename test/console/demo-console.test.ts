/**
 * `npm run demo`'s end: the demo itself (runDemo, not a copy of it) in its non-terminal mode
 * prints the console's address and a one-time sign-in link; the link is followed over HTTP
 * while the demo's console is up: it signs 王静 in once, the demo's deals are there to browse,
 * and a second use is refused. Then the demo ends on its own and its port is closed. The port it
 * is asked for is taken: every link it prints names the port it serves instead.
 */
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DemoConsole } from '../../bots/demo/console.ts';
import { runDemo } from '../../bots/demo.ts';
import { makeDataDir } from '../helpers/app.ts';

const printed: string[] = [];
const saved = { PORT: process.env.PORT, HOST: process.env.HOST, PUBLIC_URL: process.env.PUBLIC_URL };
// The port the demo is asked for, held here, as another dealwise on 3000 would hold it.
const taken = createServer();

beforeAll(async () => {
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
  process.env.PORT = String((taken.address() as AddressInfo).port);
  process.env.HOST = '127.0.0.1';
  delete process.env.PUBLIC_URL;
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.join(' '));
  });
});
afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  vi.restoreAllMocks();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('npm run demo, not on a terminal', () => {
  it('prints the console and a sign-in link that works while it runs, then exits', async () => {
    let seen: DemoConsole | null = null;
    const checks: Record<string, unknown> = {};
    await runDemo({
      serve: false,
      dataDir: await makeDataDir(),
      onConsole: async (c) => {
        seen = c;
        const login = await fetch(c.link);
        checks.loginPage = login.status;
        const token = c.link.split('/').pop();
        const post = await fetch(`${new URL(c.link).origin}/console/login`, {
          method: 'POST',
          body: `token=${token}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          redirect: 'manual',
        });
        checks.signIn = post.status;
        checks.landing = post.headers.get('location');
        const cookie = post.headers.get('set-cookie')?.split(';')[0] ?? '';
        const deals = await fetch(`${new URL(c.link).origin}/console/deals`, { headers: { cookie } });
        checks.deals = deals.status;
        checks.dealsBody = await deals.text();
        const dashboard = await fetch(c.url, { headers: { cookie } });
        checks.dashboard = dashboard.status;
        checks.simulator = (await fetch(`${c.url}/simulator`, { headers: { cookie } })).status;
        checks.again = (
          await fetch(`${new URL(c.link).origin}/console/login`, {
            method: 'POST',
            body: `token=${token}`,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            redirect: 'manual',
          })
        ).status;
      },
    });
    const out = printed.join('\n');
    const c = seen as DemoConsole | null;
    expect(c).not.toBeNull();
    expect(c!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console$/);
    expect(c!.link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/login\/[A-Za-z0-9_-]{43}$/);
    // What a newcomer reads: the address and the link, after the demo's own report.
    expect(out).toContain('━━ Nudges the reps received');
    expect(out.indexOf('━━ Console ━━')).toBeGreaterThan(out.indexOf('━━ Nudges the reps received'));
    expect(out).toContain(`  ${c!.url}`);
    expect(out).toContain(`  ${c!.link}`);
    expect(out).toContain('--serve');
    // The port asked for was taken: the demo said so, and every link it printed, the replay's
    // tracked document links too, names the port it served instead.
    const served = new URL(c!.url).port;
    expect(served).not.toBe(process.env.PORT);
    expect(out).toContain(`(port ${process.env.PORT} is taken; the console uses a free port instead)`);
    const links = [...out.matchAll(/https?:\/\/[^\s/]+\/\S*/g)].map((m) => m[0]);
    expect(links.filter((l) => l.includes('/d/')).length).toBeGreaterThan(0);
    for (const l of links) expect(l, l).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${served}/`));

    expect(checks).toMatchObject({ loginPage: 200, signIn: 303, landing: '/console', deals: 200, dashboard: 200, simulator: 200, again: 410 });
    // The demo's data is there to browse: its six customers' deals.
    for (const name of ['华东医疗', '恒锐精密']) expect(checks.dealsBody).toContain(name);
    // The demo has ended: nothing listens on its port any more.
    await expect(fetch(c!.url)).rejects.toThrow();
  }, 300_000);
});
