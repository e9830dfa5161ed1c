/**
 * A deactivated person (「停用」 in the console) gets no nudges: not for a customer's message in
 * their open deal, nor when a timer opened while they were active falls due.
 */
import type { FastifyInstance } from 'fastify';
import { and, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo } from '../../bots/demo/replay.ts';
import { buildServer } from '../../bots/http/server.ts';
import { createConsoleLink } from '../../bots/console/links.ts';
import { actions, deliveries, messages, nudges, opportunities } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

const at = (min: number) => new Date(new Date('2026-11-24T09:00:00+08:00').getTime() + min * 60_000);

let t: TestApp;
let server: FastifyInstance;
beforeAll(async () => {
  t = await startTestApp({ start: at(0) });
  server = buildServer(t.app);
});
afterAll(() => t.cleanup());

/** The admin's 「停用」 / 「恢复」, through the console's JSON route. */
async function setActive(personId: string, active: boolean): Promise<void> {
  const { url } = await createConsoleLink(t.app.database.db, { personId: 'ops', via: 'cli', now: t.clock.now(), baseUrl: 'http://127.0.0.1' });
  const login = await server.inject({
    method: 'POST',
    url: '/console/login',
    payload: `token=${url.split('/').pop()}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const me = await server.inject({ method: 'GET', url: '/v1/console/me', headers: { cookie } });
  const res = await server.inject({
    method: 'POST',
    url: `/v1/console/org/people/${personId}/active`,
    payload: { active },
    headers: { cookie, 'x-csrf-token': me.json().csrfToken },
  });
  expect(res.json()).toEqual({ id: personId, active });
}

const send = async (min: number, from: string, text: string, conv: string) => {
  t.clock.set(at(min));
  await t.app.sink.message(chat({ from, text, at: at(min), conv, name: from === 'lisi' ? undefined : '王总' }));
  await t.app.drain();
};

const nudgesOf = (personId: string, since: Date) =>
  t.app.database.db
    .select({ ruleId: nudges.ruleId, delivered: deliveries.id })
    .from(nudges)
    .leftJoin(deliveries, eq(deliveries.nudgeId, nudges.id))
    .where(and(eq(nudges.personId, personId), gt(nudges.createdAt, since)));

describe('a deactivated rep', () => {
  it('gets no nudge for a customer message in their open deal, nor from a timer opened before', async () => {
    await send(0, 'lisi', '王总您好，我是李四，负责贵司的项目，有问题随时找我。', 'c-lisi');
    // A question lisi leaves unanswered: its two-hour timer opens while lisi is active.
    await send(5, 'cust-wang', '你们的系统支持私有化部署吗？', 'c-lisi');
    t.clock.set(at(10));
    await setActive('lisi', false);
    const off = t.clock.now();
    await send(15, 'cust-wang', '这个报价太贵了，能不能便宜点？', 'c-lisi');
    expect(await nudgesOf('lisi', off)).toEqual([]);
    // The unanswered question's timer falls due, and the deal goes silent for days: still nothing.
    await advanceTo(t.app, t.clock, at(4 * 24 * 60));
    expect(await nudgesOf('lisi', off)).toEqual([]);
  });

  it('is nudged again once brought back', async () => {
    await setActive('lisi', true);
    const on = t.clock.now();
    await send(5 * 24 * 60, 'cust-wang', '你们的报价太贵了，别家便宜一半。', 'c-lisi');
    expect((await nudgesOf('lisi', on)).length).toBeGreaterThan(0);
  });
});

describe("a deactivated rep's own messages", () => {
  it('stay theirs: stored with their role, their actions recorded, but they own no new deal and are nudged about none', async () => {
    t.clock.set(at(6 * 24 * 60));
    await setActive('lisi', false);
    const off = t.clock.now();
    await send(6 * 24 * 60 + 5, 'lisi', '王总，我们的报价单已经发您了，请查收', 'c-lisi');
    // A chat lisi opens while deactivated: its deal gets no owner.
    await send(6 * 24 * 60 + 10, 'lisi', '刘总您好，我是李四，报价单已经发您了，请查收', 'c-lisi-new');
    const db = t.app.database.db;
    const said = await db
      .select({ conv: messages.conversationId, role: messages.role, personId: messages.personId })
      .from(messages)
      .where(and(eq(messages.senderId, 'lisi'), gt(messages.sentAt, off)));
    expect(said).toEqual([
      { conv: 'local:c-lisi', role: 'rep', personId: 'lisi' },
      { conv: 'local:c-lisi-new', role: 'rep', personId: 'lisi' },
    ]);
    const quotes = await db
      .select({ personId: actions.personId, owner: opportunities.ownerId, conv: actions.conversationId })
      .from(actions)
      .innerJoin(opportunities, eq(opportunities.id, actions.opportunityId))
      .where(and(eq(actions.kind, 'quote_sent'), gt(actions.at, off)));
    expect(quotes.sort((a, b) => a.conv.localeCompare(b.conv))).toEqual([
      { personId: 'lisi', owner: 'lisi', conv: 'local:c-lisi' },
      { personId: 'lisi', owner: null, conv: 'local:c-lisi-new' },
    ]);
    expect(await nudgesOf('lisi', off)).toEqual([]);
  });
});
