/**
 * A correction's value read by one rule wherever it is made: the chat's `/deal 华东医疗 金额 …`,
 * the console's JSON and `PATCH /v1/deals/:id` refuse the same amounts with the same words.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import { buildServer } from '../../bots/http/server.ts';
import { opportunities } from '../../db/schema/index.ts';
import { askBot, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let server: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp();
  server = buildServer(t.app);
  await server.ready();
  const at = t.clock.now();
  await t.app.database.db
    .insert(opportunities)
    .values({ id: 'opp-hd', name: '华东医疗', ownerId: 'zhangsan', stage: 'proposal', stageAt: at, amount: 450_000, createdAt: at, updatedAt: at });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

/** The bot's answer to a 1:1 message. */
const ask = async (from: string, text: string): Promise<string> => (await askBot(t, from, text)).text;

const amount = async () => (await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, 'opp-hd')))[0]!.amount;

async function consolePatch(body: Record<string, unknown>) {
  const token = (await createConsoleLink(t.app.database.db, { personId: 'zhangsan', via: 'cli', now: t.clock.now(), baseUrl: 'http://127.0.0.1' })).url
    .split('/')
    .pop()!;
  const login = await server.inject({
    method: 'POST',
    url: '/console/login',
    payload: `token=${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const csrf = (await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie } })).json().csrfToken;
  return server.inject({ method: 'PATCH', url: '/v1/console/deals/opp-hd', payload: body, headers: { cookie, 'x-csrf-token': csrf } });
}

const apiPatch = (body: Record<string, unknown>) => server.inject({ method: 'PATCH', url: '/v1/deals/opp-hd', payload: { by: 'zhangsan', ...body } });

describe('an amount correction', () => {
  beforeEach(async () => {
    await t.app.database.db.update(opportunities).set({ amount: 450_000 }).where(eq(opportunities.id, 'opp-hd'));
  });

  it('refuses a negative amount in chat, in the console and over the API, with the same words', async () => {
    const chat = await ask('zhangsan', '/deal 华东医疗 金额 -5万');
    expect(chat).not.toContain('已更正');
    expect(chat).toContain('不能是负数');
    const reason = chat.trim();
    for (const res of [
      await consolePatch({ amount: -5 }),
      await consolePatch({ amount: '-5万' }),
      await apiPatch({ amount: -5 }),
      await apiPatch({ amount: '-5万' }),
    ]) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toBe(reason);
    }
    expect(await amount()).toBe(450_000);
  });

  it('refuses a range and numbers in other notations', async () => {
    for (const words of ['20万-30万', '0x10', '1e6']) {
      expect(await ask('zhangsan', `/deal 华东医疗 金额 ${words}`)).not.toContain('→');
      expect((await consolePatch({ amount: words })).statusCode).toBe(400);
      expect((await apiPatch({ amount: words })).statusCode).toBe(400);
    }
    expect(await amount()).toBe(450_000);
  });

  it('takes full-width digits', async () => {
    expect(await ask('zhangsan', '/deal 华东医疗 金额 １２万')).toContain('45万 → 12万');
    expect(await amount()).toBe(120_000);
    const res = await consolePatch({ amount: '１２．５万' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await amount()).toBe(125_000);
  });
});
