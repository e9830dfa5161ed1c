/** POST/GET/DELETE/PATCH /v1/documents on a real server and database (fastify inject). */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuthorizer, registerDocumentRoutes } from '../../bots/documents/routes.ts';
import { documentLinks, documents } from '../../db/schema/index.ts';
import { DEAL, multipartBody, samplePdf, shareSample, startDocServer, type DocServer } from './harness.ts';

let s: DocServer;

// Opening an embedded database runs initdb and the migrations: slow on a busy 2-core machine.
beforeAll(async () => {
  s = await startDocServer({ listen: false });
}, 120_000);
afterAll(async () => {
  await s?.close();
});

const fields = { conversationId: DEAL.chatId, senderId: DEAL.personId, platform: 'local' };
const upload = (f: Record<string, string>, file?: Parameters<typeof multipartBody>[1], headers: Record<string, string> = {}) => {
  const body = multipartBody(f, file);
  return s.server.inject({ method: 'POST', url: '/v1/documents', payload: body.payload, headers: { ...body.headers, ...headers } });
};
const countDocuments = async () => (await s.database.db.select({ n: sql<number>`count(*)::int` }).from(documents))[0]!.n;

describe('POST /v1/documents', () => {
  it('stores the PDF and answers with a tracked link for the deal’s chat', async () => {
    const shared = await shareSample(s);
    expect(shared.url).toMatch(/^http:\/\/127\.0\.0\.1\/d\/[A-Za-z0-9_-]{43}$/);

    const res = await s.server.inject({ method: 'GET', url: `/v1/documents/${shared.id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.document).toMatchObject({
      title: '方案建议书-华东医疗',
      fileName: '方案建议书-华东医疗.pdf',
      mime: 'application/pdf',
      size: samplePdf().length,
      sha256: createHash('sha256').update(samplePdf()).digest('hex'),
      kind: 'proposal',
      pageCount: 9,
      uploadedBy: DEAL.personId,
      conversationId: DEAL.conversationId,
      opportunityId: DEAL.opportunityId,
    });
    expect(body.document.labels[6]).toEqual({ page: 7, title: '价格', label: '第7页 · 价格' });
    expect(body.links).toHaveLength(1);
    expect(body.links[0]).toMatchObject({ state: 'open', opportunityId: DEAL.opportunityId, createdBy: DEAL.personId });
    // 30 days, from DOCUMENT_LINK_DAYS.
    expect(new Date(body.links[0].expiresAt).getTime() - new Date(body.links[0].createdAt).getTime()).toBe(30 * 86_400_000);
    expect(body.stats).toMatchObject({ opens: 0, readers: 0, skippedPages: [], rereadPages: [] });

    // Only the token's hash is stored, nowhere the token itself.
    const [link] = await s.database.db.select().from(documentLinks).where(sql`${documentLinks.documentId} = ${shared.id}`);
    expect(link!.tokenHash).toBe(createHash('sha256').update(shared.token).digest('hex'));
    const dump = JSON.stringify(await s.database.db.execute(sql`select * from document_links, documents`));
    expect(dump).not.toContain(shared.token);
    // The file itself is in the storage under our key, not the rep's file name.
    expect(await readdir(join(s.dataDir, 'documents'))).toContain(`${shared.id}.pdf`);
  });

  it('keeps one document when the same file is shared with the same chat again, with a new link', async () => {
    const a = await shareSample(s, '方案建议书.pdf');
    const b = await shareSample(s, '方案建议书.pdf');
    expect(b.id).toBe(a.id);
    expect(b.token).not.toBe(a.token);
    const res = await s.server.inject({ method: 'GET', url: `/v1/documents/${a.id}` });
    expect(res.json().links.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['no multipart body', () => s.server.inject({ method: 'POST', url: '/v1/documents', payload: { conversationId: 'x' } }), 400, /multipart/],
    ['no file', () => upload(fields), 400, /missing the file/],
    ['a file that is not declared a PDF', () => upload(fields, { name: 'a.txt', type: 'text/plain', body: Buffer.from('hello') }), 400, /application\/pdf/],
    ['a "PDF" that is not one', () => upload(fields, { name: 'fake.pdf', type: 'application/pdf', body: Buffer.from('MZ\x90 not a pdf') }), 400, /only PDF/],
    ['a broken PDF', () => upload(fields, { name: 'broken.pdf', type: 'application/pdf', body: Buffer.from('%PDF-1.7\nnothing else') }), 400, /readable/],
    [
      'a sender outside the directory',
      () => upload({ ...fields, senderId: 'cust-li' }, { name: 'p.pdf', type: 'application/pdf', body: samplePdf() }),
      403,
      /directory/,
    ],
    [
      'an unknown chat',
      () => upload({ ...fields, conversationId: 'c-nobody' }, { name: 'p.pdf', type: 'application/pdf', body: samplePdf() }),
      404,
      /unknown conversation/,
    ],
    [
      'the rep’s own chat with the bot',
      () => upload({ ...fields, conversationId: 'dm-zhangsan' }, { name: 'p.pdf', type: 'application/pdf', body: samplePdf() }),
      400,
      /customer chat/,
    ],
    ['an unknown platform', () => upload({ ...fields, platform: 'slack' }, { name: 'p.pdf', type: 'application/pdf', body: samplePdf() }), 400, /platform/],
    ['an unknown field', () => upload({ ...fields, admin: '1' }, { name: 'p.pdf', type: 'application/pdf', body: samplePdf() }), 400, /admin|unrecognized/i],
    [
      'two files',
      () => {
        const one = multipartBody(fields, { name: 'a.pdf', type: 'application/pdf', body: samplePdf() });
        const two = multipartBody({}, { name: 'b.pdf', type: 'application/pdf', body: samplePdf(), field: 'file' });
        const boundary = one.headers['content-type']!.split('boundary=')[1]!;
        const second = two.payload.toString('latin1').replace(/--(----dealwise[0-9a-f]+)/g, `--${boundary}`);
        const payload = Buffer.concat([one.payload.subarray(0, one.payload.length - `--${boundary}--\r\n`.length), Buffer.from(second, 'latin1')]);
        return s.server.inject({ method: 'POST', url: '/v1/documents', payload, headers: one.headers });
      },
      413,
      /files limit/i,
    ],
  ])('refuses %s and stores nothing', async (_name, send, status, message) => {
    const before = await countDocuments();
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(res.json().error.message).toMatch(message);
    expect(await countDocuments()).toBe(before);
  });

  it('refuses a file over 20 MB with 413 and stores nothing', async () => {
    const before = await countDocuments();
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(20 * 1024 * 1024 + 1, 0x20)]);
    const res = await upload(fields, { name: 'big.pdf', type: 'application/pdf', body: big });
    expect(res.statusCode).toBe(413);
    expect(await countDocuments()).toBe(before);
  });

  it('keeps the rep’s Chinese file name', async () => {
    const res = await upload(fields, { name: '报价单_华东医疗_v2.pdf', type: 'application/pdf', body: Buffer.concat([samplePdf(), Buffer.from('\n%v2\n')]) });
    expect(res.statusCode).toBe(201);
    const doc = (await s.server.inject({ method: 'GET', url: `/v1/documents/${res.json().id}` })).json().document;
    expect(doc).toMatchObject({ fileName: '报价单_华东医疗_v2.pdf', title: '报价单_华东医疗_v2', kind: 'quote' });
  });
});

describe('GET, DELETE, PATCH /v1/documents/:id', () => {
  it('answers 404 for an unknown or malformed id', async () => {
    for (const url of ['/v1/documents/00000000-0000-4000-8000-000000000000', '/v1/documents/nope', '/v1/documents/nope/link']) {
      const res = await s.server.inject({ method: url.endsWith('link') ? 'DELETE' : 'GET', url });
      expect(res.statusCode).toBe(404);
    }
  });

  it('revokes every link of a document, once', async () => {
    const shared = await shareSample(s, '案例集.pdf');
    const res = await s.server.inject({ method: 'DELETE', url: `/v1/documents/${shared.id}/link` });
    expect(res.statusCode).toBe(200);
    expect(res.json().revoked).toBeGreaterThanOrEqual(1);
    expect((await s.server.inject({ method: 'DELETE', url: `/v1/documents/${shared.id}/link` })).json()).toEqual({ revoked: 0 });
    const links = (await s.server.inject({ method: 'GET', url: `/v1/documents/${shared.id}` })).json().links as { state: string }[];
    expect(links.every((l) => l.state === 'revoked')).toBe(true);
  });

  it('lets the admin rename pages, within the document', async () => {
    const shared = await shareSample(s);
    const url = `/v1/documents/${shared.id}/labels`;
    const ok = await s.server.inject({
      method: 'PATCH',
      url,
      payload: {
        labels: [
          { page: 7, title: ' 价格与付款方式：' },
          { page: 1, title: null },
        ],
      },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().labels[6]).toEqual({ page: 7, title: '价格与付款方式', label: '第7页 · 价格与付款方式' });
    expect(ok.json().labels[0]).toEqual({ page: 1, title: null, label: '第1页' });
    expect((await s.server.inject({ method: 'PATCH', url, payload: { labels: [{ page: 99, title: 'x' }] } })).statusCode).toBe(400);
    expect((await s.server.inject({ method: 'PATCH', url, payload: { labels: [] } })).statusCode).toBe(400);
    expect((await s.server.inject({ method: 'PATCH', url, payload: { titles: ['x'] } })).statusCode).toBe(400);
    const doc = (await s.server.inject({ method: 'GET', url: `/v1/documents/${shared.id}` })).json().document;
    expect(doc.labels[6].label).toBe('第7页 · 价格与付款方式');
  });
});

describe('authorization', () => {
  it('asks for the API token like /v1 when one is set', async () => {
    // A second server on the same database, with the bearer check on.
    const guarded = Fastify({ logger: false });
    registerDocumentRoutes(guarded, {
      db: s.database.db,
      storage: s.storage,
      config: { DOCUMENT_LINK_DAYS: 30 },
      publicUrl: 'http://127.0.0.1',
      authorize: bearerAuthorizer('secret-token-123'),
    });
    try {
      const body = multipartBody(fields, { name: 'p.pdf', type: 'application/pdf', body: samplePdf() });
      const denied = await guarded.inject({ method: 'POST', url: '/v1/documents', payload: body.payload, headers: body.headers });
      expect(denied.statusCode).toBe(401);
      const wrong = await guarded.inject({
        method: 'GET',
        url: '/v1/documents/00000000-0000-4000-8000-000000000000',
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.statusCode).toBe(401);
      const ok = await guarded.inject({
        method: 'POST',
        url: '/v1/documents',
        payload: body.payload,
        headers: { ...body.headers, authorization: 'Bearer secret-token-123' },
      });
      expect(ok.statusCode).toBe(201);
    } finally {
      await guarded.close();
    }
  });
});
