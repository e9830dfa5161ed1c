/**
 * The customer's side over HTTP (fastify inject, real database): the viewer page and its assets,
 * opens and forwards, beacons and what they store, refused beacons storing nothing, gone links,
 * downloads, rate limits, and the reading events and analytics that come out.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentAnalytics, readingSummary } from '../../bots/documents/analytics.ts';
import { documentPageReads, documentViews } from '../../db/schema/index.ts';
import { samplePdf, shareSample, startDocServer, type DocServer } from './harness.ts';

let s: DocServer;
let clock = new Date('2026-11-25T10:00:00+08:00');

// Opening an embedded database runs initdb and the migrations: slow on a busy 2-core machine.
beforeAll(async () => {
  s = await startDocServer({ listen: false, now: () => clock, limits: { beaconPerLinkPerMinute: 40 } });
}, 120_000);
afterAll(async () => {
  await s?.close();
});

/** Moves the server's clock on, as the time a beacon reports passes for a real reader. */
const tick = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};
const id22 = () => randomUUID().replace(/-/g, '').slice(0, 22);
const UA_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.16 MicroMessenger/7.0.1';

function open(token: string, o: { browserId?: string; sessionId?: string; ip?: string; ua?: string } = {}) {
  return s.server.inject({
    method: 'POST',
    url: `/d/${token}/open`,
    payload: { sessionId: o.sessionId ?? id22(), browserId: o.browserId ?? id22() },
    remoteAddress: o.ip ?? '203.0.113.10',
    headers: { 'user-agent': o.ua ?? UA_IPHONE },
  });
}
function beacon(token: string, payload: unknown, ip = '203.0.113.10') {
  return s.server.inject({
    method: 'POST',
    url: `/d/${token}/beacon`,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json' },
    remoteAddress: ip,
  });
}
const reads = (viewId: string) => s.database.db.select().from(documentPageReads).where(eq(documentPageReads.viewId, viewId)).orderBy(documentPageReads.page);
const countRows = async () => {
  const [r] = await s.database.db
    .select({
      views: sql<number>`(select count(*)::int from document_views)`,
      reads: sql<number>`(select count(*)::int from document_page_reads)`,
      seconds: sql<number>`(select coalesce(sum(seconds), 0)::float8 from document_page_reads)`,
    })
    .from(sql`(select 1) as one`);
  return r!;
};

