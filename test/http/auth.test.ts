/**
 * Who may call /v1: scoped tokens (ingest, read, admin), the older API_TOKEN as admin, no token
 * only for direct requests on loopback, a public HOST without a token refused at start, the local
 * adapter off unless enabled, the outbox paged and filtered. The real app on PGlite, through
 * fastify's inject.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeExposure, isLoopback } from '../../bots/http/auth.ts';
import { buildServer } from '../../bots/http/server.ts';
import { loadConfig } from '../../core/config.ts';
import type { AppError } from '../../core/errors.ts';
import { REDACT_PATHS } from '../../core/logger.ts';
import { newId } from '../../core/ids.ts';
import { deliveries, messages, nudges } from '../../db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const INGEST = 'ingest-token-0123456789';
const READ = 'read-token-0123456789ab';
const ADMIN = 'admin-token-0123456789a';
const LEGACY = 'legacy-admin-token-xyz';
const METRICS = 'metrics-token-0123456789';
const TOKENS = `ingest:${INGEST},read:${READ},admin:${ADMIN},metrics:${METRICS}`;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const customer = (id: string, extra: Record<string, unknown> = {}) => ({
  platform: 'local',
  messageId: id,
  conversationId: 'c-auth',
  chatType: 'group',
  senderId: 'cust-9',
  text: '你们的报价什么时候发？',
  sentAt: '2026-11-27T10:00:00+08:00',
  ...extra,
});

function configError(env: Record<string, string>): AppError {
  try {
    loadConfig(env);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('loadConfig did not fail');
}

describe('exposure and token configuration', () => {
  it('tells loopback hosts from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '', '127.example.com']) expect(isLoopback(h), h).toBe(false);
  });

  it('refuses a public HOST with no API token, naming the variable', () => {
    const config = loadConfig({ HOST: '0.0.0.0' });
    expect(() => assertSafeExposure(config)).toThrow(/API_TOKENS: required when HOST \(0\.0\.0\.0\) is not a loopback address/);
    try {
      assertSafeExposure(config);
    } catch (err) {
      expect((err as AppError).code).toBe('CONFIG_INVALID');
    }
    expect(() => assertSafeExposure(loadConfig({ HOST: '0.0.0.0', API_TOKENS: `admin:${ADMIN}` }))).not.toThrow();
    expect(() => assertSafeExposure(loadConfig({ HOST: '0.0.0.0', API_TOKEN: LEGACY }))).not.toThrow();
    expect(() => assertSafeExposure(loadConfig({}))).not.toThrow();
  });

  it('npm start and npm run worker both exit at start on a public HOST with no token, before opening anything', async () => {
    const repo = new URL('../../', import.meta.url).pathname;
    // An unreachable database and Redis: the refusal must come before either is tried.
    const env = {
      ...process.env,
      HOST: '0.0.0.0',
      API_TOKEN: '',
      API_TOKENS: '',
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1',
    };
    // Both at once: each loads the whole app before it runs, which takes a while on a busy machine.
    await Promise.all(
      ['bots/main.ts', 'bots/worker.ts'].map(async (entry) => {
        const err = (await promisify(execFile)(process.execPath, ['--import', 'tsx', entry], { cwd: repo, env, timeout: 110_000 }).then(
          () => null,
          (e: unknown) => e,
        )) as { code: number; stderr: string } | null;
        expect(err, entry).not.toBeNull();
        // 2, as for a bad variable: every configuration refusal ends the process alike.
        expect(err!.code, entry).toBe(2);
        expect(err!.stderr, entry).toMatch(
          /^dealwise(-worker)? failed to start: CONFIG_INVALID: API_TOKENS: required when HOST \(0\.0\.0\.0\) is not a loopback address/,
        );
      }),
    );
  }, 120_000);

  it('reads scoped tokens, and names a bad entry without echoing any token', () => {
    const c = loadConfig({ API_TOKENS: ` ingest:${INGEST} , read+ingest:${READ},admin:${ADMIN}` });
    expect(c.API_TOKENS).toEqual([
      { scopes: ['ingest'], token: INGEST },
      { scopes: ['read', 'ingest'], token: READ },
      { scopes: ['admin'], token: ADMIN },
    ]);
    for (const [value, reason] of [
      [`write:${INGEST}`, /entry 1: expected scope\[\+scope\]:token/],
      [INGEST, /entry 1: expected scope/],
      [`read:${READ},admin:short`, /entry 2: a token needs at least 16/],
      [`read:${READ},admin:${READ}`, /entry 2: the same token is listed twice/],
      ['admin:has a space in it ok', /entry 1: a token needs/],
    ] as const) {
      const e = configError({ API_TOKENS: value });
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toMatch(/API_TOKENS/);
      expect(e.message).toMatch(reason);
      for (const t of [INGEST, READ, 'short']) expect(e.message).not.toContain(t);
    }
  });

  it('never logs a token: the config and an Authorization header are redacted', () => {
    const lines: string[] = [];
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (l: string) => void lines.push(l) });
    const config = loadConfig({ API_TOKENS: TOKENS, API_TOKEN: LEGACY });
    log.info({ config }, 'config');
    log.info({ req: { headers: { authorization: `Bearer ${ADMIN}` } } }, 'request');
    log.info({ headers: { authorization: `Bearer ${ADMIN}` } }, 'headers');
    const all = lines.join('\n');
    for (const t of [INGEST, READ, ADMIN, LEGACY]) expect(all).not.toContain(t);
  });
});

describe('scoped tokens on /v1', () => {
  let t: TestApp;
  let server: FastifyInstance;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-27T10:00:00+08:00'), env: { API_TOKENS: TOKENS, API_TOKEN: LEGACY } });
    server = buildServer(t.app);
  });
  afterAll(async () => {
    await server.close();
    await t.cleanup();
  });

  const post = (url: string, payload: unknown, token?: string) =>
    server.inject({ method: 'POST', url, payload: payload as object, headers: token ? bearer(token) : {} });
  const get = (url: string, token?: string) => server.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

  it('answers 401 with a Bearer challenge to a missing or wrong token, and never echoes it', async () => {
    for (const headers of [{}, bearer('not-a-real-token-at-all'), { authorization: `Basic ${ADMIN}` }, bearer(`${ADMIN}x`)]) {
      const res = await server.inject({ method: 'GET', url: '/v1/outbox', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(res.body).not.toContain(ADMIN);
    }
    expect((await get('/healthz')).statusCode).toBe(200);
  });

  it('an ingest token posts customer and rep messages and archive records, nothing else', async () => {
    expect((await post('/v1/messages', customer('a-1'), INGEST)).statusCode).toBe(200);
    expect((await post('/v1/messages', customer('a-2', { senderId: 'zhangsan', text: '报价单今天发您' }), INGEST)).statusCode).toBe(200);
    const archive = await post('/v1/wecom/archive', [{ msgid: 'x-1', action: 'recall' }], INGEST);
    expect(archive.statusCode).toBe(200);

    // A message to the bot acts as its sender (here the admin asking for every team's report).
    const command = customer('a-3', { conversationId: 'dm-ops', chatType: 'single', direct: true, senderId: 'ops', text: '/team 本月' });
    const refused = await post('/v1/messages', command, INGEST);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/admin scope \(a message to the bot acts as its sender\)/);
    const inBatch = await post('/v1/messages', [customer('a-4'), command], INGEST);
    expect(inBatch.statusCode).toBe(403);
    expect(inBatch.json().error.message).toMatch(/message 1: a message to the bot/);

    for (const [method, url] of [
      ['GET', '/v1/outbox'],
      ['GET', '/v1/deals'],
      ['POST', '/v1/feedback'],
      ['POST', '/v1/confirmations'],
      ['PATCH', '/v1/deals/d-1'],
      ['GET', '/v1/documents/00000000-0000-4000-8000-000000000000'],
      ['PATCH', '/v1/documents/00000000-0000-4000-8000-000000000000/labels'],
    ] as const) {
      const res = await server.inject({ method, url, headers: bearer(INGEST), payload: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    const [n] = await t.app.database.db.select({ id: messages.id }).from(messages).where(eq(messages.platformMessageId, 'a-3'));
    expect(n).toBeUndefined();
  });

  it('a read token reads the outbox, deals and documents, and posts nothing', async () => {
    expect((await get('/v1/outbox', READ)).statusCode).toBe(200);
    expect((await get('/v1/deals', READ)).statusCode).toBe(200);
    expect((await get('/v1/deals?stage=won', READ)).statusCode).toBe(200);
    // A stage the funnel does not have is a 400 naming it, as in the console's list.
    const nonsense = await get('/v1/deals?stage=nonsense', READ);
    expect(nonsense.statusCode).toBe(400);
    expect(nonsense.json().error.message).toMatch(/^stage: /);
    expect((await get('/v1/documents/00000000-0000-4000-8000-000000000000', READ)).statusCode).toBe(404);
    expect((await post('/v1/messages', customer('r-1'), READ)).statusCode).toBe(403);
    expect((await post('/v1/wecom/archive', [{ msgid: 'x-2', action: 'recall' }], READ)).statusCode).toBe(403);
    const fb = await post('/v1/feedback', { platform: 'local', nudgeId: 'n-1', senderId: 'zhangsan', value: 'useful' }, READ);
    expect(fb.statusCode).toBe(403);
  });

  it('/metrics needs a metrics, read or admin token; /healthz and /readyz stay open for probes', async () => {
    for (const headers of [{}, bearer('not-a-real-token-at-all')]) {
      const res = await server.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(res.body).not.toContain('dealwise_');
    }
    const ingest = await get('/metrics', INGEST);
    expect(ingest.statusCode).toBe(403);
    expect(ingest.json().error.message).toMatch(/lacks the metrics scope/);
    for (const token of [METRICS, READ, ADMIN, LEGACY]) {
      const res = await get('/metrics', token);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('dealwise_');
    }
    // The metrics token reads nothing else.
    expect((await get('/v1/outbox', METRICS)).statusCode).toBe(403);
    expect((await get('/v1/deals', METRICS)).statusCode).toBe(403);
    expect((await get('/healthz')).statusCode).toBe(200);
    expect((await get('/readyz')).statusCode).toBe(200);
  });

  it('an admin token (or the older API_TOKEN) may act as a person', async () => {
    for (const [i, token] of [ADMIN, LEGACY].entries()) {
      const command = customer(`adm-${i}`, { conversationId: 'dm-ops', chatType: 'single', direct: true, senderId: 'ops', text: '/help' });
      const res = await post('/v1/messages', command, token);
      expect(res.statusCode).toBe(200);
      expect(res.json().results[0].status).toBe('stored');
      expect((await get('/v1/outbox', token)).statusCode).toBe(200);
      // Past the scope check: the nudge does not exist, so the press is refused as such.
      const fb = await post('/v1/feedback', { platform: 'local', nudgeId: 'n-1', senderId: 'zhangsan', value: 'useful' }, token);
      expect(fb.statusCode).toBe(403);
      expect(fb.json().error.message).toMatch(/no such nudge/);
    }
  });
});

describe('no token configured', () => {
  // One app for the describe: TRUST_PROXY, API_TOKENS and HOST act only in buildServer (the
  // server reads them from app.config), so each case builds its server on this app with its own
  // config, parsed by loadConfig as at start; starting an app per case cost a second or more each.
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 120_000);
  afterAll(() => t.cleanup());
  const withEnv = (env: Record<string, string>) => ({
    ...t.app,
    config: loadConfig({ DATA_DIR: t.dataDir, LOG_LEVEL: 'silent', LOCAL_ADAPTER: 'true', ...env }),
  });

  it('answers only direct requests on loopback, not ones relayed by a proxy', async () => {
    const server = buildServer(t.app);
    try {
      expect((await server.inject({ method: 'GET', url: '/v1/outbox' })).statusCode).toBe(200);
      for (const headers of [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.7' }, { 'x-real-ip': '203.0.113.7' }]) {
        const res = await server.inject({ method: 'GET', url: '/v1/outbox', headers });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.message).toMatch(/set API_TOKENS/);
      }
      const remote = await server.inject({ method: 'GET', url: '/v1/outbox', remoteAddress: '203.0.113.7' });
      expect(remote.statusCode).toBe(401);
      // /metrics keeps the same rule: open on loopback, not to another machine or through a proxy.
      expect((await server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await server.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7' })).statusCode).toBe(401);
      expect((await server.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7' } })).statusCode).toBe(401);
      expect((await server.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
      const doc = await server.inject({ method: 'GET', url: '/v1/documents/00000000-0000-4000-8000-000000000000', remoteAddress: '203.0.113.7' });
      expect(doc.statusCode).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('believes X-Forwarded-For only from the proxies named in TRUST_PROXY', async () => {
    for (const [trust, expected] of [
      [undefined, '127.0.0.1'],
      ['loopback', '203.0.113.9'],
      ['10.0.0.0/8', '127.0.0.1'],
    ] as const) {
      const server = buildServer(trust ? withEnv({ TRUST_PROXY: trust, API_TOKENS: `read:${READ}` }) : t.app);
      server.get('/whoami', async (req) => req.ip);
      try {
        const res = await server.inject({ method: 'GET', url: '/whoami', headers: { 'x-forwarded-for': '203.0.113.9' } });
        expect(res.body, String(trust)).toBe(expected);
      } finally {
        await server.close();
      }
    }
  });

  it('buildServer refuses a public HOST without a token', async () => {
    expect(() => buildServer(withEnv({ HOST: '0.0.0.0' }))).toThrow(/API_TOKENS: required/);
  });
});

describe('the local adapter', () => {
  it('is off unless LOCAL_ADAPTER is set: local messages and presses refused, no outbox, platform messages still taken', async () => {
    const t = await startTestApp({ env: { LOCAL_ADAPTER: 'false' } });
    const server = buildServer(t.app);
    try {
      const res = await server.inject({ method: 'POST', url: '/v1/messages', payload: customer('l-1') });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({ code: 'UNKNOWN_PLATFORM', message: 'platform local: the local adapter is off (LOCAL_ADAPTER)' });
      const wecom = await server.inject({ method: 'POST', url: '/v1/messages', payload: customer('l-2', { platform: 'wecom' }) });
      expect(wecom.statusCode).toBe(200);
      expect((await server.inject({ method: 'GET', url: '/v1/outbox' })).statusCode).toBe(404);
      expect(t.app.adapters.senders.has('local')).toBe(false);
      expect(t.app.adapters.sendPlatforms).not.toContain('local');
      // The sink refuses it whatever brings it.
      const direct = await t.app.sink.message({
        ...customer('l-3'),
        platform: 'local',
        chatType: 'group',
        direct: false,
        kind: 'text',
        attachments: [],
        sentAt: t.clock.now(),
      });
      expect(direct).toEqual({ status: 'refused', reason: 'platform local: the local adapter is off' });
      const press = await t.app.sink.press({ platform: 'local', senderId: 'zhangsan', action: { kind: 'feedback', nudgeId: 'n', value: 'useful' } });
      expect(press.status).toBe('refused');
    } finally {
      await server.close();
      await t.cleanup();
    }
  });
});

describe('GET /v1/outbox', () => {
  let t: TestApp;
  let server: FastifyInstance;
  beforeAll(async () => {
    t = await startTestApp({ env: { API_TOKENS: `read:${READ}` } });
    server = buildServer(t.app);
    // Seven sent messages: to zhangsan about c-1 (three nudges), to lisi about c-2, into c-1's
    // chat, one pending (not sent yet) and one sent on another platform.
    const db = t.app.database.db;
    const at = (min: number) => new Date(Date.UTC(2026, 10, 27, 2, min));
    const nudge = async (person: string, conv: string) => {
      const id = newId();
      await db
        .insert(nudges)
        .values({ id, idempotencyKey: id, personId: person, conversationId: `local:${conv}`, ruleId: 'r', title: 't', body: 'b', createdAt: at(0) });
      return id;
    };
    const rows = [
      { nudgeId: await nudge('zhangsan', 'c-1'), to: { personId: 'zhangsan' }, sentAt: at(1) },
      { nudgeId: await nudge('zhangsan', 'c-1'), to: { personId: 'zhangsan' }, sentAt: at(2) },
      { nudgeId: await nudge('lisi', 'c-2'), to: { personId: 'lisi' }, sentAt: at(2) },
      { nudgeId: null, to: { conversationId: 'local:c-1' }, sentAt: at(3) },
      { nudgeId: await nudge('zhangsan', 'c-1'), to: { personId: 'zhangsan' }, sentAt: at(4) },
      { nudgeId: null, to: { personId: 'zhangsan' }, sentAt: null, status: 'pending' },
      { nudgeId: null, to: { personId: 'zhangsan' }, sentAt: at(5), platform: 'wecom' },
    ];
    await db.insert(deliveries).values(
      rows.map((r, i) => ({
        id: `d-${i}`,
        idempotencyKey: `k-${i}`,
        nudgeId: r.nudgeId,
        platform: (r.platform ?? 'local') as 'local',
        to: r.to,
        message: { type: 'text' as const, text: `message ${i}` },
        status: (r.status ?? 'sent') as 'sent',
        createdAt: at(0),
        sentAt: r.sentAt,
      })),
    );
  });
  afterAll(async () => {
    await server.close();
    await t.cleanup();
  });

  const page = async (query: string) => {
    const res = await server.inject({ method: 'GET', url: `/v1/outbox${query}`, headers: bearer(READ) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Array<{ id: string }>; next: string | null };
  };

  it('pages oldest first with a cursor until the end', async () => {
    const ids: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const p = await page(`?limit=2${next ? `&after=${next}` : ''}`);
      ids.push(...p.items.map((i) => i.id));
      next = p.next;
      pages++;
    } while (next && pages < 10);
    expect(ids).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4']);
  });

  it('filters by recipient and by conversation', async () => {
    expect((await page('?personId=zhangsan')).items.map((i) => i.id)).toEqual(['d-0', 'd-1', 'd-4']);
    expect((await page('?personId=lisi')).items.map((i) => i.id)).toEqual(['d-2']);
    expect((await page('?conversationId=c-1')).items.map((i) => i.id)).toEqual(['d-0', 'd-1', 'd-3', 'd-4']);
    expect((await page('?conversationId=c-2&personId=zhangsan')).items).toEqual([]);
  });

  it('refuses a bad limit, a forged cursor and unknown filters with a 400', async () => {
    for (const q of ['?limit=0', '?limit=201', '?after=bm9wZQ', '?to=zhangsan', '?limit=abc']) {
      const res = await server.inject({ method: 'GET', url: `/v1/outbox${q}`, headers: bearer(READ) });
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBe('BAD_REQUEST');
    }
  });
});
