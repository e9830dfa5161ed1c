/**
 * The dashboard's forecast panel: this quarter's forecast of the teams shown (won so far plus the
 * weighted deals expected to close), per rep as a stacked bar (ECharts, drawn from the same
 * `/v1/console/dashboard` JSON), and the deals that carry it. The same numbers as `/forecast 本季度`.
 */
import type { Db } from '../../db/client.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { winningPath } from '../deals/stages.ts';
import { CARRIERS_SHOWN, forecastWindow } from '../reports/forecast-answer.ts';
import { carriers, forecast } from '../reports/forecast.ts';
import { amountText, esc } from './html.ts';

export interface DashboardForecast {
  label: string;
  won: number;
  weighted: number;
  byRep: Array<{ name: string; won: number; weighted: number }>;
  deals: Array<{ id: string; name: string; stage: string; ownerName: string | null; amount: number | null; p: number; weighted: number }>;
}

export async function dashboardForecast(db: Db, catalog: Catalog, p: { teamIds: readonly string[]; now: Date; timeZone: string }): Promise<DashboardForecast> {
  const window = forecastWindow('本季度', p.now, p.timeZone);
  const f = await forecast(db, {
    scope: { teamIds: p.teamIds },
    teamIds: p.teamIds,
    from: window.from,
    to: window.to,
    now: p.now,
    funnel: catalog.playbook.funnel,
    stages: winningPath(catalog.playbook.funnel),
  });
  return {
    label: window.label,
    won: f.totals.won,
    weighted: f.totals.weighted,
    byRep: [...f.byRep.values()]
      .map((r) => ({ name: r.name ?? '未分配', won: r.won, weighted: r.weighted }))
      .sort((a, b) => b.won + b.weighted - (a.won + a.weighted)),
    deals: carriers(f)
      .slice(0, CARRIERS_SHOWN * 2)
      .map((d) => ({ id: d.id, name: d.name, stage: catalog.stageLabel(d.stage), ownerName: d.ownerName, amount: d.amount, p: d.p, weighted: d.weighted })),
  };
}

/** The panel's HTML; the chart reads `dataSrc` (the dashboard JSON, which carries `forecast`). */
export function forecastSection(f: DashboardForecast, dataSrc: string): string {
  const rows = f.deals
    .map(
      (d) =>
        `<tr data-deal="${esc(d.id)}"><th><a href="/console/deals/${encodeURIComponent(d.id)}">${esc(d.name)}</a></th><td>${esc(d.stage)}</td><td>${esc(d.ownerName ?? '未分配')}</td><td class="num">${esc(amountText(d.amount))}</td><td class="num">${Math.round(d.p * 100)}%</td><td class="num">${esc(amountText(d.weighted))}</td></tr>`,
    )
    .join('');
  return `<section class="card" id="forecast">
  <h2>预测 · ${esc(f.label)}</h2>
  <p class="hint">预测 <strong>${esc(amountText(f.won + f.weighted))}</strong> = 已赢单 ${esc(amountText(f.won))} + 加权 ${esc(amountText(f.weighted))}（金额 × 按本团队历史学到的阶段赢单概率，预计本季度成交的商机）。</p>
  <div id="forecast-chart" class="chart" data-src="${esc(dataSrc)}" aria-hidden="true"></div>
  <table class="grid" id="forecast-deals"><thead><tr><th>商机</th><th>阶段</th><th>负责人</th><th>金额</th><th>概率</th><th>加权</th></tr></thead><tbody>${rows || '<tr><td colspan="6" class="empty">本季度没有预计成交的商机</td></tr>'}</tbody></table>
</section>`;
}
