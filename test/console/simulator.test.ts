/**
 * The simulator's event stream over real HTTP (the real app on PGlite, a listening server, the
 * stream read as bytes): the frame format, a nudge and a command answer arriving live through the
 * real ingest and jobs, what a viewer may see (their own sandbox only), the per-session limit,
 * sign-out and shutdown ending the streams, and the page with the local adapter off.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import { newSandboxId } from '../../bots/console/simulator/sandbox.ts';
import { sseFrame } from '../../bots/console/simulator/stream.ts';
import { buildServer } from '../../bots/http/server.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { SseReader } from '../helpers/sse.ts';

let t: TestApp;
let server: FastifyInstance;
let base: string;

async function signIn(personId: string): Promise<{ cookie: string; csrf: string }> {
  const url = (await createConsoleLink(t.app.database.db, { personId, via: 'cli', now: t.clock.now(), baseUrl: base })).url;
  const res = await fetch(`${base}/console/login`, {
    method: 'POST',
    body: `token=${url.split('/').pop()}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const me = (await (await fetch(`${base}/v1/console/me`, { headers: { cookie } })).json()) as { csrfToken: string };
  return { cookie, csrf: me.csrfToken };
}

async function say(who: { cookie: string; csrf: string }, body: Record<string, unknown>, opts: { sameInstant?: boolean } = {}): Promise<Response> {
  if (!opts.sameInstant) t.clock.set(new Date(t.clock.now().getTime() + 60_000));
  return fetch(`${base}/v1/console/simulator/messages`, {
    method: 'POST',
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const stream = (who: { cookie: string }, sandbox: string) => SseReader.open(`${base}/v1/console/simulator/stream?s=${encodeURIComponent(sandbox)}`, who.cookie);
const drain = () => t.app.drain();

beforeAll(async () => {
  t = await startTestApp({ env: { HOST: '127.0.0.1' } });
  server = buildServer(t.app);
  await server.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

describe('the event format', () => {
  it('writes id, event and one line of JSON data, ended by a blank line', () => {
    expect(sseFrame('nudge', { text: '第一行\n第二行' }, 'd:1')).toBe('id: d:1\nevent: nudge\ndata: {"text":"第一行\\n第二行"}\n\n');
    expect(sseFrame('ready', { a: 1 })).toBe('event: ready\ndata: {"a":1}\n\n');
    expect(() => sseFrame('x\ndata: forged', {})).toThrow();
    expect(() => sseFrame('x', {}, 'a\nb')).toThrow();
  });
});

describe('a sandbox stream', { timeout: 90_000 }, () => {
  it('replays the chat and brings the rep’s nudge and the manager’s answers live, from the real loop', async () => {
    const wang = await signIn('wangjing');
    const sandbox = newSandboxId('wangjing');
    const s = await stream(wang, sandbox);
    expect(s.status).toBe(200);
    expect(s.headers?.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await s.waitFor((e) => e.event === 'ready');

    expect((await say(wang, { sandbox, as: 'rep', rep: 'zhangsan', text: '李主任您好，报价单发您了：标准版首年 48 万，含实施和培训。' })).status).toBe(200);
    const posted = await say(wang, { sandbox, as: 'customer', customerName: '李主任', text: '48 万？太贵了，超出我们今年的预算了。' });
    expect(posted.status).toBe(200);
    const { event } = (await posted.json()) as { event: { id: string } };
    // The post's own line is on the stream too, once.
    const line = await s.waitFor((e) => e.event === 'message' && (e.data as { side: string }).side === 'customer');
    expect(line.id).toBe(event.id);
    expect(line.data).toMatchObject({ chat: 'sandbox', side: 'customer', name: '李主任', text: '48 万？太贵了，超出我们今年的预算了。' });

    // Nothing is sent until the jobs run: the nudge comes from the analysis and the send job.
    expect(s.events.some((e) => e.event === 'nudge')).toBe(false);
    const nudge = await s.waitFor((e) => e.event === 'nudge', drain);
    expect(nudge.id).toMatch(/^d:/);
    expect(nudge.data).toMatchObject({ to: '张三', title: expect.stringContaining('价格异议') });

    await say(wang, { sandbox, as: 'bot', text: '/team 本周' });
    const answer = await s.waitFor((e) => e.event === 'answer', drain);
    expect(answer.data).toMatchObject({ to: '王静' });
    expect(JSON.stringify(answer.data)).toContain('华东一组');

    // A second page on the same sandbox gets the same history, in order, each event once.
    const again = await stream(wang, sandbox);
    await again.waitFor((e) => e.event === 'answer');
    const kinds = again.events.map((e) => e.event);
    expect(kinds[0]).toBe('ready');
    expect(kinds.filter((k) => k === 'nudge')).toHaveLength(1);
    expect(new Set(again.events.map((e) => e.id)).size).toBe(again.events.length);
    const customerAt = again.events.findIndex((e) => e.event === 'message' && (e.data as { side: string }).side === 'customer');
    expect(customerAt).toBeGreaterThan(0);
    expect(kinds.indexOf('nudge')).toBeGreaterThan(customerAt);
    s.close();
    again.close();
  });

  it('shows a viewer only their own sandbox: another person’s is refused, and their nudges never reach it', async () => {
    const wang = await signIn('wangjing');
    const li = await signIn('lisi');
    const wangs = newSandboxId('wangjing');
    const refused = await stream(li, wangs);
    expect(refused.status).toBe(403);
    expect((await say(li, { sandbox: wangs, as: 'customer', text: '太贵了' })).status).toBe(403);
    // A rep plays only themselves; a manager only the reps of their teams.
    const lis = newSandboxId('lisi');
    expect((await say(li, { sandbox: lis, as: 'rep', rep: 'zhangsan', text: '您好' })).status).toBe(403);
    expect((await say(wang, { sandbox: wangs, as: 'rep', rep: 'zhaomin', text: '您好' })).status).toBe(403);

    const mine = await stream(li, lis);
    await mine.waitFor((e) => e.event === 'ready');
    await say(wang, { sandbox: wangs, as: 'rep', rep: 'lisi', text: '周经理，报价单发您了：首年 26.8 万。' });
    await say(wang, { sandbox: wangs, as: 'customer', text: '26.8 万太贵了，预算不够。' });
    const theirs = await stream(wang, wangs);
    await theirs.waitFor((e) => e.event === 'nudge' && (e.data as { to: string }).to === '李四', drain);
    // 李四 got the nudge in his private chat, but it is about 王静's sandbox: not on his stream.
    await new Promise((r) => setTimeout(r, 1200));
    expect(mine.events.map((e) => e.event)).toEqual(['ready']);
    mine.close();
    theirs.close();
  });

  it('keeps the order of messages typed within one tick of the clock (the served demo’s clock moves in steps)', async () => {
    const wang = await signIn('wangjing');
    const sandbox = newSandboxId('wangjing');
    const s = await stream(wang, sandbox);
    await s.waitFor((e) => e.event === 'ready');
    t.clock.set(new Date(t.clock.now().getTime() + 3_600_000));
    await say(wang, { sandbox, as: 'rep', rep: 'zhangsan', text: '您好，报价单发您了：首年 30 万。' }, { sameInstant: true });
    await say(wang, { sandbox, as: 'customer', text: '30 万太贵了，预算不够。' }, { sameInstant: true });
    const nudge = await s.waitFor((e) => e.event === 'nudge', drain);
    expect(nudge.data).toMatchObject({ to: '张三' });
    const lines = s.events.map((e) => e.data as { chat?: string; side: string; at: string }).filter((d) => d.chat === 'sandbox');
    expect(lines.map((l) => l.side)).toEqual(['rep', 'customer']);
    expect(Date.parse(lines[1]!.at)).toBeGreaterThan(Date.parse(lines[0]!.at));
    s.close();
  });

  it('refuses bad input with a 4xx and stores nothing', async () => {
    const wang = await signIn('wangjing');
    const sandbox = newSandboxId('wangjing');
    expect((await say(wang, { sandbox, as: 'customer', text: '   ' })).status).toBe(400);
    expect((await say(wang, { sandbox, as: 'nobody', text: 'hi' })).status).toBe(400);
    expect((await say(wang, { sandbox: 'sim~wangjing~bot', as: 'customer', text: 'hi' })).status).toBe(403);
    const noCsrf = await fetch(`${base}/v1/console/simulator/messages`, {
      method: 'POST',
      headers: { cookie: wang.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ sandbox, as: 'customer', text: '太贵了' }),
    });
    expect(noCsrf.status).toBe(403);
    const s = await stream(wang, sandbox);
    await s.waitFor((e) => e.event === 'ready');
    await new Promise((r) => setTimeout(r, 300));
    // Only 王静's own chat with the bot (shared by her sandboxes) is there; the sandbox is empty.
    expect(s.events.filter((e) => e.event === 'nudge' || (e.event === 'message' && (e.data as { chat: string }).chat === 'sandbox'))).toEqual([]);
    s.close();
  });
});

describe('stream limits and endings', { timeout: 90_000 }, () => {
  it('allows three streams per session, ends them at sign-out, and refuses a signed-out cookie', async () => {
    const zhang = await signIn('zhangsan');
    const sandbox = newSandboxId('zhangsan');
    const open = await Promise.all([stream(zhang, sandbox), stream(zhang, sandbox), stream(zhang, sandbox)]);
    for (const s of open) await s.waitFor((e) => e.event === 'ready');
    const fourth = await stream(zhang, sandbox);
    expect(fourth.status).toBe(429);
    // Another session of the same person has its own allowance.
    const other = await stream(await signIn('zhangsan'), sandbox);
    expect(other.status).toBe(200);

    const out = await fetch(`${base}/console/logout`, {
      method: 'POST',
      headers: { cookie: zhang.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${zhang.csrf}`,
    });
    expect(out.status).toBe(200);
    for (const s of open) {
      await s.waitEnd();
      expect(s.events.at(-1)).toMatchObject({ event: 'closing', data: { reason: 'signed-out' } });
    }
    expect(other.ended).toBe(false);
    expect((await stream(zhang, sandbox)).status).toBe(401);
    other.close();
  });

  it('ends open streams when the server closes, so shutdown does not wait on them', async () => {
    const t2 = await startTestApp({ env: { HOST: '127.0.0.1' } });
    const s2 = buildServer(t2.app);
    try {
      await s2.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(s2.server.address() as { port: number }).port}`;
      const link = (await createConsoleLink(t2.app.database.db, { personId: 'wangjing', via: 'cli', now: t2.clock.now(), baseUrl: url })).url;
      const res = await fetch(`${url}/console/login`, {
        method: 'POST',
        body: `token=${link.split('/').pop()}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        redirect: 'manual',
      });
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const s = await SseReader.open(`${url}/v1/console/simulator/stream?s=${newSandboxId('wangjing')}`, cookie);
      await s.waitFor((e) => e.event === 'ready');
      await s2.close();
      await s.waitEnd();
      expect(s.events.at(-1)).toMatchObject({ event: 'closing', data: { reason: 'shutdown' } });
    } finally {
      await s2.close();
      await t2.cleanup();
    }
  });
});

describe('with the local adapter off', { timeout: 90_000 }, () => {
  it('the page says so plainly and the stream and the sends are refused', async () => {
    const t3 = await startTestApp({ env: { LOCAL_ADAPTER: 'false' } });
    const s3 = buildServer(t3.app);
    try {
      await s3.ready();
      const link = (await createConsoleLink(t3.app.database.db, { personId: 'wangjing', via: 'cli', now: t3.clock.now(), baseUrl: 'http://127.0.0.1:3000' }))
        .url;
      const res = await s3.inject({
        method: 'POST',
        url: '/console/login',
        payload: `token=${link.split('/').pop()}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      const page = await s3.inject({ method: 'GET', url: '/console/simulator', headers: { cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('data-state="local-off"');
      expect(page.body).toContain('本地适配器未开启');
      expect(page.body).not.toContain('id="chat-form"');
      const st = await s3.inject({ method: 'GET', url: `/v1/console/simulator/stream?s=${newSandboxId('wangjing')}`, headers: { cookie } });
      expect(st.statusCode).toBe(404);
    } finally {
      await s3.close();
      await t3.cleanup();
    }
  });
});
