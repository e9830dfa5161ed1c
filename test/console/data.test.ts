/**
 * The console's data over HTTP (fastify inject, the real app on PGlite with pg_trgm): deal
 * filters, conversation search in Chinese and English, CSV and Excel exports, a read-scoped API
 * token on /v1/console, a customer's reading on the deal timeline and the document page; each
 * within the viewer's scope (a rep their deals, a manager their teams, an admin all).
 */
import ExcelJS from 'exceljs';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import { highlight } from '../../bots/console/search.ts';
import { readLink, tokenOf } from '../../bots/demo/reader.ts';
import { buildServer } from '../../bots/http/server.ts';
import type { InboundMessage } from '../../core/types.ts';
import { conversations, opportunities } from '../../db/schema/index.ts';
import { multipartBody, samplePdf } from '../documents/harness.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

const READ_TOKEN = 'read-token-0123456789abcdef';
const INGEST_TOKEN = 'ingest-token-0123456789abcdef';
const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);

let t: TestApp;
let server: FastifyInstance;
const cookies = new Map<string, string>();

const say = async (m: InboundMessage) => {
  if (m.sentAt > t.clock.now()) t.clock.set(m.sentAt);
  await t.app.sink.message(m);
  await t.app.drain();
};
const titled = (m: InboundMessage, title: string): InboundMessage => ({ ...m, conversationTitle: title });
const dealOf = async (chatId: string) =>
  (
    await t.app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `local:${chatId}`))
  )[0]!.opportunityId!;

