/** The console's pages: the deals list, a deal with its timeline and correction form, the dashboard, the sign-in step. */
import { FEEDBACK_LABELS } from '../../core/card-actions.ts';
import type { FeedbackValue } from '../../core/types.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { actionLabel } from '../reports/labels.ts';
import type { Dashboard } from './dashboard.ts';
import { forecastSection } from './forecast-panel.ts';
import { analyticsSections } from './panels/html.ts';
import type { ConsoleDeal, ConsoleTimelineItem, DealListFilter, DealListItem } from './deals.ts';
import { exportLinks, pager, readingHtml } from './data-pages.ts';
import { amountText, type ConsoleAssets, esc, page, stamp } from './html.ts';

export interface PageContext {
  assets: ConsoleAssets;
  catalog: Catalog;
  viewer: { person: Person; csrf: string };
  timeZone: string;
  now: Date;
}

const FIELD_LABELS: Record<string, string> = { stage: '阶段', amount: '金额', name: '名称', owner: '负责人', crm_id: 'CRM 编号' };
const SCORE_TERMS: Record<string, string> = { amount: '金额', engagement: '互动', buyingSignals: '购买信号', responsiveness: '响应速度' };
const STATUS_LABELS: Record<string, string> = { open: '进行中', won: '赢单', lost: '丢单' };
const SOURCE_LABELS: Record<string, string> = { auto: '自动', confirmed: '负责人确认', correction: '人工更正' };

const personName = (c: Catalog, id: string | null): string => (id ? (c.person(id)?.name ?? id) : '—');
const options = (items: Array<[string, string]>, selected: string | undefined): string =>
  items.map(([v, label]) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(label)}</option>`).join('');

/** The owners a viewer may filter by or hand a deal to: themselves (a rep), their teams' reps, everyone. */
export function ownersFor(catalog: Catalog, viewer: Person): Person[] {
  const all = [...catalog.people].filter((p) => p.active && p.role === 'rep');
  if (viewer.role === 'admin') return all;
  if (viewer.role === 'rep') return all.filter((p) => p.id === viewer.id);
  const teams = new Set([...viewer.manages, ...(viewer.teamId ? [viewer.teamId] : [])]);
  return all.filter((p) => p.teamId !== null && teams.has(p.teamId));
}

export function dealsPage(ctx: PageContext, f: DealListFilter, list: { items: DealListItem[]; total: number }): string {
  const c = ctx.catalog;
  const stages = options([['', '全部阶段'], ...c.playbook.funnel.stages.map((s): [string, string] => [s, c.stageLabel(s)])], f.stage);
  const owners = ownersFor(c, ctx.viewer.person);
  const ownerSelect =
    ctx.viewer.person.role === 'rep'
      ? ''
      : `<label>负责人<select name="owner">${options([['', '全部'], ...owners.map((p): [string, string] => [p.id, p.name])], f.owner)}</select></label>`;
  const rows = list.items
    .map(
      (d) => `<li class="deal" data-deal="${esc(d.id)}">
  <a href="/console/deals/${encodeURIComponent(d.id)}"><strong>${esc(d.name)}</strong></a>
  <span class="meta">${esc(d.ownerName ?? '未分配')} · <span class="stage">${esc(c.stageLabel(d.stage))}</span> · ${esc(amountText(d.amount))} · 价值分 ${d.valueScore}</span>
  <span class="meta">更新于 ${esc(stamp(d.updatedAt, ctx.timeZone, ctx.now))}</span>
</li>`,
    )
    .join('\n');
  const teams =
    ctx.viewer.person.role === 'rep' ? [] : [...c.teams.values()].filter((t) => ctx.viewer.person.role === 'admin' || owners.some((p) => p.teamId === t.id));
  const teamSelect =
    teams.length > 0
      ? `<label>团队<select name="team">${options([['', '全部'], ...teams.map((t): [string, string] => [t.id, t.name])], f.team)}</select></label>`
      : '';
  const statuses = options([['', '全部'], ...Object.entries(STATUS_LABELS)], f.status);
  const filters = {
    q: f.q,
    stage: f.stage,
    owner: f.owner,
    team: f.team,
    status: f.status,
    scoreMin: f.scoreMin,
    scoreMax: f.scoreMax,
    from: f.from,
    to: f.to,
  };
  const more = pager('/console/deals', filters, { offset: f.offset, limit: f.limit, shown: list.items.length, total: list.total });
  const body = `<h1>商机</h1>
