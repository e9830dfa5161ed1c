/**
 * The web console on dealwise's HTTP server, as one fastify plugin: server-rendered pages under
 * /console (sign-in by one-time link, dashboard, deals, a deal with its correction form, sign-out)
 * and the JSON the pages and other readers use under /v1/console. Every request is authorized from
 * its session cookie and the directory's current role; every change needs the session's CSRF
 * token and is written to the audit log.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { InboundSink } from '../../adapters/types.ts';
import type { Config } from '../../core/config.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { consoleLinkByHash } from '../../db/queries/console.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { ApiAuth } from '../http/auth.ts';
import { fastifyRefusal } from '../http/fastify-errors.ts';
import { parsePeriod } from '../reports/period.ts';
import { tokenViewing, wantsToken } from './api-token.ts';
import { correctFromConsole } from './corrections.ts';
import { registerDataRoutes } from './data-routes.ts';
import { dealListQueryFor } from './filters.ts';
import { dashboard } from './dashboard.ts';
import type { DocumentStorage } from '../documents/storage.ts';
import { registerKnowledge } from './knowledge/routes.ts';
import { consoleDeal, listConsoleDeals } from './deals.ts';
import { CONSOLE_CSP, type ConsoleAssets, messagePage } from './html.ts';
import { consoleBaseUrl, hashToken } from './links.ts';
import { dashboardPage, dealPage, dealsPage, PERIOD_CHOICES, type PageContext, signInPage } from './pages.ts';
import { clearSessionCookie, cookieSettings, csrfOk, sameOrigin, setSessionCookie, signIn, signOut, type Viewing, viewing } from './session.ts';
import { SESSION_TTL_MS } from './links.ts';
import { createDeliveryFeed } from './simulator/feed.ts';
import { registerSimulator } from './simulator/routes.ts';
import { StreamRegistry } from './simulator/stream.ts';

export interface ConsoleDeps {
  db: Db;
  catalog: { readonly current: Catalog };
  config: Pick<Config, 'TIMEZONE' | 'PUBLIC_URL' | 'HOST' | 'PORT' | 'WORK_START' | 'WORK_END' | 'WORK_DAYS' | 'BREAKPOINT_MIN_DEALS'>;
  now: () => Date;
  /** Where the knowledge admin's library material goes (the documents storage). */
  storage?: DocumentStorage;
  /** The simulator's way in: the local adapter's sink, null when LOCAL_ADAPTER is off. */
  simulator?: { sink: Pick<InboundSink, 'message'> | null; pollMs?: number };
  /** Lets a read-scoped API token call /v1/console/* (bots/console/api-token.ts); none: cookie only. */
  auth?: ApiAuth;
}

