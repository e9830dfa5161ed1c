/**
 * `/forecast [本月|本季度] [假如 华东医疗 赢单|丢单]`: the window's forecast by team and rep for a
 * manager (their teams; an admin every team), a rep's own deals only for a rep (the chances still
 * come from their team's closed deals: aggregates, never another rep's deal). A what-if takes one
 * deal the asker may see as won or lost and says what the forecast becomes.
 */
import { wallClock } from '../../core/zoned-time.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { winningPath } from '../deals/stages.ts';
import { dealScope, resolveVisibleTeamIds, visibleTeamIds } from './access.ts';
import { findOpportunities } from './deal.ts';
import { carriers, type Forecast, forecast, stageHistoriesAt, summarize } from './forecast.ts';
import { assume, type ForecastDeal, type StageHistory, weightedPipeline } from './forecast-model.ts';
import { parsePeriod, startOfDay } from './period.ts';
import { formatAmount } from './render.ts';

/** Deals listed under a forecast: what fits on a phone screen. */
export const CARRIERS_SHOWN = 5;

export interface WhatIf {
  query: string;
  outcome: 'won' | 'lost';
}

/** The forecast window for 本月 or 本季度 (the default): from its start to its end. */
export function forecastWindow(arg: string | undefined, now: Date, timeZone: string): { from: Date; to: Date; label: string } {
  const period = parsePeriod(arg ?? '本季度', now, timeZone);
  const w = wallClock(period.from, timeZone);
  const months = period.label === '本季度' ? 3 : period.label === '本月' ? 1 : null;
  if (months === null) return { from: period.from, to: period.to, label: period.label };
  const end = new Date(Date.UTC(w.year, w.month - 1 + months, 1));
  return { from: period.from, to: startOfDay({ year: end.getUTCFullYear(), month: end.getUTCMonth() + 1, day: 1 }, timeZone), label: period.label };
}

export interface ForecastAnswerContext {
  tx: Db;
  catalog: Catalog;
  person: Person;
  now: Date;
  timeZone: string;
}

/** The forecast of what `person` may see for the window (no what-if). */
export async function forecastFor(
  a: ForecastAnswerContext,
  window: { from: Date; to: Date },
  asOf?: Date,
  known?: { teamIds: readonly string[]; histories: Map<string, Map<string, StageHistory>> | Promise<Map<string, Map<string, StageHistory>>> },
): Promise<Forecast> {
  const { person, catalog } = a;
  const teamIds = known?.teamIds ?? (await forecastTeamIds(a));
  return forecast(a.tx, {
    scope: dealScope(person),
    teamIds,
    from: window.from,
    to: window.to,
    now: a.now,
    ...(asOf ? { asOf } : {}),
    funnel: catalog.playbook.funnel,
    stages: winningPath(catalog.playbook.funnel),
    ...(known ? { histories: known.histories } : {}),
  });
}

/** Whose closed deals teach `person`'s forecast its chances: their own team for a rep, the teams they see otherwise. */
async function forecastTeamIds(a: ForecastAnswerContext): Promise<string[]> {
  const { person } = a;
  return person.role === 'rep' ? (person.teamId ? [person.teamId] : []) : await resolveVisibleTeamIds(a.tx, person);
}

