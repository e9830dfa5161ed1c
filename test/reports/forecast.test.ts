/**
 * `/forecast` on a generated history: who sees which deals, the window, what-ifs, and the
 * weighted pipeline as the sum of amount × chance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '../../bots/catalog/watch.ts';
import { dashboard } from '../../bots/console/dashboard.ts';
import { forecastSection } from '../../bots/console/forecast-panel.ts';
import { parsePeriod } from '../../bots/reports/period.ts';
import { answerCommand } from '../../bots/commands/answer.ts';
import { parseCommand } from '../../bots/commands/parse.ts';
import { createDocumentStorage } from '../../bots/documents/storage.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { resolveVisibleTeamIds } from '../../bots/reports/access.ts';
import { forecastChangeLine, forecastFor, forecastWindow } from '../../bots/reports/forecast-answer.ts';
import { carriers, stageHistoriesAt } from '../../bots/reports/forecast.ts';
import { formatAmount } from '../../bots/reports/render.ts';
import { loadConfig } from '../../core/config.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { type HistoryDb, HISTORY_NOW, HISTORY_TZ, HISTORY_WH, openHistoryDb } from '../helpers/history-db.ts';

const NOW = HISTORY_NOW;
const TZ = HISTORY_TZ;

let history: HistoryDb;
let database: Database;
let catalog: CatalogHolder;

beforeAll(async () => {
  history = await openHistoryDb({ deals: 600, seed: 21, days: 240 });
  ({ database, catalog } = history);
}, 180_000);

afterAll(async () => {
  await history?.close();
});

const text = (m: OutboundMessage) => (m.type === 'markdown' ? `${m.title}\n${m.text}` : m.type === 'text' ? m.text : JSON.stringify(m));
const ask = async (personId: string, command: string) => {
  const person = catalog.current.person(personId)!;
  const cmd = parseCommand(command);
  expect(cmd?.name).toBe('forecast');
  const config = loadConfig({ DATA_DIR: history.dataDir, LOG_LEVEL: 'silent' });
  const extras = { documents: { storage: createDocumentStorage(config), publicUrl: 'http://127.0.0.1:3000' }, wh: HISTORY_WH };
  return text(await answerCommand({ tx: database.db, catalog, config, person, platform: 'local', now: NOW, ...extras }, cmd!));
};
const ctx = (personId: string) => ({ tx: database.db, catalog: catalog.current, person: catalog.current.person(personId)!, now: NOW, timeZone: TZ });
const quarter = forecastWindow('本季度', NOW, TZ);

describe('/forecast', () => {
  it('parses a period and a what-if, with aliases', () => {
    expect(parseCommand('/forecast')).toEqual({ name: 'forecast' });
    expect(parseCommand('/预测 本月')).toEqual({ name: 'forecast', period: '本月' });
    expect(parseCommand('/forecast 本季度 假如 华东医疗 赢单')).toEqual({ name: 'forecast', period: '本季度', whatIf: { query: '华东医疗', outcome: 'won' } });
    expect(parseCommand('/forecast 假如 苏州 精密 丢单')).toEqual({ name: 'forecast', whatIf: { query: '苏州 精密', outcome: 'lost' } });
  });

  it('windows 本季度 and 本月 to their ends on the wall clock', () => {
    expect(quarter.from.toISOString()).toBe('2026-09-30T16:00:00.000Z');
    expect(quarter.to.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(forecastWindow('本月', NOW, TZ).to.toISOString()).toBe('2026-11-30T16:00:00.000Z');
  });

  it('weights each open deal by its chance: the window total is the sum of amount × p of the deals expected in it', async () => {
    const f = await forecastFor(ctx('ops'), quarter);
    expect(f.deals.length).toBeGreaterThan(20);
    const inWindow = f.deals.filter((d) => d.expectedClose < quarter.to);
    expect(f.totals.weighted).toBeCloseTo(
      inWindow.reduce((s, d) => s + (d.amount ?? 0) * d.p, 0),
      3,
    );
    for (const d of f.deals) {
      expect(d.p).toBeGreaterThan(0);
      expect(d.p).toBeLessThan(1);
      expect(d.expectedClose.getTime()).toBeGreaterThan(NOW.getTime());
    }
    // Later stages carry higher chances, as the team's history says.
    const east = f.chances.get('east')!;
    expect(east.get('negotiation')!.p).toBeGreaterThan(east.get('demo')!.p);
    expect(east.get('demo')!.p).toBeGreaterThan(east.get('lead')!.p);
  });

  it('shows a manager their team by rep, and never another team’s deals', async () => {
    const f = await forecastFor(ctx('wangjing'), quarter);
    expect(new Set(f.deals.map((d) => d.teamId))).toEqual(new Set(['east']));
    const t = await ask('wangjing', '/forecast 本季度');
    expect(t).toContain('华东一组 · 本季度预测');
    expect(t).toMatch(/按销售：.*(张三|李四)/);
    expect(t).not.toMatch(/赵敏|孙浩/);
    for (const d of carriers(f).slice(0, 5)) expect(t).toContain(d.name);
  });

  it('shows a rep their own deals only', async () => {
    const f = await forecastFor(ctx('zhangsan'), quarter);
    expect(f.deals.length).toBeGreaterThan(0);
    expect(new Set(f.deals.map((d) => d.ownerId))).toEqual(new Set(['zhangsan']));
    const others = (await forecastFor(ctx('wangjing'), quarter)).deals.filter((d) => d.ownerId !== 'zhangsan');
    const t = await ask('zhangsan', '/forecast');
    expect(t).toContain('我的 · 本季度预测');
    expect(t).not.toContain('按销售');
    for (const d of others) expect(t).not.toContain(d.name);
  });

  it('recomputes with a deal taken as won or lost', async () => {
    const f = await forecastFor(ctx('wangjing'), quarter);
    const deal = f.deals.find((d) => d.amount !== null && d.expectedClose < quarter.to)!;
    const before = f.totals.won + f.totals.weighted;
    const won = await ask('wangjing', `/forecast 本季度 假如 ${deal.name} 赢单`);
    const gain = deal.amount! - deal.weighted;
    const lines = won.split('\n');
    expect(won).toContain(`假如「${deal.name}」赢单`);
    const moved = lines.find((l) => l.startsWith('预测 '))!;
    expect(moved).toContain(`${formatAmount(before)} → ${formatAmount(before + gain)}（+${formatAmount(gain)}）`);
    const lost = await ask('wangjing', `/forecast 本季度 假如 ${deal.name} 丢单`);
    expect(lost).toContain(`假如「${deal.name}」丢单`);
    expect(lost.split('\n').find((l) => l.startsWith('预测 '))).toContain(`（-${formatAmount(deal.weighted)}）`);
    expect(before).toBeGreaterThan(0);
  });

  it('shows a deal taken as won under 已赢单, not under 加权 at 100%', async () => {
    const f = await forecastFor(ctx('wangjing'), quarter);
    const deal = carriers(f).find((d) => d.amount !== null)!;
    const won = await ask('wangjing', `/forecast 本季度 假如 ${deal.name} 赢单`);
    const total = won.split('\n').find((l) => l.startsWith('**预测 '))!;
    const then = f.totals.won + f.totals.weighted + deal.amount! - deal.weighted;
    const deals = f.totals.deals - 1;
    expect(total).toContain(
      `**预测 ${formatAmount(then)}** = 已赢单 ${formatAmount(f.totals.won + deal.amount!)} + 加权 ${formatAmount(f.totals.weighted - deal.weighted)}（预计本期成交的 ${deals} 个商机`,
    );
    // Not among the open deals that carry the forecast, nor in the open pipeline.
    expect(won).not.toMatch(new RegExp(`- ${deal.name}（假设赢单）.*× 100%`));
    expect(won).toContain(`全部进行中商机加权 ${formatAmount(f.pipeline - deal.weighted)}。`);
  });

  it('refuses a what-if on a deal the asker may not see', async () => {
    const other = (await forecastFor(ctx('wangjing'), quarter)).deals.find((d) => d.ownerId === 'lisi')!;
    const t = await ask('zhangsan', `/forecast 本季度 假如 ${other.name} 赢单`);
    expect(t).toContain(`没有找到你能查看的进行中商机「${other.name}」`);
  });
});

describe('the dashboard forecast panel', () => {
  it('carries the same quarter forecast as /forecast for the manager’s team, with its deals and a chart', async () => {
    const viewer = catalog.current.person('wangjing')!;
    const d = (await dashboard(database.db, catalog.current, viewer, { period: parsePeriod('本月', NOW, TZ), now: NOW, timeZone: TZ }))!;
    const f = await forecastFor(ctx('wangjing'), quarter);
    expect(d.forecast.won).toBeCloseTo(f.totals.won, 3);
    expect(d.forecast.weighted).toBeCloseTo(f.totals.weighted, 3);
    expect(d.forecast.byRep.map((r) => r.name).sort()).toEqual(['张三', '李四']);
    const html = forecastSection(d.forecast, '/v1/console/dashboard?period=本月');
    expect(html).toContain('id="forecast-chart"');
    for (const deal of carriers(f).slice(0, 3)) expect(html).toContain(deal.name);
  });
});

describe('the stage histories of several cut-offs in one pass', () => {
  it('equal each cut-off read on its own, a stage none had reached by a cut-off left out as before', async () => {
    const funnel = catalog.current.playbook.funnel;
    const stages = winningPath(funnel);
    const path = stages.filter((s) => !funnel.closed.includes(s));
    const teamIds = await resolveVisibleTeamIds(database.db, catalog.current.person('ops')!);
    const cuts = [NOW, new Date(NOW.getTime() - 7 * 86_400_000), new Date(NOW.getTime() - 120 * 86_400_000), new Date(NOW.getTime() - 400 * 86_400_000)];
    const together = await stageHistoriesAt(database.db, { teamIds, asOfs: cuts, stages: path, path: stages });
    const alone = await Promise.all(cuts.map((asOf) => stageHistoriesAt(database.db, { teamIds, asOfs: [asOf], stages: path, path: stages })));
    expect(together).toEqual(alone.map((a) => a[0]));
    const closed = (h: (typeof together)[number]) => [...h.values()].flatMap((t) => [...t.values()]).reduce((n, s) => n + s.closed, 0);
    // Not vacuous: the cut-offs see fewer deals the earlier they are, the last none at all.
    expect(closed(together[0]!)).toBeGreaterThan(closed(together[2]!));
    expect(closed(together[2]!)).toBeGreaterThan(0);
    expect(together[3]!.size).toBe(0);
  });

  it('give the digest the same change since last week as the two forecasts read one by one', async () => {
    const a = ctx('wangjing');
    const weekAgo = new Date(NOW.getTime() - 7 * 86_400_000);
    const [now, then] = [await forecastFor(a, quarter), await forecastFor(a, quarter, weekAgo)];
    const value = now.totals.won + now.totals.weighted;
    const change = value - (then.totals.won + then.totals.weighted);
    expect(change).not.toBe(0);
    expect(await forecastChangeLine(a)).toBe(
      `**本季度预测 ${formatAmount(value)}**（已赢单 ${formatAmount(now.totals.won)}，较上周 ${change >= 0 ? '+' : '-'}${formatAmount(Math.abs(change))}）· 详见 /forecast`,
    );
  });
});