<form class="filters card" method="get" action="/console/deals" role="search">
  <label>名称<input type="search" name="q" value="${esc(f.q ?? '')}" placeholder="客户或商机名称"></label>
  <label>阶段<select name="stage">${stages}</select></label>
  <label>状态<select name="status">${statuses}</select></label>
  ${ownerSelect}
  ${teamSelect}
  <label>价值分从<input type="number" name="scoreMin" min="0" value="${f.scoreMin ?? ''}"></label>
  <label>到<input type="number" name="scoreMax" min="0" value="${f.scoreMax ?? ''}"></label>
  <label>更新于从<input type="date" name="from" value="${esc(f.from ?? '')}"></label>
  <label>到<input type="date" name="to" value="${esc(f.to ?? '')}"></label>
  <button type="submit">筛选</button>
</form>
<p class="count">共 <span id="deal-count">${list.total}</span> 个商机</p>
${exportLinks('/v1/console/export/deals', filters)}
<ul class="deals">${rows || '<li class="empty">没有符合条件的商机</li>'}</ul>
<p class="pager">${more}</p>`;
  return page({ title: '商机', assets: ctx.assets, viewer: ctx.viewer, active: 'deals', body });
}

const ATTR_WORDS: Record<string, string> = {
  price: '价格',
  competitor: '竞品',
  timing: '时机',
  authority: '决策权',
  need: '需求',
  trust: '信任',
  case: '案例',
  video: '视频',
  comparison: '对比表',
  datasheet: '参数表',
};

function attrsText(attrs: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || typeof v === 'object') continue;
    parts.push(k === 'amount' && typeof v === 'number' ? amountText(v) : (ATTR_WORDS[String(v)] ?? String(v)));
  }
  return parts.length > 0 ? `（${parts.join('，')}）` : '';
}

function nudgeHtml(
  ctx: PageContext,
  n: { title: string; body: string; personId: string; createdAt: Date; feedback: string | null; atomIds: string[] },
): string {
  const fb = n.feedback ? (FEEDBACK_LABELS[n.feedback as FeedbackValue] ?? n.feedback) : '未反馈';
  const atoms = n.atomIds.map((id) => ctx.catalog.atoms.get(id)?.title ?? id).join('、');
  return `<details class="nudge"><summary>提醒 ${esc(personName(ctx.catalog, n.personId))}：${esc(n.title)} <span class="fb">${esc(fb)}</span></summary>
<p class="when">${esc(stamp(n.createdAt, ctx.timeZone, ctx.now))}${atoms ? ` · 知识：${esc(atoms)}` : ''}</p>
<pre>${esc(n.body)}</pre></details>`;
}

function moveHtml(ctx: PageContext, m: { fromStage: string; toStage: string; source: string; byPersonId: string | null }): string {
  const c = ctx.catalog;
  const by = m.byPersonId ? ` · ${esc(personName(c, m.byPersonId))}` : '';
  return `<p class="move">阶段 ${esc(c.stageLabel(m.fromStage))} → <strong>${esc(c.stageLabel(m.toStage))}</strong> <span class="src">${esc(SOURCE_LABELS[m.source] ?? m.source)}${by}</span></p>`;
}

function itemHtml(ctx: PageContext, i: ConsoleTimelineItem): string {
  const c = ctx.catalog;
  const when = `<time>${esc(stamp(i.at, ctx.timeZone, ctx.now))}</time>`;
  switch (i.type) {
    case 'message': {
      const files = i.attachments.map((a) => `<span class="file">【文件】${esc(a.name)}</span>`).join(' ');
      const acts = i.actions.map((a) => `<span class="tag" data-action="${esc(a.kind)}">${esc(actionLabel(a.kind))}${esc(attrsText(a.attrs))}</span>`).join('');
      return `<li class="msg ${i.role === 'customer' ? 'customer' : 'rep'}" id="m-${esc(i.id)}" data-message="${esc(i.id)}">
  <p class="head"><span class="speaker">${esc(i.speaker)}</span> ${when}</p>
  <p class="text">${esc(i.text)} ${files}</p>
  ${acts ? `<p class="tags">${acts}</p>` : ''}
  ${i.moves.map((m) => moveHtml(ctx, m)).join('')}
  ${i.nudges.map((n) => nudgeHtml(ctx, n)).join('')}
