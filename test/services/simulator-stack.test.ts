/**
 * The simulator on the production stack: a web process that only stores and dispatches (no job
 * of its own) serves the console, a worker process on the same PostgreSQL and Redis analyzes and
 * sends. The nudge the worker sends reaches the page's stream in the web process through the
 * deliveries table, with no drain and no shared memory.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import { newSandboxId } from '../../bots/console/simulator/sandbox.ts';
import { buildServer } from '../../bots/http/server.ts';
import type { App } from '../../bots/app.ts';
import { SseReader } from '../helpers/sse.ts';
import { createStack, type Stack } from './stack.ts';

let stack: Stack;
let web: App;
let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  stack = await createStack();
  // Consumes no job: whatever is sent, the worker sent it.
  web = await stack.producer();
  await stack.app('worker');
  server = buildServer(web);
  await server.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await stack?.teardown();
});

describe('the simulator with web and worker processes', () => {
  it('streams the nudge a worker sent to the page served by the web process', async () => {
    const { url } = await createConsoleLink(web.database.db, { personId: 'wangjing', via: 'cli', now: new Date(), baseUrl: base });
    const login = await fetch(`${base}/console/login`, {
      method: 'POST',
      body: `token=${url.split('/').pop()}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await (await fetch(`${base}/v1/console/me`, { headers: { cookie } })).json()) as { csrfToken: string };
    const sandbox = newSandboxId('wangjing');
    const stream = await SseReader.open(`${base}/v1/console/simulator/stream?s=${sandbox}`, cookie);
    await stream.waitFor((e) => e.event === 'ready');
    const say = (body: Record<string, unknown>) =>
      fetch(`${base}/v1/console/simulator/messages`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ sandbox, ...body }),
      });
    expect((await say({ as: 'rep', rep: 'zhangsan', text: '李主任您好，报价单发您了：标准版首年 48 万。' })).status).toBe(200);
    expect((await say({ as: 'customer', customerName: '李主任', text: '48 万？太贵了，超出预算了。' })).status).toBe(200);
    const nudge = await stream.waitFor((e) => e.event === 'nudge');
    expect(nudge.data).toMatchObject({ to: '张三', title: expect.stringContaining('价格异议') });
    expect((await say({ as: 'bot', text: '/deal' })).status).toBe(200);
    await stream.waitFor((e) => e.event === 'answer');
    stream.close();
  }, 60_000);
});