async function cookieOf(personId: string): Promise<string> {
  const known = cookies.get(personId);
  if (known) return known;
  const { url } = await createConsoleLink(t.app.database.db, { personId, via: 'cli', now: t.clock.now(), baseUrl: 'http://127.0.0.1' });
  const res = await server.inject({
    method: 'POST',
    url: '/console/login',
    payload: `token=${url.split('/').pop()}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.statusCode, res.body).toBe(303);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  cookies.set(personId, cookie);
  return cookie;
}
const get = async (personId: string, url: string) => server.inject({ method: 'GET', url, headers: { cookie: await cookieOf(personId) } });
const json = async (personId: string, url: string) => {
  const res = await get(personId, url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
/** CSV rows without the BOM and the header, cells split (none here hold commas or quotes). */
const csvRows = (body: string) =>
  body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .map((l) => l.split(','));

beforeAll(async () => {
  t = await startTestApp({ start: MONDAY, env: { API_TOKENS: `read:${READ_TOKEN},ingest:${INGEST_TOKEN}` } });
  server = buildServer(t.app);
  await server.ready();
  const hd = (m: InboundMessage) => titled(m, '华东医疗 · 随访平台项目');
  await say(hd(chat({ conv: 'c-hd', from: 'zhangsan', text: '李主任您好，我是张三，拉了这个群方便沟通随访平台的事。', at: at(10) })));
  await say(hd(chat({ conv: 'c-hd', from: 'cust-li', name: '李主任', text: '整套下来大概什么价位？', at: at(20) })));
  await say(hd(chat({ conv: 'c-hd', from: 'zhangsan', text: '报价单发您了：标准版首年 48 万，含实施和培训。', at: at(30) })));
  await say(hd(chat({ conv: 'c-hd', from: 'cust-li', name: '李主任', text: '48 万？太贵了，超出我们今年的预算了。', at: at(40) })));
  await say(titled(chat({ conv: 'c-df', from: 'lisi', text: '周经理好，方案已发送，the pricing sheet is attached.', at: at(60) }), '东方物流 · 仓储系统'));
  await say(
    titled(chat({ conv: 'c-bf', from: 'zhaomin', text: '何总好，周三下午两点线上演示可以吗？预算方面我们再聊。', at: at(24 * 60 + 70) }), '北方电力 · 巡检'),
  );
}, 180_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

describe('deals list filters', () => {
  it('filters by customer words, status, team, value score and updated days, within the viewer’s scope', async () => {
    const names = async (who: string, q: string) => ((await json(who, `/v1/console/deals?${q}`)).items as { name: string }[]).map((d) => d.name).sort();
    expect(await names('ops', '')).toEqual(['东方物流 · 仓储系统', '北方电力 · 巡检', '华东医疗 · 随访平台项目']);
    expect(await names('ops', 'team=north')).toEqual(['北方电力 · 巡检']);
    expect(await names('wangjing', 'team=north')).toEqual([]);
    expect(await names('ops', `q=${encodeURIComponent('医疗 随访')}`)).toEqual(['华东医疗 · 随访平台项目']);
    // The customer contact's name counts as a word of the deal.
    expect(await names('ops', `q=${encodeURIComponent('李主任')}`)).toEqual(['华东医疗 · 随访平台项目']);
    expect(await names('ops', 'status=won')).toEqual([]);
    expect(await names('ops', 'status=open&from=2026-11-24&to=2026-11-24')).toEqual(['北方电力 · 巡检']);
    expect(await names('ops', 'to=2026-11-23')).toEqual(['东方物流 · 仓储系统', '华东医疗 · 随访平台项目']);
    const scores = ((await json('ops', '/v1/console/deals')).items as { valueScore: number }[]).map((d) => d.valueScore);
    const top = Math.max(...scores);
    expect((await json('ops', `/v1/console/deals?scoreMin=${top}`)).total).toBe(scores.filter((s) => s >= top).length);
    expect((await json('ops', `/v1/console/deals?scoreMax=${top - 1}`)).total).toBe(scores.filter((s) => s < top).length);
    expect(await names('lisi', '')).toEqual(['东方物流 · 仓储系统']);
  });

  it('pages the list and refuses bad filters with a 400 that names them', async () => {
    const first = await json('ops', '/v1/console/deals?limit=2');
    const second = await json('ops', '/v1/console/deals?limit=2&offset=2');
    expect(first.total).toBe(3);
    expect([...first.items, ...second.items].map((d: { id: string }) => d.id)).toHaveLength(3);
    for (const q of ['status=maybe', 'scoreMin=5&scoreMax=1', 'from=2026-13', 'from=2026-11-25&to=2026-11-24', 'nope=1']) {
      const res = await get('ops', `/v1/console/deals?${q}`);
      expect(res.statusCode, q).toBe(400);
    }
    // Days must be on the calendar and the stage in the funnel; the 400 names the filter, and an
    // impossible `from` is not reported as coming after `to`.
    for (const [q, filter] of [
      ['from=2026-13-45', 'from'],
      ['from=2026-02-30', 'from'],
      ['to=2026-11-31', 'to'],
      ['from=2026-13-45&to=2026-12-31', 'from'],
      ['stage=bogus', 'stage'],
    ]) {
      for (const url of [`/v1/console/deals?${q}`, `/v1/console/export/deals?${q}`]) {
        const res = await get('ops', url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.message, url).toMatch(new RegExp(`^${filter}: `));
        expect(res.json().error.message, url).not.toContain('after');
      }
      expect((await get('ops', `/console/deals?${q}`)).statusCode, q).toBe(400);
    }
    expect((await get('ops', '/v1/console/search?from=2026-02-30')).statusCode).toBe(400);
    expect((await get('ops', '/v1/console/audit?to=2026-04-31')).statusCode).toBe(400);
    expect((await json('ops', '/v1/console/deals?stage=won&from=2024-02-29')).total).toBe(0);
    const page = await get('wangjing', `/console/deals?status=open&team=east`);
    expect(page.body).toContain('name="scoreMin"');
    expect(page.body).toContain('/v1/console/export/deals?team=east&amp;status=open&amp;format=csv');
  });
});

describe('conversation search', () => {
  it('finds a Chinese phrase and English words, marks them, and says where each message is', async () => {
    const r = await json('wangjing', `/v1/console/search?q=${encodeURIComponent('太贵了')}`);
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({
      text: '48 万？太贵了，超出我们今年的预算了。',
      dealName: '华东医疗 · 随访平台项目',
      speaker: '客户 · 李主任',
      dealId: await dealOf('c-hd'),
    });
    expect(r.items[0].actions).toContain('objection_raised');
    const en = await json('ops', '/v1/console/search?q=PRICING+sheet');
    expect(en.items.map((m: { dealName: string }) => m.dealName)).toEqual(['东方物流 · 仓储系统']);
    const page = await get('wangjing', `/console/search?q=${encodeURIComponent('太贵了')}`);
    expect(page.body).toContain('<mark>太贵了</mark>');
  });

  it('keeps to the viewer’s deals: a word in another team’s chat is not found', async () => {
    const q = `/v1/console/search?q=${encodeURIComponent('预算')}`;
    expect((await json('ops', q)).total).toBe(2);
    expect((await json('wangjing', q)).items.map((m: { dealName: string }) => m.dealName)).toEqual(['华东医疗 · 随访平台项目']);
    expect((await json('zhaomin', q)).items.map((m: { dealName: string }) => m.dealName)).toEqual(['北方电力 · 巡检']);
    expect((await json('lisi', q)).total).toBe(0);
  });

  it('narrows by person, deal, action and days', async () => {
    const texts = async (q: string) => ((await json('ops', `/v1/console/search?${q}`)).items as { text: string }[]).map((m) => m.text);
    expect(await texts(`person=${encodeURIComponent('李主任')}`)).toHaveLength(2);
    expect(await texts('person=zhaomin')).toEqual(['何总好，周三下午两点线上演示可以吗？预算方面我们再聊。']);
    expect(await texts(`deal=${encodeURIComponent('东方')}`)).toHaveLength(1);
    expect(await texts('action=objection_raised')).toEqual(['48 万？太贵了，超出我们今年的预算了。']);
    expect(await texts('from=2026-11-24')).toHaveLength(1);
    expect(await texts(`q=${encodeURIComponent('预算')}&to=2026-11-23`)).toEqual(['48 万？太贵了，超出我们今年的预算了。']);
    expect((await get('ops', '/v1/console/search?action=nope')).statusCode).toBe(400);
  });

  it('highlights case-insensitively, escaping the text', () => {
    expect(highlight('Price <b>PRICE</b> 价格', ['price', '价'])).toBe('<mark>Price</mark> &lt;b&gt;<mark>PRICE</mark>&lt;/b&gt; <mark>价</mark>格');
  });
});

describe('exports', () => {
  it('a CSV with a BOM, the list’s filters and the viewer’s scope', async () => {
    const res = await get('wangjing', '/v1/console/export/deals?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="deals-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.headers['x-export-truncated']).toBe('false');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const [head, ...rows] = csvRows(res.body);
    expect(head!.slice(0, 3)).toEqual(['商机', '客户联系人', '负责人']);
    expect(rows.map((r) => r[0]).sort()).toEqual(['东方物流 · 仓储系统', '华东医疗 · 随访平台项目']);
    const rep = csvRows((await get('lisi', '/v1/console/export/deals')).body);
    expect(rep.slice(1).map((r) => r[0])).toEqual(['东方物流 · 仓储系统']);
    const search = csvRows((await get('zhaomin', `/v1/console/export/search?q=${encodeURIComponent('预算')}`)).body);
    expect(search.slice(1).map((r) => r[1])).toEqual(['北方电力 · 巡检']);
  });

  it('an Excel workbook with the same rows', async () => {
    const res = await get('ops', `/v1/console/export/search?format=xlsx&q=${encodeURIComponent('预算')}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const values = sheet.getSheetValues().slice(1) as unknown[][];
    expect(values[0]!.slice(1, 3)).toEqual(['时间', '商机']);
    expect(
      values
        .slice(1)
        .map((r) => r[2])
        .sort(),
    ).toEqual(['北方电力 · 巡检', '华东医疗 · 随访平台项目']);
  });

  it('a deal’s timeline and the audit log, in scope; a bad format is a 400', async () => {
    const id = await dealOf('c-hd');
    const timeline = csvRows((await get('wangjing', `/v1/console/export/deals/${id}/timeline`)).body);
    expect(timeline.some((r) => r.includes('48 万？太贵了，超出我们今年的预算了。'))).toBe(true);
    expect((await get('lisi', `/v1/console/export/deals/${id}/timeline`)).statusCode).toBe(403);
    // Sign-ins are audited: the admin exports everyone's, a rep only their own.
    await cookieOf('lisi');
    const all = csvRows((await get('ops', '/v1/console/export/audit?action=session.')).body).slice(1);
    expect(new Set(all.map((r) => r[1]))).toEqual(new Set(['陈运营', '王静', '李四', '赵敏']));
    const own = csvRows((await get('lisi', '/v1/console/export/audit')).body).slice(1);
    expect(new Set(own.map((r) => r[1]))).toEqual(new Set(['李四']));
    expect((await get('ops', '/v1/console/export/deals?format=pdf')).statusCode).toBe(400);
  });

  it('guards cells a spreadsheet would run as formulas', async () => {
    await say(titled(chat({ conv: 'c-x', from: 'sunhao', text: '=HYPERLINK("http://x")', at: at(24 * 60 + 80) }), '=cmd|calc'));
    const rows = (await get('ops', `/v1/console/export/deals?q=${encodeURIComponent('=cmd')}`)).body;
    expect(rows).toContain("'=cmd|calc");
  });
});

