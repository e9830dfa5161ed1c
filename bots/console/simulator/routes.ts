/**
 * The simulator's routes inside the console plugin (so the console's session, CSRF and error
 * handling apply): the page, opening a sandbox, writing as the customer, the rep or to the bot
 * (through the same sink as the local adapter, so the analysis, timers and nudges are the real
 * loop), and the event stream of one sandbox. Every signed-in role may use it; what a viewer
 * sees is their own sandbox and their own chat with the bot, never someone else's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import { newId } from '../../../core/ids.ts';
import type { InboundMessage } from '../../../core/types.ts';
import type { Db } from '../../../db/client.ts';
import { openConsoleSession } from '../../../db/queries/console.ts';
import { type ChatLine, chatLines, localChatsStartingWith, localSentAbout } from '../../../db/queries/simulator.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import type { InboundSink } from '../../../adapters/types.ts';
import { CONSOLE_CSP } from '../html.ts';
import type { PageContext } from '../pages.ts';
import type { Viewing } from '../session.ts';
import { messageEvent, type SimEvent, sentEvent } from './events.ts';
import type { DeliveryFeed } from './feed.ts';
import { simulatorPage } from './page.ts';
import { botChatId, customerIdOf, isSandboxOf, newSandboxId, playableReps, sandboxPrefix, streamKeys } from './sandbox.ts';
import { HEARTBEAT_MS, type StreamRegistry } from './stream.ts';

export interface SimulatorDeps {
  db: Db;
  catalog: { readonly current: Catalog };
  now: () => Date;
  /** The organisation's time zone, for the times on the page. */
  timeZone: string;
  /** The local adapter's sink; null when the local adapter is off (LOCAL_ADAPTER). */
  sink: Pick<InboundSink, 'message'> | null;
  feed: DeliveryFeed;
  streams: StreamRegistry;
}

export interface SimulatorContext {
  who(req: FastifyRequest): Viewing;
  ctx(v: Viewing): PageContext;
  html(reply: FastifyReply, body: string, status?: number): FastifyReply;
}

const ASSET_DIR = fileURLToPath(new URL('../assets/', import.meta.url));
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The most history a stream replays on connect, per kind. */
const HISTORY = 200;

function hashed(file: string): { body: Buffer; url: string } {
  const body = readFileSync(join(ASSET_DIR, file));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const [base, ext] = file.split('.');
  return { body, url: `/console/assets/${base}.${hash}.${ext}` };
}

const sandboxParam = z.string().min(1).max(120);
const post = z
  .object({
    sandbox: sandboxParam,
    as: z.enum(['customer', 'rep', 'bot']),
    text: z.string().trim().min(1).max(2000),
    /** The rep played (a person id), for `as: rep`. */
    rep: z.string().min(1).max(64).optional(),
    /** The customer's name, for `as: customer`. */
    customerName: z.string().trim().min(1).max(40).optional(),
  })
  .strict();

const bad = (e: z.ZodError) => new AppError('BAD_REQUEST', e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));

