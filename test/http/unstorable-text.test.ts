/**
 * A NUL or a lone surrogate anywhere a request carries text (a path parameter, the query, a JSON
 * or form body) is a 400 naming where it was, on every route, and changes nothing: PostgreSQL
 * refuses both, and they used to reach a query and come back as a 500. The real app, its routes
 * and PGlite; the webhooks and the archive keep their own answers (test/ingest/every-path.test.ts).
 */
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { dealEvents, documents, opportunities } from '../../db/schema/index.ts';
import { DEAL, multipartBody, samplePdf, seedDeal } from '../documents/harness.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const ADMIN = 'admin-token-unstorable-0123456789';
const AT = new Date('2026-11-27T10:00:00+08:00');

let t: TestApp;
let server: FastifyInstance;
let documentId: string;

beforeAll(async () => {
  t = await startTestApp({ start: AT, env: { API_TOKENS: `admin:${ADMIN}` } });
  server = buildServer(t.app);
  await seedDeal(t.app.database.db);
  const { payload, headers } = multipartBody(
    { conversationId: DEAL.chatId, senderId: DEAL.personId, platform: 'local' },
    { name: '方案.pdf', type: 'application/pdf', body: samplePdf() },
  );
  const shared = await server.inject({ method: 'POST', url: '/v1/documents', payload, headers: { ...headers, authorization: `Bearer ${ADMIN}` } });
  expect(shared.statusCode, shared.body).toBe(201);
  documentId = shared.json().id;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

type Method = 'GET' | 'POST' | 'PATCH';
const call = (method: Method, url: string, body?: unknown, token: string | null = ADMIN) =>
  server.inject({
    method,
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

/** A 400 in the app's error shape whose message names the field and the reason. */
function refused(res: { statusCode: number; body: string; json(): unknown }, field: RegExp, why: RegExp): void {
  expect(res.statusCode, res.body).toBe(400);
  const body = res.json() as { error: { code: string; message: string } };
  expect(body.error.code).toBe('BAD_REQUEST');
  expect(body.error.message).toMatch(field);
  expect(body.error.message).toMatch(why);
}

const NUL = /contains a NUL character/;
const SURROGATE = /contains a lone surrogate/;

describe('a NUL in a path parameter or the query', () => {
  it.each([
    ['GET', '/v1/deals/%00', /path parameter id/],
    ['GET', '/v1/deals?owner=%00', /query parameter owner/],
    ['GET', '/v1/deals?conversationId=%00', /query parameter conversationId/],
    ['GET', '/v1/outbox?personId=%00', /query parameter personId/],
    ['GET', '/v1/outbox?conversationId=SECRET-CUSTOMER-TEXT%00', /query parameter conversationId/],
    ['GET', '/v1/console/deals?q=%00', /query parameter q/],
    ['GET', '/v1/console/deals?owner=%00', /query parameter owner/],
    ['GET', '/v1/console/search?q=abc%00', /query parameter q/],
    ['GET', '/v1/console/search?person=%00', /query parameter person/],
    ['GET', '/v1/console/deals/%00', /path parameter id/],
    ['GET', '/v1/console/audit?action=%00', /query parameter action/],
    ['GET', '/v1/console/documents/%00', /path parameter id/],
    ['GET', '/v1/documents/%00', /path parameter id/],
  ] as const)('%s %s is a 400 naming it', async (method, url, field) => {
    refused(await call(method, url), field, NUL);
  });

  it('is still a 401 without a token: who asks is checked first', async () => {
    expect((await call('GET', '/v1/deals/%00', undefined, null)).statusCode).toBe(401);
    expect((await call('GET', '/v1/console/deals?q=%00', undefined, null)).statusCode).toBe(401);
  });
});

describe('a NUL or a lone surrogate in a JSON body', () => {
  const deal = async () => (await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, DEAL.opportunityId)))[0]!;

  it('PATCH /v1/deals/:id changes nothing', async () => {
    const before = await deal();
    refused(await call('PATCH', `/v1/deals/${DEAL.opportunityId}`, { by: 'wangjing', name: 'a\u0000' }), /\bname\b/, NUL);
    refused(await call('PATCH', `/v1/deals/${DEAL.opportunityId}`, { by: 'wangjing', crmId: '\ud800' }), /\bcrmId\b/, SURROGATE);
    expect(await deal()).toEqual(before);
  });

  it('POST /v1/deal-events stores no event', async () => {
    const event = { id: 'ev-1', dealId: DEAL.opportunityId, kind: 'referral', at: '2026-11-26T10:00:00+08:00' };
    refused(await call('POST', '/v1/deal-events', { ...event, id: 'ev-\u0000' }), /\bid\b/, NUL);
    refused(await call('POST', '/v1/deal-events', { ...event, dealId: '\u0000' }), /\bdealId\b/, NUL);
    refused(await call('POST', '/v1/deal-events', { ...event, note: '\ud800' }), /\bnote\b/, SURROGATE);
    const [n] = await t.app.database.db.select({ n: count() }).from(dealEvents);
    expect(n!.n).toBe(0);
  });

  it('PATCH /v1/documents/:id/labels names the label and keeps the titles', async () => {
    const titles = async () => (await t.app.database.db.select().from(documents).where(eq(documents.id, documentId)))[0]!.pageTitles;
    const before = await titles();
    refused(await call('PATCH', `/v1/documents/${documentId}/labels`, { labels: [{ page: 7, title: '价格\u0000' }] }), /labels\[0\]\.title/, NUL);
    expect(await titles()).toEqual(before);
  });

  it('POST /v1/documents checks its multipart fields and file name, read after the edge check', async () => {
    const [before] = await t.app.database.db.select({ n: count() }).from(documents);
    for (const [fields, name, why] of [
      [{ conversationId: `${DEAL.chatId}\u0000`, senderId: DEAL.personId, platform: 'local' }, 'a.pdf', /^conversationId contains a NUL/],
      [{ conversationId: DEAL.chatId, senderId: DEAL.personId, platform: 'local', title: '方案\u0000' }, 'a.pdf', /^title contains a NUL/],
      [{ conversationId: DEAL.chatId, senderId: DEAL.personId, platform: 'local' }, '方案\u0000.pdf', /^the file name contains a NUL/],
    ] as const) {
      const { payload, headers } = multipartBody(fields, { name, type: 'application/pdf', body: samplePdf() });
      refused(await server.inject({ method: 'POST', url: '/v1/documents', payload, headers: { ...headers, authorization: `Bearer ${ADMIN}` } }), why, NUL);
    }
    const [after] = await t.app.database.db.select({ n: count() }).from(documents);
    expect(after!.n).toBe(before!.n);
  });

  it('a key is checked too, and named by where it sits', async () => {
    refused(await call('PATCH', `/v1/deals/${DEAL.opportunityId}`, { by: 'wangjing', 'na\u0000me': 'x' }), /a key in the body/, NUL);
  });

  it('POST /v1/messages keeps its own words, a batch naming the message', async () => {
    const msg = {
      platform: 'local',
      messageId: 'm-1',
      conversationId: 'c-1',
      chatType: 'group',
      senderId: 'zhangsan',
      text: '好的',
      sentAt: '2026-11-27T10:00:00+08:00',
    };
    refused(await call('POST', '/v1/messages', { ...msg, text: 'a\u0000b' }), /^text contains a NUL character$/, NUL);
    refused(
      await call('POST', '/v1/messages', [msg, { ...msg, messageId: 'm-2', attachments: [{ name: '\udc00' }] }]),
      /^message 1: attachments\[0\]\.name/,
      SURROGATE,
    );
  });
});