describe('/v1/console with an API token', () => {
  const bearer = (token: string, method: 'GET' | 'PATCH', url: string) =>
    server.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(method === 'PATCH' ? { payload: { name: 'x' } } : {}) });

  it('a read token reads every deal, the search and an export; it changes nothing', async () => {
    const deals = await bearer(READ_TOKEN, 'GET', '/v1/console/deals');
    expect(deals.statusCode).toBe(200);
    expect(deals.json().total).toBe(4);
    expect((await bearer(READ_TOKEN, 'GET', `/v1/console/search?q=${encodeURIComponent('太贵了')}`)).json().total).toBe(1);
    expect((await bearer(READ_TOKEN, 'GET', '/v1/console/export/deals')).statusCode).toBe(200);
    expect((await bearer(READ_TOKEN, 'GET', '/v1/console/dashboard')).statusCode).toBe(200);
    const id = await dealOf('c-hd');
    const patch = await bearer(READ_TOKEN, 'PATCH', `/v1/console/deals/${id}`);
    expect(patch.statusCode).toBe(403);
    const [deal] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, id));
    expect(deal!.name).toBe('华东医疗 · 随访平台项目');
  });

  it('refuses a wrong token, a token without read, and a token on the pages', async () => {
    expect((await bearer('wrong-token-0123456789abcdef', 'GET', '/v1/console/deals')).statusCode).toBe(401);
    expect((await bearer(INGEST_TOKEN, 'GET', '/v1/console/deals')).statusCode).toBe(403);
    expect((await bearer(READ_TOKEN, 'GET', '/console/deals')).statusCode).toBe(401);
  });
});

