/**
 * The analytics panels as HTML sections, phone width first: every figure in a table (the page
 * reads without its script), the heatmap also drawn by ECharts from the dashboard's JSON.
 */
import type { Comparison } from '../../reports/breakpoints.ts';
import { esc } from '../html.ts';
import type { AnalyticsPanels } from './analytics.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function comparisonCell(c: Comparison, minDeals: number): string {
  if (!c.enough || c.difference.diff === null) return `<td class="thin">样本不足，n=${c.with.n}/${c.without.n}（每侧需 ${minDeals}）</td>`;
  const d = c.difference;
  const pts = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
  return `<td>${pct(c.with.rate)} vs ${pct(c.without.rate)}<br><span class="meta">n=${c.with.n}/${c.without.n} · 差 ${pts(d.diff ?? 0)}（${pts(d.low)}~${pts(d.high)}）</span></td>`;
}

export function analyticsSections(a: AnalyticsPanels, dataSrc: string): string {
  const h = a.heatmap;
  const cell = (rep: string, key: string) => {
    const c = h.cells.find((x) => x.rep === rep && x.behaviour === key);
    return c && c.n > 0 ? `<td class="num">${pct(c.rate)}<br><span class="meta">${c.done}/${c.n}</span></td>` : '<td class="num">—</td>';
  };
  const heatRows = h.reps.map((r) => `<tr data-rep="${esc(r.id)}"><th>${esc(r.name)}</th>${h.behaviours.map((b) => cell(r.id, b.key)).join('')}</tr>`).join('');
  const risks = a.risks.deals
    .map(
      (d) =>
        `<li data-deal="${esc(d.id)}"><a href="/console/deals/${encodeURIComponent(d.id)}"><strong>${esc(d.name)}</strong></a> <span class="meta">${esc(d.ownerName ?? '未分配')} · ${esc(d.stageLabel)} ${d.daysInStage} 天${d.stalled ? ' · 停滞' : ''}</span><br>${d.flags.map((f) => esc(f.evidence)).join('；')}<br><span class="hint">→ ${esc(d.nextAction ?? '')}</span></li>`,
    )
    .join('');
  const bp = a.breakpoints;
  const bpRows = bp.behaviours
    .map(
      (b) => `<tr data-behaviour="${esc(b.key)}"><th>${esc(b.label)}</th>${comparisonCell(b.advance, bp.minDeals)}${comparisonCell(b.win, bp.minDeals)}</tr>`,
    )
    .join('');
  const lifts = a.attribution
    .map(
      (l) =>
        `<li data-behaviour="${esc(l.key)}">${esc(l.label)}：${l.enough && l.lift.ratio !== null ? `×${l.lift.ratio.toFixed(2)}（${l.lift.low.toFixed(2)}–${Number.isFinite(l.lift.high) ? l.lift.high.toFixed(2) : '∞'}，n=${l.with.n}/${l.without.n}）` : `样本不足，n=${l.with.n}/${l.without.n}`}</li>`,
    )
    .join('');
  const decay = a.decay
    .map(
      (d) =>
        `<li data-atom="${esc(d.atomId)}">${esc(d.title)}${d.owner ? ` <span class="meta">维护人 ${esc(d.owner)}</span>` : ''}<br><span class="meta">${d.months.map((m) => `${m.month} ${m.usedReps}/${m.pushedReps} 人采用`).join(' · ')}</span></li>`,
    )
    .join('');
  const compliance = a.compliance.counts.map((c) => `<li data-kind="${esc(c.kind)}">${esc(c.label)} <strong>${c.n}</strong></li>`).join('');
  return `<section class="card" id="panel-heatmap">
  <h2>行为健康度 · 全部历史</h2>
  <p class="hint">每位销售在行为出现时做到的比例（做到/发生）。</p>
  <div id="heatmap-chart" class="chart" data-src="${esc(dataSrc)}" aria-hidden="true"></div>
  <div class="scroll"><table class="grid" id="heatmap"><thead><tr><th>销售</th>${h.behaviours.map((b) => `<th>${esc(b.label)}</th>`).join('')}</tr></thead><tbody>${heatRows || '<tr><td class="empty">暂无数据</td></tr>'}</tbody></table></div>
</section>
<section class="card" id="panel-risks">
  <h2>风险与停滞商机</h2>
  <p class="hint">进行中 ${a.risks.open} 个，有风险 ${a.risks.flagged} 个，停滞 ${a.risks.stalled} 个。</p>
  <ol class="risks">${risks || '<li class="empty">暂无风险商机</li>'}</ol>
</section>
<section class="card" id="panel-breakpoints">
  <h2>行为断点 · 全部历史</h2>
  <p class="hint">做到 vs 没做到：推进（${bp.advanceDays} 天内）与赢单（${bp.outcomeDays} 天内），95% 区间。</p>
  <div class="scroll"><table class="grid" id="breakpoints"><thead><tr><th>行为</th><th>推进</th><th>赢单</th></tr></thead><tbody>${bpRows}</tbody></table></div>
  <h3>按提升倍数排序</h3>
  <ol id="attribution">${lifts}</ol>
</section>
<section class="card" id="panel-decay">
  <h2>话术衰减</h2>
  <p class="hint">连续两个月采用率低于 15% 的话术。</p>
  <ul id="decay">${decay || '<li class="empty">暂无</li>'}</ul>
</section>
<section class="card" id="panel-compliance">
  <h2>合规事件</h2>
  <ul id="compliance">${compliance}</ul>
</section>`;
}