</li>`;
    }
    case 'move':
      return `<li class="event">${when}${moveHtml(ctx, i)}</li>`;
    case 'nudge':
      return `<li class="event">${when}${nudgeHtml(ctx, i)}</li>`;
    case 'reading':
      return readingHtml(ctx, i);
    case 'correction': {
      const show = (v: unknown) =>
        v === null || v === undefined || v === ''
          ? '（空）'
          : i.field === 'stage' && typeof v === 'string'
            ? c.stageLabel(v)
            : i.field === 'owner' && typeof v === 'string'
              ? personName(c, v)
              : i.field === 'amount' && typeof v === 'number'
                ? amountText(v)
                : String(v);
      return `<li class="event correction">${when}<p>${esc(personName(c, i.byPersonId))}更正${esc(FIELD_LABELS[i.field] ?? i.field)}：${esc(show(i.before))} → <strong>${esc(show(i.after))}</strong> <span class="src">${esc(i.via)}</span></p></li>`;
    }
  }
}

export function dealPage(ctx: PageContext, d: ConsoleDeal, flash?: { ok: boolean; text: string }): string {
  const c = ctx.catalog;
  const terms = Object.entries(d.valueTerms)
    .map(([k, v]) => `<li>${esc(SCORE_TERMS[k] ?? k)} <strong>${v}</strong></li>`)
    .join('');
  const owners = ownersFor(c, ctx.viewer.person);
  if (d.ownerId && !owners.some((p) => p.id === d.ownerId)) {
    const current = c.person(d.ownerId);
    if (current) owners.unshift(current);
  }
  const form = `<form class="card correct" method="post" action="/console/deals/${encodeURIComponent(d.id)}" id="correct">
  <h2>更正商机</h2>
  <input type="hidden" name="_csrf" value="${esc(ctx.viewer.csrf)}">
  <label>名称<input name="name" value="${d.named ? esc(d.name) : ''}" placeholder="${esc(d.name)}" maxlength="100"></label>
  <label>阶段<select name="stage">${options(
    c.playbook.funnel.stages.map((s): [string, string] => [s, c.stageLabel(s)]),
    d.stage,
  )}</select></label>
  <label>金额<input name="amount" value="${d.amount === null ? '' : esc(amountText(d.amount))}" placeholder="例如 20万" maxlength="40"></label>
  <label>负责人<select name="owner">${options([['', '未分配'], ...owners.map((p): [string, string] => [p.id, p.name])], d.ownerId ?? '')}</select></label>
  <button type="submit">保存更正</button>
  <p class="hint">与聊天中 <code>/deal ${esc(d.name)} 阶段 …</code> 相同：只有负责人、其经理或管理员可以更正，每次更正都会记录。</p>
</form>`;
  const shown = d.timeline.filter((i) => i.type === 'message').length;
  const body = `<p class="back"><a href="/console/deals">← 商机列表</a></p>
<h1 id="deal-name">${esc(d.name)}</h1>
${flash ? `<p class="flash ${flash.ok ? 'ok' : 'error'}" role="status">${esc(flash.text)}</p>` : ''}
<section class="card summary">
  <p><span class="label">负责人</span> <span id="deal-owner">${esc(d.ownerName ?? '未分配')}</span></p>
  <p><span class="label">阶段</span> <span id="deal-stage">${esc(c.stageLabel(d.stage))}</span> · ${esc(STATUS_LABELS[d.status] ?? d.status)}</p>
  <p><span class="label">金额</span> <span id="deal-amount">${esc(amountText(d.amount))}</span></p>
  <p><span class="label">价值分</span> <strong id="deal-score">${d.valueScore}</strong></p>
  ${terms ? `<ul class="terms">${terms}</ul>` : ''}