describe('reading in the console', () => {
  it('shows each document_viewed on the deal timeline with the document, pages and seconds, and the document page', async () => {
    const { payload, headers } = multipartBody(
      { conversationId: 'c-hd', senderId: 'zhangsan', platform: 'local' },
      { name: '华东医疗-报价单.pdf', type: 'application/pdf', body: samplePdf() },
    );
    const shared = await server.inject({ method: 'POST', url: '/v1/documents', payload, headers: { ...headers, authorization: `Bearer ${INGEST_TOKEN}` } });
    expect(shared.statusCode, shared.body).toBe(201);
    const docId = shared.json().id as string;
    await readLink(server, tokenOf(shared.json().url), {
      browser: 'li-phone',
      clock: t.clock,
      pages: [
        { page: 1, seconds: 6 },
        { page: 7, seconds: 40 },
      ],
    });
    await t.app.drain();
    const id = await dealOf('c-hd');
    const deal = await json('wangjing', `/v1/console/deals/${id}`);
    const reading = deal.timeline.find((i: { type: string }) => i.type === 'reading');
    expect(reading).toMatchObject({ documentId: docId, title: '华东医疗-报价单', seconds: 46 });
    expect(reading.pages[0]).toMatchObject({ page: 7, label: '第7页 · 价格', seconds: 40 });
    const html = (await get('wangjing', `/console/deals/${id}`)).body;
    expect(html).toMatch(/class="event reading"[\s\S]*华东医疗-报价单[\s\S]*第7页 · 价格/);
    const doc = await get('wangjing', `/console/documents/${docId}`);
    expect(doc.statusCode).toBe(200);
    expect(doc.body).toContain('<strong id="doc-opens">1</strong>');
    expect(doc.body).toMatch(/data-page="7"><th>第7页 · 价格<\/th><td class="num">40秒/);
    const api = await json('ops', `/v1/console/documents/${docId}`);
    expect(api.analytics).toMatchObject({ opens: 1, readers: 1 });
    expect(api.analytics.skippedPages).toContain(2);
    // A rep of another deal may not read it.
    expect((await get('lisi', `/console/documents/${docId}`)).statusCode).toBe(403);
    const timeline = csvRows((await get('wangjing', `/v1/console/export/deals/${id}/timeline`)).body);
    expect(timeline.find((r) => r[1] === '阅读')?.[3]).toContain('华东医疗-报价单');
  });
});
