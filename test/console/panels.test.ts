/**
 * The dashboard's analytics panels over HTTP (fastify inject, the real app on PGlite, a generated
 * history): the JSON under /v1/console/dashboard holds the heatmap with n, risks and stalls,
 * breakpoints with intervals, attribution, decay and compliance, for the manager's team only; the
 * page shows them as tables; a rep is refused.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLink } from '../../bots/console/links.ts';
import type { AnalyticsPanels } from '../../bots/console/panels/analytics.ts';
import { buildServer } from '../../bots/http/server.ts';
import { breakpoints } from '../../bots/reports/breakpoints.ts';
import { seedHistory } from '../../bots/reports/history.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { atomEvents, complianceRecords } from '../../db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
let t: TestApp;
let server: FastifyInstance;

beforeAll(async () => {
  t = await startTestApp({ start: NOW });
  const c = t.app.catalog.current;
  await seedHistory(t.app.database.db, {
    deals: 600,
    seed: 5,
    now: NOW,
    wh: { timeZone: 'Asia/Shanghai', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] },
    rules: c.playbook.rules,
  });
  // An atom pushed to 华东一组 in September and October (the two months before November) and never used: decaying.
  for (const [i, month] of ['09', '10'].entries())
    for (const rep of ['zhangsan', 'lisi'])
      await t.app.database.db
        .insert(atomEvents)
        .values({ id: `dec-${i}-${rep}`, atomId: 'competitor-named', personId: rep, kind: 'pushed', at: new Date(`2026-${month}-10T10:00:00+08:00`) });
  await t.app.database.db.insert(complianceRecords).values({
    id: 'cr1',
    kind: 'sensitive_phrase',
    subjectKey: 'm1',
    personId: 'zhangsan',
    conversationId: 'x',
    messageId: 'm1',
    detail: {},
    at: new Date('2026-11-26T10:00:00+08:00'),
  });
  server = buildServer(t.app);
  await server.ready();
}, 180_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

async function signIn(personId: string): Promise<string> {
  const link = await createConsoleLink(t.app.database.db, { personId, via: 'cli', now: t.clock.now(), baseUrl: 'http://127.0.0.1:3000' });
  const res = await server.inject({
    method: 'POST',
    url: '/console/login',
    payload: `token=${link.url.split('/').pop()}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(res.statusCode, res.body).toBe(303);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe('dashboard analytics panels', () => {
  it("gives a manager their team's panels as JSON, with n everywhere", async () => {
    const cookie = await signIn('wangjing');
    const res = await server.inject({ method: 'GET', url: '/v1/console/dashboard?period=本月', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const a = res.json().analytics as AnalyticsPanels;
    // Heatmap: reps of 华东一组 only, each cell with its n, adding up to the breakpoints' occasions.
    expect(a.heatmap.reps.map((r) => r.id).sort()).toEqual(['lisi', 'zhangsan']);
    expect(a.heatmap.behaviours.map((b) => b.key)).toContain('demo-golden-48h');
    const c = t.app.catalog.current;
    const direct = await breakpoints(t.app.database.db, {
      scope: { teamIds: ['east'] },
      now: NOW,
      timeZone: 'Asia/Shanghai',
      stages: winningPath(c.playbook.funnel),
      rules: c.playbook.rules,
    });
    expect(a.heatmap.cells.reduce((s, x) => s + x.n, 0)).toBe(direct.byRep.reduce((s, x) => s + x.n, 0));
    for (const cell of a.heatmap.cells) expect(cell.rate).toBe(cell.n > 0 ? cell.done / cell.n : null);
    // Breakpoints with intervals and the same numbers as the report.
    const demo = a.breakpoints.behaviours.find((b) => b.key === 'demo-golden-48h')!;
    expect(demo.advance.with.n).toBe(direct.behaviours.find((b) => b.key === 'demo-golden-48h')!.advance.with.n);
    expect(demo.advance.with.low).toBeLessThanOrEqual(demo.advance.with.rate!);
    expect(a.attribution.length).toBe(direct.behaviours.length);
    // Risks: open deals of the team, riskiest first, stalls counted.
    expect(a.risks.open).toBeGreaterThan(0);
    expect(a.risks.deals.length).toBeGreaterThan(0);
    expect(a.risks.stalled).toBeGreaterThan(0);
    for (const d of a.risks.deals) expect(['张三', '李四']).toContain(d.ownerName);
    expect(a.decay.map((d) => d.atomId)).toEqual(['competitor-named']);
    expect(a.compliance.counts.find((x) => x.kind === 'sensitive_phrase')!.n).toBe(1);
  });

  it('shows the panels on the page as tables, and keeps another team out', async () => {
    const cookie = await signIn('liuqiang');
    const page = await server.inject({ method: 'GET', url: '/console?period=本月', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    for (const id of ['panel-heatmap', 'panel-risks', 'panel-breakpoints', 'panel-decay', 'panel-compliance', 'heatmap-chart'])
      expect(page.body).toContain(`id="${id}"`);
    expect(page.body).toContain('data-rep="zhaomin"');
    expect(page.body).not.toContain('data-rep="zhangsan"');
    const json = (await server.inject({ method: 'GET', url: '/v1/console/dashboard?period=本月', headers: { cookie } })).json();
    expect(json.analytics.decay).toEqual([]);
    expect(json.analytics.compliance.counts.every((x: { n: number }) => x.n === 0)).toBe(true);
  });

  it('refuses a rep', async () => {
    const cookie = await signIn('zhangsan');
    expect((await server.inject({ method: 'GET', url: '/v1/console/dashboard', headers: { cookie } })).statusCode).toBe(403);
  });
});