/** Registers the routes; returns what sign-out calls to end the session's streams. */
export function registerSimulator(c: FastifyInstance, deps: SimulatorDeps, page: SimulatorContext): { signedOut(sessionKey: string): void } {
  const script = hashed('simulator.js');
  const style = hashed('simulator.css');
  // Chat lines stored by this process, for the streams of their sandbox (the page also shows its own).
  const lines = new Map<string, Set<(line: ChatLine) => void>>();
  // Two messages typed within one step of a manual clock (the served demo's) still follow each
  // other: the analysis reads a chat in time order.
  let lastAt = 0;
  const sentAt = () => {
    lastAt = Math.max(deps.now().getTime(), lastAt + 1);
    return new Date(lastAt);
  };

  c.get(script.url, async (_req, reply) => reply.header('cache-control', IMMUTABLE).type('text/javascript; charset=utf-8').send(script.body));
  c.get(style.url, async (_req, reply) => reply.header('cache-control', IMMUTABLE).type('text/css; charset=utf-8').send(style.body));

  const ownSandbox = (v: Viewing, raw: unknown): string => {
    const s = sandboxParam.safeParse(raw);
    if (!s.success) throw new AppError('BAD_REQUEST', 's: 缺少或无效的模拟对话');
    if (!isSandboxOf(s.data, v.person.id)) throw new AppError('FORBIDDEN', '这不是你的模拟对话：每个人只能看自己开的模拟对话。');
    return s.data;
  };

  c.get('/console/simulator', async (req, reply) => {
    const v = page.who(req);
    const s = (req.query as { s?: unknown }).s;
    const sandbox = s === undefined || s === '' ? null : ownSandbox(v, s);
    const mine = deps.sink ? await localChatsStartingWith(deps.db, sandboxPrefix(v.person.id), 20) : [];
    return page.html(
      reply,
      simulatorPage(page.ctx(v), {
        localAdapter: deps.sink !== null,
        sandbox,
        sandboxes: mine.filter((m) => isSandboxOf(m.chatId, v.person.id)),
        reps: playableReps(deps.catalog.current, v.person).map((r) => r.person),
        canAskBot: deps.catalog.current.platformIds(v.person.id).has('local'),
        script: script.url,
        style: style.url,
      }),
    );
  });

  // Opening a sandbox only names it: its conversation is stored with its first message.
  c.post('/console/simulator', async (req, reply) => {
    if (!deps.sink) throw new AppError('NOT_FOUND', '本地适配器未开启（LOCAL_ADAPTER），模拟器不可用。');
    return reply.redirect(`/console/simulator?s=${encodeURIComponent(newSandboxId(page.who(req).person.id))}`, 303);
  });

  c.post('/v1/console/simulator/messages', async (req) => {
    const v = page.who(req);
    if (!deps.sink) throw new AppError('NOT_FOUND', 'the local adapter is off (LOCAL_ADAPTER), so the simulator cannot send');
    const body = post.safeParse(req.body ?? {});
    if (!body.success) throw bad(body.error);
    const p = body.data;
    const sandbox = ownSandbox(v, p.sandbox);
    const catalog = deps.catalog.current;
    const base = { platform: 'local' as const, messageId: `sim-${newId()}`, kind: 'text' as const, text: p.text, attachments: [], sentAt: sentAt() };
    let msg: InboundMessage;
    if (p.as === 'bot') {
      const localId = catalog.platformIds(v.person.id).get('local');
      if (!localId) throw new AppError('FORBIDDEN', '你在组织名单里没有本地适配器的 id（org.yaml 的 ids.local），无法和机器人对话。');
      msg = { ...base, conversationId: botChatId(v.person.id), chatType: 'single', direct: true, senderId: localId, senderName: v.person.name };
    } else {
      const title = `模拟 · ${p.customerName ?? '客户'}`;
      const chat = { conversationId: sandbox, conversationTitle: title, chatType: 'group' as const, direct: false };
      if (p.as === 'customer') {
        msg = { ...base, ...chat, senderId: customerIdOf(sandbox), senderName: p.customerName ?? '客户' };
      } else {
        const rep = playableReps(catalog, v.person).find((r) => r.person.id === p.rep);
        if (!rep) throw new AppError('FORBIDDEN', 'rep: 你不能扮演这个销售（销售只能扮演自己，经理扮演所管团队的销售）。');
        msg = { ...base, ...chat, senderId: rep.localId, senderName: rep.person.name };
      }
    }
    const result = await deps.sink.message(msg);
    if (result.status === 'refused') throw new AppError('BAD_REQUEST', `消息被拒绝：${result.reason}`);
    const line: ChatLine = {
      id: msg.messageId,
      conversationId: `local:${msg.conversationId}`,
      senderId: msg.senderId,
      senderName: msg.senderName ?? null,
      personId: catalog.personByPlatformId('local', msg.senderId)?.id ?? null,
      text: msg.text,
      sentAt: msg.sentAt,
    };
    for (const l of lines.get(line.conversationId) ?? []) l(line);
    return { status: result.status, event: messageEvent(line, streamKeys(sandbox, v.person.id), catalog, deps.timeZone).data };
  });

  c.get('/v1/console/simulator/stream', async (req, reply) => {
    const v = page.who(req);
    if (!deps.sink) throw new AppError('NOT_FOUND', 'the local adapter is off (LOCAL_ADAPTER), so the simulator has nothing to stream');
    const sandbox = ownSandbox(v, (req.query as { s?: unknown }).s);
    const keys = streamKeys(sandbox, v.person.id);
    const stream = deps.streams.open(v.key, reply.raw, { 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff' });
    if (!stream) throw new AppError('RATE_LIMITED', `at most ${deps.streams.maxPerSession} simulator streams per session; close another tab`);
    reply.hijack();

    const sent = new Set<string>();
    const emit = (e: SimEvent) => {
      if (sent.has(e.id)) return;
      sent.add(e.id);
      stream.send(e.event, e.data, e.id);
    };
    // Live events wait until the history is out, so the page gets them in order.
    let backlog: SimEvent[] | null = [];
    const live = (e: SimEvent) => (backlog ? backlog.push(e) : emit(e));
    const onLine = (line: ChatLine) => live(messageEvent(line, keys, deps.catalog.current, deps.timeZone));
    for (const k of [keys.sandbox, keys.bot]) {
      let set = lines.get(k);
      if (!set) {
        set = new Set();
        lines.set(k, set);
      }
      set.add(onLine);
    }
    let unsubscribe: (() => void) | null = null;
    const heartbeat = setInterval(async () => {
      // A session ended elsewhere (another web process, expiry) or a person deactivated ends the stream.
      const open = await openConsoleSession(deps.db, v.key, deps.now()).catch(() => null);
      if (!open || !deps.catalog.current.person(v.person.id)?.active) stream.end('signed-out');
      else reply.raw.write(': ping\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    stream.onEnd(() => {
      clearInterval(heartbeat);
      unsubscribe?.();
      for (const k of [keys.sandbox, keys.bot]) {
        lines.get(k)?.delete(onLine);
        if (lines.get(k)?.size === 0) lines.delete(k);
      }
    });
    try {
      const u = await deps.feed.subscribe([keys.sandbox, keys.bot], (s) => live(sentEvent(s, keys, deps.catalog.current, deps.timeZone)));
      if (!stream.send('ready', { sandbox, conversationId: keys.sandbox, botConversationId: keys.bot })) return u();
      unsubscribe = u;
      const catalog = deps.catalog.current;
      const history: Array<{ at: number; e: SimEvent }> = [
        ...(await chatLines(deps.db, [keys.sandbox, keys.bot], HISTORY)).map((l) => ({
          at: l.sentAt.getTime(),
          e: messageEvent(l, keys, catalog, deps.timeZone),
        })),
        ...(await localSentAbout(deps.db, [keys.sandbox, keys.bot], HISTORY)).map((s) => ({
          at: s.sentAt.getTime(),
          e: sentEvent(s, keys, catalog, deps.timeZone),
        })),
      ];
      for (const h of history.sort((a, b) => a.at - b.at)) emit(h.e);
      const waiting = backlog;
      backlog = null;
      for (const e of waiting) emit(e);
    } catch (err) {
      req.log.error({ err }, 'simulator stream failed');
      stream.end('error');
    }
  });

  return { signedOut: (key) => deps.streams.closeSession(key) };
}