export async function answerForecast(a: ForecastAnswerContext, periodArg: string | undefined, whatIf?: WhatIf): Promise<OutboundMessage> {
  const { person, catalog } = a;
  const visible = visibleTeamIds(person);
  if (!person.active || (person.role !== 'rep' && visible !== 'all' && visible.length === 0)) {
    return { type: 'markdown', title: '预测', text: '预测只对销售经理和销售本人开放。' };
  }
  const window = forecastWindow(periodArg, a.now, a.timeZone);
  const f = await forecastFor(a, window);
  const mine = person.role === 'rep';
  const scopeName = mine ? '我的' : visible === 'all' ? '全部团队' : visible.length === 1 ? (catalog.teams.get(visible[0]!)?.name ?? visible[0]!) : '我的团队';
  const title = `${scopeName} · ${window.label}预测`;
  const stage = (s: string) => catalog.stageLabel(s);
  if (!whatIf) return { type: 'markdown', title, text: renderForecast(f, { mine, stage, teamName: (id) => catalog.teams.get(id)?.name ?? id }) };

  const matches = (await findOpportunities(a.tx, whatIf.query, dealScope(person))).filter((m) => f.deals.some((d) => d.id === m.id));
  const exact = matches.find((m) => m.name === whatIf.query);
  const target = exact ?? (matches.length === 1 ? matches[0] : undefined);
  if (!target) {
    const text =
      matches.length === 0
        ? `没有找到你能查看的进行中商机「${whatIf.query}」。`
        : `「${whatIf.query}」对应多个商机：${matches.map((m) => m.name).join('、')}。请写完整名称。`;
    return { type: 'markdown', title, text };
  }
  const deals = assume(f.deals, target.id, whatIf.outcome, a.now);
  const after = { ...summarize(deals, f, f.to), deals, to: f.to, pipeline: weightedPipeline(deals) };
  const deal = f.deals.find((d) => d.id === target.id)!;
  const before = f.totals.won + f.totals.weighted;
  const then = after.totals.won + after.totals.weighted;
  const lines = [
    `**假如「${deal.name}」${whatIf.outcome === 'won' ? '赢单' : '丢单'}**（${stage(deal.stage)} · ${deal.amount === null ? '未填金额' : formatAmount(deal.amount)} · 赢单概率 ${pct(deal.p)}）`,
    `预测 ${formatAmount(before)} → ${formatAmount(then)}（${signed(then - before)}）`,
    '',
    renderForecast({ ...f, ...after }, { mine, stage, teamName: (id) => catalog.teams.get(id)?.name ?? id }),
  ];
  return { type: 'markdown', title: `${title}（假设）`, text: lines.join('\n') };
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function signed(x: number): string {
  return x >= 0 ? `+${formatAmount(x)}` : `-${formatAmount(-x)}`;
}

/** The forecast as phone-sized markdown: the total, per team and rep, the deals that carry it. */
export function renderForecast(
  f: Pick<Forecast, 'totals' | 'byTeam' | 'byRep' | 'deals' | 'to' | 'pipeline'>,
  opts: { mine: boolean; stage: (s: string) => string; teamName: (id: string) => string },
): string {
  const t = f.totals;
  const lines = [
    `**预测 ${formatAmount(t.won + t.weighted)}** = 已赢单 ${formatAmount(t.won)} + 加权 ${formatAmount(t.weighted)}（预计本期成交的 ${t.deals} 个商机${t.unpriced > 0 ? `，其中 ${t.unpriced} 个未填金额` : ''}）`,
  ];
  if (!opts.mine) {
    if (f.byTeam.size > 1)
      for (const [id, v] of [...f.byTeam].sort((a, b) => b[1].won + b[1].weighted - (a[1].won + a[1].weighted)))
        lines.push(`- ${opts.teamName(id)}：${formatAmount(v.won + v.weighted)}`);
    const reps = [...f.byRep.values()].sort((a, b) => b.won + b.weighted - (a.won + a.weighted));
    if (reps.length > 0) lines.push(`按销售：${reps.map((r) => `${r.name ?? '未分配'} ${formatAmount(r.won + r.weighted)}`).join(' · ')}`);
  }
  const top = carriers({ deals: f.deals as ForecastDeal[], to: f.to }).slice(0, CARRIERS_SHOWN);
  if (top.length > 0) {
    lines.push('', '**撑起预测的商机**');
    for (const d of top) {
      const owner = opts.mine ? '' : ` · ${d.ownerName ?? '未分配'}`;
      lines.push(`- ${d.name} · ${opts.stage(d.stage)}${owner} · ${formatAmount(d.amount ?? 0)} × ${pct(d.p)} = ${formatAmount(d.weighted)}`);
    }
  }
  lines.push(
    '',
    `全部进行中商机加权 ${formatAmount(f.pipeline)}。概率按本团队已结束商机在各阶段的赢单比例（历史少时向剧本先验收缩），并随在阶段停留时间调整。`,
  );
  return lines.join('\n');
}

/**
 * The digest's forecast line: this quarter's forecast now and its change since the same forecast
 * as of a week ago (read from the history as it stood then: no snapshots kept).
 */
export async function forecastChangeLine(a: ForecastAnswerContext): Promise<string | null> {
  const window = forecastWindow('本季度', a.now, a.timeZone);
  const weekAgo = new Date(a.now.getTime() - 7 * 86_400_000);
  // The teams' stage histories now and a week ago in one pass over the closed deals (the week
  // ago's are those closed by then): the two forecasts differ in little else.
  const teamIds = await forecastTeamIds(a);
  const stages = winningPath(a.catalog.playbook.funnel);
  const path = stages.filter((s) => !a.catalog.playbook.funnel.closed.includes(s));
  const histories = stageHistoriesAt(a.tx, { teamIds, asOfs: [a.now, weekAgo], stages: path, path: stages });
  const [now, then] = await Promise.all([
    forecastFor(a, window, undefined, { teamIds, histories: histories.then((h) => h[0]!) }),
    forecastFor(a, window, weekAgo, { teamIds, histories: histories.then((h) => h[1]!) }),
  ]);
  const value = now.totals.won + now.totals.weighted;
  if (value === 0 && now.deals.length === 0) return null;
  const before = then.totals.won + then.totals.weighted;
  return `**本季度预测 ${formatAmount(value)}**（已赢单 ${formatAmount(now.totals.won)}，较上周 ${signed(value - before)}）· 详见 /forecast`;
}