describe('the viewer page', () => {
  it('is served with noindex, a strict CSP and only same-origin assets', async () => {
    const { token } = await shareSample(s);
    const res = await s.server.inject({ method: 'GET', url: `/d/${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.body).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(res.body).toContain('方案建议书-华东医疗');
    expect(res.body).toContain('共 9 页');
    expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    // Opening the page itself records nothing: link previews and crawlers run no script.
    expect((await countRows()).views).toBe(0);

    const assets = [...res.body.matchAll(/(?:src|href|data-pdfjs|data-worker)="(\/d\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(4);
    for (const url of assets) {
      const a = await s.server.inject({ method: 'GET', url });
      expect(a.statusCode, url).toBe(200);
      expect(a.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(a.headers['x-robots-tag']).toBe('noindex, nofollow');
    }
    const root = /data-pdfjs-root="([^"]+)"/.exec(res.body)![1]!;
    expect((await s.server.inject({ method: 'GET', url: `${root}cmaps/UniGB-UCS2-H.bcmap` })).statusCode).toBe(200);
    for (const bad of [`${root}cmaps/..%2F..%2Fpackage.json`, `${root}../../../package.json`, `${root}build/pdf.mjs.map`, `${root}cmaps/.hidden`]) {
      expect((await s.server.inject({ method: 'GET', url: bad })).statusCode, bad).toBe(404);
    }
  });

  it('escapes the document title', async () => {
    const { token } = await shareSample(s, '<img src=x onerror=alert(1)>报价.pdf', { fresh: true });
    const res = await s.server.inject({ method: 'GET', url: `/d/${token}` });
    expect(res.body).not.toContain('<img');
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;报价');
  });

  it('serves the PDF inline, and as a download counted on the view that asked', async () => {
    const { token } = await shareSample(s);
    const other = await shareSample(s);
    const viewId = (await open(token)).json().viewId as string;
    const otherView = (await open(other.token)).json().viewId as string;

    const inline = await s.server.inject({ method: 'GET', url: `/d/${token}/file` });
    expect(inline.statusCode).toBe(200);
    expect(inline.headers['content-type']).toBe('application/pdf');
    expect(inline.headers['content-disposition']).toMatch(/^inline;/);
    expect(inline.rawPayload.equals(samplePdf())).toBe(true);

    const dl = await s.server.inject({ method: 'GET', url: `/d/${token}/file?download=1&view=${viewId}` });
    expect(dl.headers['content-disposition']).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''%E6%96%B9/);
    // Another link's view id counts nothing.
    await s.server.inject({ method: 'GET', url: `/d/${token}/file?download=1&view=${otherView}` });
    const [v] = await s.database.db.select().from(documentViews).where(eq(documentViews.id, viewId));
    const [o] = await s.database.db.select().from(documentViews).where(eq(documentViews.id, otherView));
    expect(v!.downloads).toBe(1);
    expect(o!.downloads).toBe(0);
  });
});

describe('links that no longer open', () => {
  it('show a clear page (404 unknown, 410 revoked or expired) and record nothing', async () => {
    const { id, token } = await shareSample(s, '合同草案.pdf');
    // Read once before the revocation, so this process already knows the token's link.
    const viewId = (await open(token)).json().viewId as string;
    expect((await beacon(token, { viewId, pages: [{ page: 1, seconds: 5, visits: 1 }] })).statusCode).toBe(204);
    const before = await countRows();
    const unknown = await s.server.inject({ method: 'GET', url: `/d/${'A'.repeat(43)}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('链接已失效');
    expect(unknown.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect((await s.server.inject({ method: 'GET', url: '/d/short' })).statusCode).toBe(404);

    await s.server.inject({ method: 'DELETE', url: `/v1/documents/${id}/link` });
    for (const url of [`/d/${token}`, `/d/${token}/file`]) {
      const res = await s.server.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(410);
      expect(res.body).toContain('链接已失效');
      expect(res.body).toContain('收回');
      expect(res.body).not.toContain('<script');
    }
    expect((await open(token)).statusCode).toBe(410);
    expect((await beacon(token, { viewId, pages: [{ page: 1, seconds: 5 }] })).statusCode).toBe(410);
    expect((await beacon(token, { viewId: randomUUID(), pages: [{ page: 1, seconds: 5 }] })).statusCode).toBe(410);
    expect(await countRows()).toEqual(before);
    expect((await reads(viewId)).map((r) => r.seconds)).toEqual([5]);
  });

  it('expire after DOCUMENT_LINK_DAYS', async () => {
    const { token } = await shareSample(s, '白皮书.pdf');
    const viewId = (await open(token)).json().viewId as string;
    const saved = clock;
    clock = new Date(saved.getTime() + 31 * 86_400_000);
    try {
      const res = await s.server.inject({ method: 'GET', url: `/d/${token}` });
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain('已过期');
      expect((await beacon(token, { viewId, pages: [{ page: 2, seconds: 5, visits: 1 }] })).statusCode).toBe(410);
      expect(await reads(viewId)).toEqual([]);
    } finally {
      clock = saved;
    }
  });
});

describe('opens', () => {
  it('make a view once per page load, and mark another device or network as forwarded', async () => {
    const { token } = await shareSample(s);
    const browser = id22();
    const session = id22();
    const first = await open(token, { browserId: browser, sessionId: session });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ pageCount: 9 });
    // A retried open of the same page load is the same view.
    const retried = await open(token, { browserId: browser, sessionId: session });
    expect(retried.statusCode).toBe(200);
    expect(retried.json().viewId).toBe(first.json().viewId);

    const sameBrowserSameNet = await open(token, { browserId: browser, ip: '203.0.113.99' });
    const otherDevice = await open(token, { browserId: id22() });
    const otherNetwork = await open(token, { browserId: browser, ip: '198.51.100.7' });
    const views = await s.database.db
      .select()
      .from(documentViews)
      .where(
        sql`${documentViews.id} in (${sql.join(
          [first, sameBrowserSameNet, otherDevice, otherNetwork].map((r) => sql`${r.json().viewId as string}`),
          sql`, `,
        )})`,
      );
    const forwarded = (r: typeof first) => views.find((v) => v.id === r.json().viewId)!.forwarded;
    expect([forwarded(first), forwarded(sameBrowserSameNet), forwarded(otherDevice), forwarded(otherNetwork)]).toEqual([false, false, true, true]);
    // Never the address itself.
    expect(JSON.stringify(views)).not.toMatch(/203\.0\.113|198\.51\.100/);
  });

  it('refuse a malformed open and store nothing', async () => {
    const { token } = await shareSample(s);
    const before = await countRows();
    for (const payload of [{}, { sessionId: 'x', browserId: 'y' }, { sessionId: id22(), browserId: id22(), extra: 1 }]) {
      const res = await s.server.inject({ method: 'POST', url: `/d/${token}/open`, payload });
      expect(res.statusCode).toBe(400);
    }
    expect(await countRows()).toEqual(before);
  });
});

describe('beacons', () => {
  it('add up page seconds and visits in one row per page', async () => {
    const { token } = await shareSample(s);
    const viewId = (await open(token)).json().viewId as string;
    tick(15);
    expect(
      (
        await beacon(token, {
          viewId,
          pages: [
            { page: 1, seconds: 4.2, visits: 1 },
            { page: 7, seconds: 15, visits: 1 },
          ],
        })
      ).statusCode,
    ).toBe(204);
    tick(12.5);
    expect((await beacon(token, { viewId, pages: [{ page: 7, seconds: 12.5, visits: 0 }] })).statusCode).toBe(204);
    tick(3);
    expect((await beacon(token, { viewId, pages: [{ page: 7, seconds: 3, visits: 1 }] })).statusCode).toBe(204);
    expect((await reads(viewId)).map((r) => [r.page, r.seconds, r.visits])).toEqual([
      [1, 4.2, 1],
      [7, 30.5, 2],
    ]);
  });

  it('are refused when forged, and store nothing', async () => {
    const { token } = await shareSample(s);
    const other = await shareSample(s);
    const viewId = (await open(token)).json().viewId as string;
    const othersView = (await open(other.token)).json().viewId as string;
    await beacon(token, { viewId, pages: [{ page: 2, seconds: 5, visits: 1 }] });
    const before = await countRows();
    const [seen] = await s.database.db.select().from(documentViews).where(eq(documentViews.id, viewId));

    const cases: [string, unknown, number][] = [
      ['an unknown view', { viewId: randomUUID(), pages: [{ page: 7, seconds: 5 }] }, 404],
      ['another link’s view', { viewId: othersView, pages: [{ page: 7, seconds: 5 }] }, 404],
      ['page 99', { viewId, pages: [{ page: 99, seconds: 5 }] }, 400],
      ['negative seconds', { viewId, pages: [{ page: 7, seconds: -5 }] }, 400],
      ['an hour in one beacon', { viewId, pages: [{ page: 7, seconds: 3600 }] }, 400],
      [
        'a page twice',
        {
          viewId,
          pages: [
            { page: 7, seconds: 5 },
            { page: 7, seconds: 5 },
          ],
        },
        400,
      ],
      ['not JSON', '{"viewId":', 400],
      ['a huge body', { viewId, pages: [{ page: 7, seconds: 5 }], pad: 'x'.repeat(5000) }, 413],
    ];
    for (const [name, payload, status] of cases) {
      const res = await beacon(token, payload);
      expect(res.statusCode, name).toBe(status);
    }
    expect(await countRows()).toEqual(before);
    const [after] = await s.database.db.select().from(documentViews).where(eq(documentViews.id, viewId));
    expect(after!.lastSeenAt).toEqual(seen!.lastSeenAt);
  });

  it('add no more seconds than passed since the view opened: forged beacons are cut, not refused', async () => {
    const { token } = await shareSample(s, '伪造阅读.pdf', { fresh: true });
    s.events.length = 0;
    const viewId = (await open(token)).json().viewId as string;
    const forged = { viewId, pages: [7, 1, 2, 3].map((page) => ({ page, seconds: 120, visits: 0 })) };
    // Ten beacons of four pages at 120 s each within 0.84 s: 4,800 s claimed.
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      tick(0.084);
      statuses.push((await beacon(token, forged)).statusCode);
    }
    expect(statuses).toEqual(Array(10).fill(204));
    const total = (await reads(viewId)).reduce((sum, r) => sum + r.seconds, 0);
    // 0.84 s since the open, and the allowance for clock skew (5 s).
    expect(total).toBeGreaterThan(5);
    expect(total).toBeLessThanOrEqual(5.84);
    expect(s.events.flatMap((e) => e.signals)).toEqual([]);
    expect(
      s.events
        .filter((e) => e.type === 'read')
        .flatMap((e) => e.pages)
        .reduce((sum, p) => sum + p.seconds, 0),
    ).toBeCloseTo(total, 5);

    // A page is held to the time since the view's previous beacon: ten idle minutes allow one
    // beacon's 120 s of page 7, and a second one just after adds the allowance only.
    tick(600);
    await beacon(token, { viewId, pages: [{ page: 7, seconds: 120, visits: 1 }] });
    tick(1);
    await beacon(token, { viewId, pages: [{ page: 7, seconds: 120, visits: 0 }] });
    expect(s.events.at(-2)!.pages).toEqual([{ page: 7, label: '第7页 · 价格', seconds: 120, visits: 1 }]);
    expect(s.events.at(-1)!.pages).toEqual([{ page: 7, label: '第7页 · 价格', seconds: 6, visits: 0 }]);
    expect((await reads(viewId)).reduce((sum, r) => sum + r.seconds, 0)).toBeCloseTo(total + 126, 5);
  });

  it('keep the seconds of a real reader whole, the jitter of its timer included', async () => {
    const { token } = await shareSample(s, '正常阅读.pdf', { fresh: true });
    s.events.length = 0;
    const viewId = (await open(token)).json().viewId as string;
    // The viewer's 15 s beacons, as the server's clock sees them arrive: a little early or late,
    // its first one 2 s after the open was stored (the page started timing before).
    const arrivals = [13, 14.2, 16.1, 14.8, 15, 15.3, 14.6, 15, 15.2, 15];
    for (const [i, after] of arrivals.entries()) {
      tick(after);
      const pages =
        i === 0
          ? [
              { page: 1, seconds: 5, visits: 1 },
              { page: 7, seconds: 10, visits: 1 },
            ]
          : [{ page: 7, seconds: 15, visits: 0 }];
      expect((await beacon(token, { viewId, pages })).statusCode).toBe(204);
    }
    expect((await reads(viewId)).map((r) => [r.page, r.seconds, r.visits])).toEqual([
      [1, 5, 1],
      [7, 145, 1],
    ]);
    // Past 120 s on the price page: the dwell rule, once.
    expect(s.events.flatMap((e) => e.signals).map((x) => x.kind)).toEqual(['price_page_dwell']);
  });

  it('are rate-limited per link', async () => {
    const { token } = await shareSample(s, '限流测试.pdf');
    const viewId = (await open(token)).json().viewId as string;
    tick(40);
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await beacon(token, { viewId, pages: [{ page: 3, seconds: 1, visits: 0 }] })).statusCode);
    // 40 a minute on this server (DEFAULT_LIMITS allows 240).
    expect(statuses.filter((x) => x === 204)).toHaveLength(40);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429, 429]);
    expect((await reads(viewId))[0]!.seconds).toBe(40);
  });
});

