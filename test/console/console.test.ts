/**
 * The console's sign-in and guards over HTTP (fastify inject, the real app on PGlite): a link
 * opens one session, the cookie is Secure and `__Host-` over https, a change needs the CSRF
 * token, roles come from the directory.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { desc, eq, inArray, like } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink, hashToken } from '../../bots/console/links.ts';
import { buildServer } from '../../bots/http/server.ts';
import { openDatabase } from '../../db/client.ts';
import { auditLog, consoleLinks, dealCorrections, deliveries, opportunities } from '../../db/schema/index.ts';
import { dm, makeDataDir, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let server: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp({ env: { PUBLIC_URL: 'https://sales.example.com' } });
  server = buildServer(t.app);
  await server.ready();
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

const link = async (personId: string) =>
  (await createConsoleLink(t.app.database.db, { personId, via: 'cli', now: t.clock.now(), baseUrl: 'https://sales.example.com' })).url.split('/').pop()!;

async function signIn(personId: string): Promise<{ cookie: string; csrf: string }> {
  const token = await link(personId);
  const res = await server.inject({
    method: 'POST',
    url: '/console/login',
    payload: `token=${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.statusCode, res.body).toBe(303);
  const set = String(res.headers['set-cookie']);
  const cookie = set.split(';')[0]!;
  const me = await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie } });
  return { cookie, csrf: me.json().csrfToken };
}

describe('console sign-in', () => {
  it('answers /console in chat with a link to PUBLIC_URL', async () => {
    await t.app.sink.message(dm('wangjing', '/console', t.clock.now()));
    await t.app.drain();
    const [reply] = await t.app.database.db.select().from(deliveries).where(like(deliveries.idempotencyKey, 'reply:%')).orderBy(desc(deliveries.createdAt));
    const text = reply!.message!.type === 'markdown' ? reply!.message!.text : '';
    expect(text).toMatch(/\(https:\/\/sales\.example\.com\/console\/login\/[A-Za-z0-9_-]{43}\)/);
    expect(text).toContain('10 分钟');
  });

  it('sets a Secure, HTTP-only, SameSite=Lax __Host- cookie over https and lands a manager on the dashboard', async () => {
    const token = await link('wangjing');
    const page = await server.inject({ method: 'GET', url: `/console/login/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const res = await server.inject({
      method: 'POST',
      url: '/console/login',
      payload: `token=${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/console');
    expect(String(res.headers['set-cookie'])).toMatch(/^__Host-dealwise_console=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/);
    const again = await server.inject({
      method: 'POST',
      url: '/console/login',
      payload: `token=${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(again.statusCode).toBe(410);
  });

  it('refuses an expired link', async () => {
    const token = await link('wangjing');
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    const page = await server.inject({ method: 'GET', url: `/console/login/${token}` });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('链接已过期');
  });

  it('asks to sign in without a session, in HTML and in JSON', async () => {
    expect((await server.inject({ method: 'GET', url: '/console/deals' })).statusCode).toBe(401);
    const api = await server.inject({ method: 'GET', url: '/v1/console/deals' });
    expect(api.statusCode).toBe(401);
    expect(api.json().error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a change from another origin or without the CSRF token; signs out with it', async () => {
    const { cookie, csrf } = await signIn('ops');
    const post = (payload: string, headers: Record<string, string> = {}) =>
      server.inject({ method: 'POST', url: '/console/logout', payload, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers } });
    expect((await post('')).statusCode).toBe(403);
    expect((await post(`_csrf=${csrf}`, { origin: 'https://evil.example', host: 'sales.example.com' })).statusCode).toBe(403);
    expect((await post(`_csrf=${csrf}`)).statusCode).toBe(200);
    expect((await server.inject({ method: 'GET', url: '/console', headers: { cookie } })).statusCode).toBe(401);
    const audit = await t.app.database.db.select().from(auditLog).where(eq(auditLog.personId, 'ops'));
    expect(audit.map((a) => a.action).sort()).toEqual(['session.end', 'session.start']);
  });

  it('ends a session 12 hours after sign-in', async () => {
    const { cookie } = await signIn('wangjing');
    expect((await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie } })).statusCode).toBe(200);
    t.clock.set(new Date(t.clock.now().getTime() + 12 * 3_600_000 + 1000));
    expect((await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('shows time in stage: the median days the deals in an open stage have stood in it', async () => {
    const now = t.clock.now();
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    await t.app.database.db.insert(opportunities).values([
      { id: 'opp-tis-1', name: '停留一', ownerId: 'lisi', stage: 'negotiation', stageAt: daysAgo(2), createdAt: daysAgo(9), updatedAt: daysAgo(2) },
      { id: 'opp-tis-2', name: '停留二', ownerId: 'lisi', stage: 'negotiation', stageAt: daysAgo(4), createdAt: daysAgo(9), updatedAt: daysAgo(4) },
      { id: 'opp-tis-3', name: '停留三', ownerId: 'lisi', stage: 'won', status: 'won', stageAt: daysAgo(30), createdAt: daysAgo(60), updatedAt: daysAgo(30) },
    ]);
    const { cookie } = await signIn('wangjing');
    const res = await server.inject({ method: 'GET', url: '/v1/console/dashboard?period=本月', headers: { cookie } });
    expect(res.statusCode, res.body).toBe(200);
    const stages = res.json().stages as Array<{ stage: string; deals: number; medianDaysInStage: number | null }>;
    expect(stages.find((s) => s.stage === 'negotiation')).toMatchObject({ deals: 2, medianDaysInStage: 3 });
    // A closed deal stays closed: no time in stage for won or lost.
    expect(stages.find((s) => s.stage === 'won')).toMatchObject({ deals: 1, medianDaysInStage: null });
    const page = await server.inject({ method: 'GET', url: '/console?period=本月', headers: { cookie } });
    expect(page.body).toMatch(/<tr data-stage="negotiation"><th>[^<]+<\/th><td class="num">2<\/td><td class="num">3 天<\/td><\/tr>/);
    await t.app.database.db.delete(opportunities).where(inArray(opportunities.id, ['opp-tis-1', 'opp-tis-2', 'opp-tis-3']));
  });

  it('follows the directory: an admin sees the dashboard of every team', async () => {
    const { cookie } = await signIn('ops');
    const res = await server.inject({ method: 'GET', url: '/v1/console/dashboard?period=本月', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(
      res
        .json()
        .teams.map((x: { id: string }) => x.id)
        .sort(),
    ).toEqual(['east', 'north']);
  });
});

describe('console dashboard filter', () => {
  it("refuses a team that is not the manager's (403) or not a team at all (400), naming it", async () => {
    const { cookie } = await signIn('wangjing');
    const get = (team: string) => server.inject({ method: 'GET', url: `/v1/console/dashboard?team=${team}`, headers: { cookie } });
    const north = await get('north');
    expect(north.statusCode, north.body).toBe(403);
    expect(north.json().error).toEqual({ code: 'FORBIDDEN', message: 'team: north is not a team you manage' });
    const unknown = await get('zzz');
    expect(unknown.statusCode, unknown.body).toBe(400);
    expect(unknown.json().error).toEqual({ code: 'BAD_REQUEST', message: 'team: no team zzz' });
    const own = await get('east');
    expect(own.statusCode).toBe(200);
    expect(own.json().teamId).toBe('east');
    // The page refuses it the same way.
    expect((await server.inject({ method: 'GET', url: '/console?team=zzz', headers: { cookie } })).statusCode).toBe(400);
  });
});

describe('console corrections', () => {
  it('refuses a blank name for a named deal as the chat does, changing nothing', async () => {
    const at = t.clock.now();
    await t.app.database.db
      .insert(opportunities)
      .values({ id: 'opp-blank', name: '华东医疗', ownerId: 'zhangsan', stage: 'proposal', stageAt: at, createdAt: at, updatedAt: at });
    const { cookie, csrf } = await signIn('wangjing');
    const res = await server.inject({
      method: 'PATCH',
      url: '/v1/console/deals/opp-blank',
      payload: { name: '  ', amount: '20万' },
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toEqual({ code: 'BAD_REQUEST', message: '新名字不能为空。' });
    const [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, 'opp-blank'));
    expect(deal).toMatchObject({ name: '华东医疗', amount: null });
  });

  it('takes the deal page sent back unchanged as no correction (an unnamed deal, an amount shown rounded)', async () => {
    const at = t.clock.now();
    await t.app.database.db
      .insert(opportunities)
      .values({ id: 'opp-round', name: null, ownerId: 'zhangsan', stage: 'proposal', stageAt: at, amount: 123_456, createdAt: at, updatedAt: at });
    const { cookie, csrf } = await signIn('wangjing');
    const page = await server.inject({ method: 'GET', url: '/console/deals/opp-round', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.body)?.[1];
    expect([field('name'), field('amount')]).toEqual(['', '12.35万']);
    const same = await server.inject({
      method: 'POST',
      url: '/console/deals/opp-round',
      payload: new URLSearchParams({ _csrf: csrf, name: '', amount: '12.35万', stage: 'proposal', owner: 'zhangsan' }).toString(),
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(same.statusCode).toBe(303);
    expect(same.headers.location).toBe('/console/deals/opp-round?saved=0');
    expect(await t.app.database.db.select().from(dealCorrections).where(eq(dealCorrections.opportunityId, 'opp-round'))).toEqual([]);
    // One refused field (an owner who is not a rep) rolls back the whole request.
    const patch = (payload: Record<string, string>) =>
      server.inject({ method: 'PATCH', url: '/v1/console/deals/opp-round', payload, headers: { cookie, 'x-csrf-token': csrf } });
    const refused = await patch({ amount: '20万', owner: '不存在的人' });
    expect(refused.statusCode, refused.body).toBe(400);
    const [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, 'opp-round'));
    expect(deal).toMatchObject({ amount: 123_456, ownerId: 'zhangsan' });
    // Another team's rep is out of the manager's reach: a cross-team hand-over is an admin's call.
    const across = await patch({ amount: '20万', owner: 'zhaomin' });
    expect(across.statusCode, across.body).toBe(403);
    expect(across.json().error.message).toContain('跨团队移交请找管理员');
    const handed = await patch({ amount: '20万', owner: 'lisi' });
    expect(handed.statusCode, handed.body).toBe(200);
    expect(handed.json()).toMatchObject({
      applied: [
        { field: 'amount', after: 200_000 },
        { field: 'owner', before: 'zhangsan', after: 'lisi' },
      ],
    });
    const admin = await signIn('ops');
    const moved = await server.inject({
      method: 'PATCH',
      url: '/v1/console/deals/opp-round',
      payload: { owner: 'zhaomin' },
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    const [after] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, 'opp-round'));
    expect(after).toMatchObject({ amount: 200_000, ownerId: 'zhaomin' });
  });
});

describe('dealwise console-link', () => {
  it('prints a link for the first admin and keeps only its hash', { timeout: 180_000 }, async () => {
    const dir = await makeDataDir();
    try {
      const env = { ...process.env, DATA_DIR: dir, PUBLIC_URL: 'https://sales.example.com', LOG_LEVEL: 'silent' };
      const { stdout } = await promisify(execFile)(process.execPath, ['bin/dealwise.js', 'console-link', '陈运营'], { env });
      expect(stdout).toMatch(/^https:\/\/sales\.example\.com\/console\/login\/[A-Za-z0-9_-]{43}\n$/);
      const token = stdout.trim().split('/').pop()!;
      const database = await openDatabase({ dataDir: dir, migrate: false });
      try {
        const rows = await database.db.select().from(consoleLinks);
        expect(rows).toEqual([expect.objectContaining({ tokenHash: hashToken(token), personId: 'ops', via: 'cli', usedAt: null })]);
      } finally {
        await database.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