</section>
${form}
<h2>时间线</h2>
${d.messageCount > shown ? `<p class="hint">共 ${d.messageCount} 条消息，显示最近 ${shown} 条。</p>` : ''}
${exportLinks(`/v1/console/export/deals/${encodeURIComponent(d.id)}/timeline`, {})}
<ol class="timeline">${d.timeline.map((i) => itemHtml(ctx, i)).join('\n') || '<li class="empty">还没有消息</li>'}</ol>`;
  return page({ title: d.name, assets: ctx.assets, viewer: ctx.viewer, active: 'deals', body });
}

export const PERIOD_CHOICES = ['本周', '上周', '本月', '上月'] as const;

export function dashboardPage(ctx: PageContext, d: Dashboard, periodArg: string): string {
  const teamSel = options([['', '我的全部团队'], ...d.teams.map((t): [string, string] => [t.id, t.name])], d.teamId ?? '');
  const periodSel = options(
    PERIOD_CHOICES.map((p): [string, string] => [p, p]),
    periodArg,
  );
  const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`);
  const funnelRows = d.funnel.rows
    .map((r) => `<tr data-stage="${esc(r.stage)}"><th>${esc(r.label)}</th><td class="num">${r.reached}</td><td class="num">${pct(r.conversion)}</td></tr>`)
    .join('');
  const stageRows = d.stages
    .map(
      (s) =>
        `<tr data-stage="${esc(s.stage)}"><th>${esc(s.label)}</th><td class="num">${s.deals}</td><td class="num">${s.medianDaysInStage === null ? '—' : `${s.medianDaysInStage} 天`}</td></tr>`,
    )
    .join('');
  const nudgeRows = d.nudges
    .map((n) => {
      const fb = n.feedback ? (FEEDBACK_LABELS[n.feedback as FeedbackValue] ?? n.feedback) : '未反馈';
      const deal = n.dealId ? `<a href="/console/deals/${encodeURIComponent(n.dealId)}">${esc(n.dealName ?? '')}</a>` : '—';
      return `<li><span class="meta">${esc(stamp(n.createdAt, ctx.timeZone, ctx.now))} · ${esc(n.personName ?? n.personId)} · ${deal}</span> ${esc(n.title)} <span class="fb">${esc(fb)}</span></li>`;
    })
    .join('');
  const api = new URLSearchParams({ period: periodArg });
  if (d.teamId) api.set('team', d.teamId);
  const body = `<h1>看板</h1>
<form class="filters card" method="get" action="/console">
  <label>团队<select name="team">${teamSel}</select></label>
  <label>时间<select name="period">${periodSel}</select></label>
  <button type="submit">查看</button>
</form>
<section class="card">
  <h2>漏斗 · ${esc(d.period.label)}</h2>
  <p class="hint">本期进入各阶段的商机数（跳过的阶段也计入），以及其中本期进入下一阶段的比例。共 ${d.funnel.deals} 个商机，丢单 ${d.funnel.lost}。</p>
  <div id="funnel-chart" class="chart" data-src="/v1/console/dashboard?${esc(api.toString())}" aria-hidden="true"></div>
  <table class="grid" id="funnel"><thead><tr><th>阶段</th><th>到达</th><th>转化到下一阶段</th></tr></thead><tbody>${funnelRows}</tbody></table>
</section>
<section class="card">
  <h2>当前各阶段商机</h2>
  <table class="grid" id="stages"><thead><tr><th>阶段</th><th>商机数</th><th>停留中位数</th></tr></thead><tbody>${stageRows}</tbody></table>
</section>
${forecastSection(d.forecast, `/v1/console/dashboard?${api.toString()}`)}
<section class="card">
  <h2>最近的提醒</h2>
  <ul class="nudges" id="nudges">${nudgeRows || '<li class="empty">本期没有提醒</li>'}</ul>
</section>
${d.analytics ? analyticsSections(d.analytics, `/v1/console/dashboard?${api.toString()}`) : ''}`;
  return page({ title: '看板', assets: ctx.assets, viewer: ctx.viewer, active: 'dashboard', body, scripts: [ctx.assets.echarts, ctx.assets.script] });
}

/** The sign-in step: a link opens this page; the button uses the link (a chat app's link preview only GETs). */
export function signInPage(assets: ConsoleAssets, token: string, name: string): string {
  return page({
    title: '登录',
    assets,
    body: `<section class="card message" data-state="sign-in"><h1>登录 dealwise 控制台</h1>
<p>${esc(name)}，点击下面的按钮登录。此链接只能使用一次。</p>
<form method="post" action="/console/login"><input type="hidden" name="token" value="${esc(token)}"><button type="submit" id="sign-in">进入控制台</button></form></section>`,
  });
}