const require = createRequire(import.meta.url);
const ECHARTS_ROOT = dirname(require.resolve('echarts/package.json'));
const ECHARTS_VERSION = (JSON.parse(readFileSync(join(ECHARTS_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ASSET_DIR = fileURLToPath(new URL('./assets/', import.meta.url));
const IMMUTABLE = 'public, max-age=31536000, immutable';

const dashQuery = z.object({ team: z.string().max(64).optional(), period: z.enum(PERIOD_CHOICES).default('本周') }).strict();
const correction = z
  .object({
    stage: z.string().max(64).optional(),
    // Any number: the correction's one rule for amounts (amountFromWords) refuses it in the chat's words.
    amount: z.union([z.number().transform(String), z.string().max(40)]).optional(),
    name: z.string().max(100).optional(),
    owner: z.string().max(64).optional(),
    _csrf: z.string().max(100).optional(),
  })
  .strict();
const idParam = z.object({ id: z.string().min(1).max(64) });

const bad = (e: z.ZodError) => new AppError('BAD_REQUEST', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
const blank = (o: Record<string, string | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
const FIELD_LABELS: Record<string, string> = { stage: '阶段', amount: '金额', name: '名称', owner: '负责人' };

function hashedAsset(file: string): { body: Buffer; url: string } {
  const body = readFileSync(join(ASSET_DIR, file));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const [base, ext] = file.split('.');
  return { body, url: `/console/assets/${base}.${hash}.${ext}` };
}

export function registerConsole(server: FastifyInstance, deps: ConsoleDeps): void {
  const cookie = cookieSettings(consoleBaseUrl(deps.config));
  const tz = deps.config.TIMEZONE;
  const analyticsOptions = () => ({
    now: deps.now(),
    timeZone: tz,
    wh: { timeZone: tz, start: deps.config.WORK_START, end: deps.config.WORK_END, days: deps.config.WORK_DAYS },
    minDeals: deps.config.BREAKPOINT_MIN_DEALS,
  });
  /** The dashboard as the page and its JSON both show it. */
  const dashboardFor = (v: Viewing, q: z.infer<typeof dashQuery>) =>
    dashboard(deps.db, deps.catalog.current, v.person, {
      ...(q.team ? { teamId: q.team } : {}),
      period: parsePeriod(q.period, deps.now(), tz),
      now: deps.now(),
      timeZone: tz,
      analytics: analyticsOptions(),
    });
  const style = hashedAsset('console.css');
  const script = hashedAsset('console.js');
  const echartsUrl = `/console/assets/echarts/${ECHARTS_VERSION}/echarts.min.js`; // the full build: the common one has no heatmap
  const assets: ConsoleAssets = { style: style.url, script: script.url, echarts: echartsUrl };
  // The simulator's streams end before the server waits for its connections, so shutdown never hangs.
  const streams = new StreamRegistry();
  const feed = createDeliveryFeed({ db: deps.db, intervalMs: deps.simulator?.pollMs ?? 500, log: server.log });
  server.addHook('preClose', async () => {
    streams.closeAll();
    feed.stop();
  });

  server.register(async (c) => {
    c.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    c.decorateRequest('viewing', null);

    const isApi = (req: FastifyRequest) => req.url.startsWith('/v1/');
    c.setErrorHandler((err, req, reply) => {
      const refusal = fastifyRefusal(err, req);
      const e = refusal?.error ?? toAppError(err);
      const status = refusal?.status ?? e.httpStatus;
      if (e.httpStatus >= 500) req.log.error({ err: e, url: req.routeOptions.url }, 'console request failed');
      const message = e.httpStatus >= 500 ? 'internal error' : e.message;
      if (isApi(req)) return reply.status(status).send({ error: { code: e.code, message } });
      const v = (req as FastifyRequest & { viewing: Viewing | null }).viewing;
      const title = e.code === 'FORBIDDEN' ? '没有权限' : e.code === 'NOT_FOUND' ? '找不到页面' : e.code === 'UNAUTHORIZED' ? '请先登录' : '出错了';
      return reply
        .status(status)
        .type('text/html; charset=utf-8')
        .send(messagePage(assets, title, message, v ? { viewer: { person: v.person, csrf: v.session.csrfToken }, state: e.code } : { state: e.code }));
    });

    c.addHook('onSend', async (req, reply) => {
      reply.header('cache-control', reply.getHeader('cache-control') ?? 'no-store');
      if (!isApi(req)) {
        reply.header('content-security-policy', CONSOLE_CSP);
        reply.header('x-content-type-options', 'nosniff');
        // Same-origin: our own forms then carry an Origin; no address (a sign-in link's token) leaves.
        reply.header('referrer-policy', 'same-origin');
      }
    });

    // Who is asking, for every route but the assets and the sign-in; changes also need the CSRF token.
    c.addHook('preHandler', async (req) => {
      const url = req.routeOptions.url ?? '';
      if (url.startsWith('/console/assets/')) return;
      const change = req.method !== 'GET' && req.method !== 'HEAD';
      if (change && !sameOrigin(req)) throw new AppError('FORBIDDEN', '请求来源不对，已拒绝。');
      if (url.startsWith('/console/login')) return;
      if (deps.auth && wantsToken(req)) {
        (req as FastifyRequest & { viewing: Viewing | null }).viewing = tokenViewing(deps.auth, req, deps.now());
        return;
      }
      const v = await viewing(deps.db, deps.catalog.current, cookie, req, deps.now());
      if (!v) throw new AppError('UNAUTHORIZED', '请在聊天中向机器人发送 /console（或「控制台」）获取登录链接。');
      (req as FastifyRequest & { viewing: Viewing | null }).viewing = v;
      if (change && !csrfOk(req, v.session)) throw new AppError('FORBIDDEN', '缺少或错误的 CSRF 令牌，请刷新页面后重试。');
    });
    const who = (req: FastifyRequest): Viewing => (req as FastifyRequest & { viewing: Viewing }).viewing;
    const ctx = (v: Viewing): PageContext => ({
      assets,
      catalog: deps.catalog.current,
      viewer: { person: v.person, csrf: v.session.csrfToken },
      timeZone: tz,
      now: deps.now(),
    });
    const html = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').send(body);
    const simulator = registerSimulator(
      c,
      { db: deps.db, catalog: deps.catalog, now: deps.now, timeZone: tz, sink: deps.simulator?.sink ?? null, feed, streams },
      { who, ctx, html },
    );

    // ---- assets ----
    c.get(style.url, async (_req, reply) => reply.header('cache-control', IMMUTABLE).type('text/css; charset=utf-8').send(style.body));
    c.get(script.url, async (_req, reply) => reply.header('cache-control', IMMUTABLE).type('text/javascript; charset=utf-8').send(script.body));
    c.get(echartsUrl, async (_req, reply) =>
      reply
        .header('cache-control', IMMUTABLE)
        .type('text/javascript; charset=utf-8')
        .send(createReadStream(join(ECHARTS_ROOT, 'dist/echarts.min.js'))),
    );

    // ---- sign-in and sign-out ----
    c.get('/console/login/:token', async (req, reply) => {
      const token = (req.params as { token: string }).token;
      const link = token.length <= 100 ? await consoleLinkByHash(deps.db, hashToken(token)) : null;
      const now = deps.now();
      if (!link) return html(reply, messagePage(assets, '链接无效', '找不到这个登录链接。请在聊天中重新发送 /console。', { state: 'unknown' }), 404);
      if (link.usedAt)
        return html(
          reply,
          messagePage(assets, '链接已使用', '这个登录链接已经用过了，每个链接只能用一次。请在聊天中重新发送 /console。', { state: 'used' }),
          410,
        );
      if (link.expiresAt <= now)
        return html(reply, messagePage(assets, '链接已过期', '登录链接 10 分钟内有效。请在聊天中重新发送 /console。', { state: 'expired' }), 410);
      const person = deps.catalog.current.person(link.personId);
      if (!person?.active) return html(reply, messagePage(assets, '无法登录', '你不在组织名单中或已停用。', { state: 'inactive' }), 403);
      return html(reply, signInPage(assets, token, person.name));
    });

    c.post('/console/login', async (req, reply) => {
      const token = (req.body as { token?: unknown } | undefined)?.token;
      const done = typeof token === 'string' && token.length <= 100 ? await signIn(deps.db, deps.catalog.current, token, deps.now()) : null;
      if (!done)
        return html(reply, messagePage(assets, '链接已失效', '这个登录链接已使用、已过期或无效。请在聊天中重新发送 /console。', { state: 'refused' }), 410);
      setSessionCookie(reply, cookie, done.token, SESSION_TTL_MS);
      return reply.redirect(done.person.role === 'rep' ? '/console/deals' : '/console', 303);
    });

    c.post('/console/logout', async (req, reply) => {
      await signOut(deps.db, who(req), deps.now());
      simulator.signedOut(who(req).key);
      clearSessionCookie(reply, cookie);
      return html(reply, messagePage(assets, '已退出', '已退出控制台。需要时在聊天中发送 /console 获取新的登录链接。', { state: 'signed-out' }));
    });

    // ---- pages ----
    c.get('/console', async (req, reply) => {
      const v = who(req);
      if (v.person.role === 'rep') return reply.redirect('/console/deals', 303);
      const q = dashQuery.safeParse(blank(req.query as Record<string, string>));
      if (!q.success) throw bad(q.error);
      const d = await dashboardFor(v, q.data);
      if (!d) throw new AppError('FORBIDDEN', '看板只对销售经理和管理员开放。');
      return html(reply, dashboardPage(ctx(v), d, q.data.period));
    });

    c.get('/console/deals', async (req, reply) => {
      const v = who(req);
      const q = dealListQueryFor(deps.catalog.current.playbook.funnel.stages).safeParse(blank(req.query as Record<string, string>));
      if (!q.success) throw bad(q.error);
      return html(reply, dealsPage(ctx(v), q.data, await listConsoleDeals(deps.db, v.person, q.data, tz)));
    });

    const loadDeal = async (v: Viewing, id: string) => {
      const d = await consoleDeal(deps.db, v.person, id);
      if (d === null) throw new AppError('NOT_FOUND', '没有这个商机。');
      if (d === 'forbidden') throw new AppError('FORBIDDEN', '你不能查看这个商机：销售只能看自己的商机，经理看所管团队的。');
      return d;
    };

    c.get('/console/deals/:id', async (req, reply) => {
      const v = who(req);
      const p = idParam.safeParse(req.params);
      if (!p.success) throw bad(p.error);
      const saved = (req.query as { saved?: string }).saved;
      const flash = saved === undefined ? undefined : { ok: true, text: saved === '0' ? '没有改动。' : `已更正：${saved}。已记录更正人和时间。` };
      return html(reply, dealPage(ctx(v), await loadDeal(v, p.data.id), flash));
    });

    c.post('/console/deals/:id', async (req, reply) => {
      const v = who(req);
      const p = idParam.safeParse(req.params);
      if (!p.success) throw bad(p.error);
      const body = correction.safeParse(req.body ?? {});
      if (!body.success) throw bad(body.error);
      const { _csrf: _, ...input } = body.data;
      try {
        const applied = await correctFromConsole(deps.db, deps.catalog.current, v.person, p.data.id, input, deps.now());
        const what = applied.map((a) => FIELD_LABELS[a.field] ?? a.field).join('、') || '0';
        if ((await consoleDeal(deps.db, v.person, p.data.id)) === 'forbidden') {
          return html(
            reply,
            messagePage(assets, '已更正', `已更正：${what}。这个商机已交给你所管团队以外的销售，你不再能查看它。`, {
              viewer: { person: v.person, csrf: v.session.csrfToken },
            }),
          );
        }
        return reply.redirect(`/console/deals/${encodeURIComponent(p.data.id)}?saved=${encodeURIComponent(what)}`, 303);
      } catch (err) {
        const e = toAppError(err);
        if (e.code !== 'BAD_REQUEST' && e.code !== 'FORBIDDEN') throw err;
        const d = await loadDeal(v, p.data.id);
        return html(reply, dealPage(ctx(v), d, { ok: false, text: e.message }), e.httpStatus);
      }
    });

    // ---- knowledge and org admin (bots/console/knowledge/) ----
    registerKnowledge(c, {
      db: deps.db,
      catalog: deps.catalog,
      ...(deps.storage ? { storage: deps.storage } : {}),
      assets,
      timeZone: tz,
      now: deps.now,
      who,
    });
    registerDataRoutes(c, { db: deps.db, catalog: deps.catalog, timeZone: tz, now: deps.now, who, ctx, html });

    // ---- JSON ----
    c.get('/v1/console/me', async (req) => {
      const { person, session } = who(req);
      return {
        person: { id: person.id, name: person.name, role: person.role, teamId: person.teamId, manages: person.manages },
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
    });

    c.get('/v1/console/deals', async (req) => {
      const q = dealListQueryFor(deps.catalog.current.playbook.funnel.stages).safeParse(blank(req.query as Record<string, string>));
      if (!q.success) throw bad(q.error);
      const list = await listConsoleDeals(deps.db, who(req).person, q.data, tz);
      return { ...list, limit: q.data.limit, offset: q.data.offset };
    });

    c.get('/v1/console/deals/:id', async (req) => {
      const p = idParam.safeParse(req.params);
      if (!p.success) throw bad(p.error);
      return loadDeal(who(req), p.data.id);
    });

    c.patch('/v1/console/deals/:id', async (req) => {
      const v = who(req);
      const p = idParam.safeParse(req.params);
      if (!p.success) throw bad(p.error);
      const body = correction.safeParse(req.body ?? {});
      if (!body.success) throw bad(body.error);
      const { _csrf: _, ...input } = body.data;
      const applied = await correctFromConsole(deps.db, deps.catalog.current, v.person, p.data.id, input, deps.now());
      // A deal handed to a rep outside the viewer's teams is no longer theirs to read.
      const d = await consoleDeal(deps.db, v.person, p.data.id);
      return { applied, deal: d === 'forbidden' ? null : d };
    });

    c.get('/v1/console/dashboard', async (req) => {
      const v = who(req);
      const q = dashQuery.safeParse(req.query);
      if (!q.success) throw bad(q.error);
      const d = await dashboardFor(v, q.data);
      if (!d) throw new AppError('FORBIDDEN', 'the dashboard is for managers and admins');
      return d;
    });
  });
}
