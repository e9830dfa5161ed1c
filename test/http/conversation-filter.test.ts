/**
 * `conversationId` filters the same way on `GET /v1/deals` and `GET /v1/outbox`: the chat id a
 * local message was posted with (`qa-cust-1`) and the conversation's full id (`local:qa-cust-1`,
 * what `GET /v1/deals/:id` lists in `conversationIds`) find the same rows.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let server: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp();
  server = buildServer(t.app);
  await server.ready();
  const at = (minutes: number) => new Date(t.clock.now().getTime() + minutes * 60_000);
  for (const m of [
    chat({ conv: 'qa-cust-1', from: 'zhangsan', text: '王总好，报价单发您了：首年 12 万，含实施。', at: at(0) }),
    chat({ conv: 'qa-cust-1', from: 'cust-wang', name: '王总', text: '你们的价格太贵了，超出预算太多。', at: at(5) }),
    chat({ conv: 'qa-cust-2', from: 'lisi', text: '周经理您好，我是李四，负责贵司的项目。', at: at(6) }),
  ]) {
    t.clock.set(m.sentAt);
    await t.app.sink.message(m);
    await t.app.drain();
  }
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

const get = async (url: string) => {
  const res = await server.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as Array<{ id: string }>;
};

describe('conversationId', () => {
  it('finds a deal by the chat id it was posted with and by its full id', async () => {
    const posted = await get('/v1/deals?conversationId=qa-cust-1');
    expect(posted).toHaveLength(1);
    expect(await get('/v1/deals?conversationId=local:qa-cust-1')).toEqual(posted);
    const deal = (await server.inject({ method: 'GET', url: `/v1/deals/${posted[0]!.id}` })).json();
    expect(deal.conversationIds).toEqual(['local:qa-cust-1']);
    expect(await get('/v1/deals?conversationId=qa-cust-3')).toEqual([]);
  });

  it('finds what the outbox sent about a chat by either id', async () => {
    const posted = await get('/v1/outbox?conversationId=qa-cust-1');
    expect(posted.length).toBeGreaterThan(0);
    expect(await get('/v1/outbox?conversationId=local:qa-cust-1')).toEqual(posted);
    expect(await get('/v1/outbox?conversationId=qa-cust-3')).toEqual([]);
  });
});