describe('reading events, signals and analytics', () => {
  it('signal the third visit of the price page exactly once, and a new reader of the proposal', async () => {
    const { id, token } = await shareSample(s, '华东医疗-方案建议书v3.pdf', { fresh: true });
    s.events.length = 0;
    const me = id22();
    // Each open a minute after the last, as a customer coming back would.
    const later = () => {
      clock = new Date(clock.getTime() + 60_000);
    };
    const v1 = (await open(token, { browserId: me })).json().viewId as string;
    tick(20);
    await beacon(token, {
      viewId: v1,
      pages: [
        { page: 1, seconds: 3, visits: 1 },
        { page: 7, seconds: 20, visits: 1 },
      ],
    });
    // A glance at page 2 (under the 2 s that make a page read): no rule page, so no totals read.
    tick(1);
    await beacon(token, { viewId: v1, pages: [{ page: 2, seconds: 1, visits: 1 }] });
    const glance = s.events.at(-1)!;
    expect(glance).toMatchObject({ type: 'read', totals: null, signals: [], pages: [{ page: 2, label: '第2页 · 公司介绍', seconds: 1, visits: 1 }] });
    expect(s.events.at(-2)!.totals).toMatchObject({ before: { opens: 1, readers: 1, pages: [] }, after: { pages: [{ page: 7, seconds: 20, visits: 1 }] } });
    later();
    const v2 = (await open(token, { browserId: me })).json().viewId as string;
    tick(15);
    await beacon(token, { viewId: v2, pages: [{ page: 7, seconds: 15, visits: 1 }] });
    tick(15);
    await beacon(token, { viewId: v2, pages: [{ page: 7, seconds: 15, visits: 0 }] });
    later();
    const v3 = (await open(token, { browserId: me })).json().viewId as string;
    tick(10);
    await beacon(token, { viewId: v3, pages: [{ page: 7, seconds: 10, visits: 1 }] });
    tick(10);
    await beacon(token, { viewId: v3, pages: [{ page: 7, seconds: 10, visits: 1 }] });

    const signals = s.events.flatMap((e) => e.signals);
    expect(signals).toEqual([
      {
        kind: 'price_page_reread',
        page: 7,
        label: '第7页 · 价格',
        visits: 3,
        seconds: 60,
        opens: 3,
        idempotencyKey: `doc:price_page_reread:${id}:opp-huadong:7`,
      },
    ]);
    const read = s.events.find((e) => e.signals.length > 0)!;
    expect(read).toMatchObject({
      type: 'read',
      documentId: id,
      opportunityId: 'opp-huadong',
      conversationId: 'local:c-huadong-medical',
      documentKind: 'proposal',
    });
    expect(read.pages).toEqual([{ page: 7, label: '第7页 · 价格', seconds: 10, visits: 1 }]);
    expect(s.events.filter((e) => e.type === 'opened')).toHaveLength(3);

    // Someone else opens it: a new reader of a proposal.
    s.events.length = 0;
    later();
    await open(token, { browserId: id22(), ip: '198.51.100.20' });
    expect(s.events[0]!.forwarded).toBe(true);
    expect(s.events[0]!.signals).toEqual([{ kind: 'new_reader', readers: 2, opens: 4, idempotencyKey: `doc:new_reader:${id}:opp-huadong:2` }]);

    const stats = (await documentAnalytics(s.database.db, id))!;
    expect(stats).toMatchObject({ opens: 4, readers: 2, forwards: 1, downloads: 0 });
    expect(stats.pages[6]).toEqual({ page: 7, label: '第7页 · 价格', seconds: 70, visits: 4, readers: 1 });
    expect(stats.rereadPages).toEqual([7]);
    expect(stats.skippedPages).toEqual([2, 3, 4, 5, 6, 8, 9]);
    expect(stats.totalSeconds).toBe(74);

    const summary = await readingSummary(s.database.db, { opportunityId: 'opp-huadong' });
    const doc = summary.documents.find((d) => d.documentId === id)!;
    expect(doc.opens).toBe(4);
    expect(doc.firstSharedAt).toBeInstanceOf(Date);
    const opens = summary.opens.filter((o) => o.documentId === id);
    expect(opens.map((o) => o.seconds)).toEqual([24, 30, 20, 0]);
    expect(opens[0]!.pages[0]).toEqual({ page: 7, label: '第7页 · 价格', seconds: 20, visits: 1 });
  });
});
