/**
 * The console's data pages: conversation search, the audit log, a document's reading; and the
 * pieces the deals pages borrow (a reading on the timeline, the export links).
 */
import { STORED_ACTION_KINDS } from '../../core/types.ts';
import type { AuditRow } from '../../db/queries/audit.ts';
import { formatDuration } from '../documents/signals.ts';
import { actionLabel } from '../reports/labels.ts';
import type { TimelineReading } from './deals.ts';
import type { ConsoleDocument } from './documents.ts';
import { EXPORT_ROW_CAP } from './export.ts';
import { type AuditQuery, queryString, type SearchQuery } from './filters.ts';
import { esc, page, stamp } from './html.ts';
import type { PageContext } from './pages.ts';
import { highlight, type SearchResult } from './search.ts';

const opt = (items: Array<[string, string]>, selected: string | undefined): string =>
  items.map(([v, label]) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(label)}</option>`).join('');

/** 「导出 CSV · Excel」 for a list, with the list's filters. */
export function exportLinks(path: string, filters: Record<string, unknown>): string {
  const q = queryString(filters);
  const href = (format: string) => {
    const x = new URLSearchParams(q);
    x.set('format', format);
    return `${path}?${x}`;
  };
  return `<p class="export">导出：<a href="${esc(href('csv'))}" data-export="csv" download>CSV</a> · <a href="${esc(href('xlsx'))}" data-export="xlsx" download>Excel</a> <span class="hint">（最多 ${EXPORT_ROW_CAP} 行）</span></p>`;
}

/** Previous and next page links for a list at `offset`. */
export function pager(path: string, filters: Record<string, unknown>, p: { offset: number; limit: number; shown: number; total: number }): string {
  const to = (offset: number) => {
    const q = queryString(filters);
    q.set('offset', String(offset));
    return `${path}?${q}`;
  };
  return [
    p.offset > 0 ? `<a href="${esc(to(Math.max(0, p.offset - p.limit)))}" rel="prev">上一页</a>` : '',
    p.offset + p.shown < p.total ? `<a href="${esc(to(p.offset + p.limit))}" rel="next">下一页</a>` : '',
  ].join(' ');
}

/** A customer's reading on a deal's timeline: the document, its pages and seconds. */
export function readingHtml(ctx: PageContext, r: TimelineReading): string {
  const title = r.documentId ? `<a href="/console/documents/${encodeURIComponent(r.documentId)}">《${esc(r.title)}》</a>` : `《${esc(r.title)}》`;
  const pages = r.pages.map((p) => `<li>${esc(p.label)} <span class="num">${esc(formatDuration(p.seconds))}</span></li>`).join('');
  return `<li class="event reading" data-reading="${esc(r.actionId)}"><time>${esc(stamp(r.at, ctx.timeZone, ctx.now))}</time>
<p><span class="tag" data-action="document_viewed">${esc(actionLabel('document_viewed'))}</span> 客户${r.seconds > 0 ? '阅读' : '打开'}${title}${r.seconds > 0 ? ` <strong class="seconds" data-seconds="${r.seconds}">${esc(formatDuration(r.seconds))}</strong>` : ''}${r.forwarded ? ' <span class="src">新设备或网络，可能是转发</span>' : ''}</p>
${pages ? `<ul class="pages">${pages}</ul>` : ''}</li>`;
}

export function searchPage(ctx: PageContext, q: SearchQuery, r: SearchResult): string {
  const actions = opt([['', '全部动作'], ...STORED_ACTION_KINDS.map((k): [string, string] => [k, actionLabel(k)])], q.action);
  const rows = r.items
    .map(
      (m) => `<li class="hit" data-message="${esc(m.id)}">
  <p class="head"><a href="/console/deals/${encodeURIComponent(m.dealId ?? '')}#m-${esc(m.id)}"><strong>${esc(m.dealName)}</strong></a> · <span class="conv">${esc(m.conversationTitle ?? m.conversationId)}</span></p>
  <p class="text"><span class="speaker">${esc(m.speaker)}</span>：${highlight(m.text, r.words)}</p>
  <p class="meta"><time>${esc(stamp(m.sentAt, ctx.timeZone, ctx.now))}</time>${m.ownerName ? ` · 负责人 ${esc(m.ownerName)}` : ''}${m.actions.map((k) => ` <span class="tag" data-action="${esc(k)}">${esc(actionLabel(k))}</span>`).join('')}</p>
</li>`,
    )
    .join('\n');
  const filters = { q: q.q, person: q.person, deal: q.deal, action: q.action, from: q.from, to: q.to };
  const searched = Object.values(filters).some((v) => v);
  const body = `<h1>搜索会话</h1>
<form class="filters card" method="get" action="/console/search" role="search">
  <label>关键词<input type="search" name="q" value="${esc(q.q ?? '')}" placeholder="例如 太贵 预算 或 price"></label>
  <label>人员<input name="person" value="${esc(q.person ?? '')}" placeholder="销售或客户的名字"></label>
  <label>商机<input name="deal" value="${esc(q.deal ?? '')}" placeholder="商机名称"></label>
  <label>动作<select name="action">${actions}</select></label>
  <label>从<input type="date" name="from" value="${esc(q.from ?? '')}"></label>
  <label>到<input type="date" name="to" value="${esc(q.to ?? '')}"></label>
  <button type="submit">搜索</button>
</form>
<p class="count">${searched ? '找到' : '最近的消息，共'} <span id="hit-count">${r.total}${r.capped ? '+' : ''}</span> 条</p>
${exportLinks('/v1/console/export/search', filters)}
<ol class="hits">${rows || '<li class="empty">没有找到消息</li>'}</ol>
<p class="pager">${pager('/console/search', filters, { offset: q.offset, limit: q.limit, shown: r.items.length, total: r.total })}</p>`;
  return page({ title: '搜索会话', assets: ctx.assets, viewer: ctx.viewer, active: 'search', body });
}

const jsonText = (v: unknown): string => (v === null || v === undefined ? '' : JSON.stringify(v));

export function auditPage(ctx: PageContext, q: AuditQuery, list: { items: AuditRow[]; total: number }): string {
  const name = (id: string) => ctx.catalog.person(id)?.name ?? id;
  const rows = list.items
    .map(
      (a) =>
        `<tr data-audit="${esc(a.id)}"><td>${esc(stamp(a.at, ctx.timeZone, ctx.now))}</td><td>${esc(name(a.personId))}</td><td><code>${esc(a.action)}</code></td><td>${esc(a.subject)}</td><td>${esc(jsonText(a.before))}</td><td>${esc(jsonText(a.after))}</td><td>${esc(a.via)}</td></tr>`,
    )
    .join('');
  const filters = { action: q.action, person: q.person, from: q.from, to: q.to };
  const body = `<h1>操作记录</h1>
<form class="filters card" method="get" action="/console/audit">
  <label>操作<input name="action" value="${esc(q.action ?? '')}" placeholder="例如 deal."></label>
  <label>人员编号<input name="person" value="${esc(q.person ?? '')}"></label>
  <label>从<input type="date" name="from" value="${esc(q.from ?? '')}"></label>
  <label>到<input type="date" name="to" value="${esc(q.to ?? '')}"></label>
  <button type="submit">筛选</button>
</form>
<p class="count">共 <span id="audit-count">${list.total}</span> 条</p>
${exportLinks('/v1/console/export/audit', filters)}
<div class="scroll"><table class="grid" id="audit"><thead><tr><th>时间</th><th>人员</th><th>操作</th><th>对象</th><th>之前</th><th>之后</th><th>途径</th></tr></thead><tbody>${rows || '<tr><td colspan="7" class="empty">没有记录</td></tr>'}</tbody></table></div>
<p class="pager">${pager('/console/audit', filters, { offset: q.offset, limit: q.limit, shown: list.items.length, total: list.total })}</p>`;
  return page({ title: '操作记录', assets: ctx.assets, viewer: ctx.viewer, active: 'audit', body });
}

export function documentPage(ctx: PageContext, d: ConsoleDocument): string {
  const a = d.analytics;
  const skipped = new Set(a.skippedPages);
  const reread = new Set(a.rereadPages);
  const pageRows = a.pages
    .map((p) => {
      const marks = [skipped.has(p.page) ? '<span class="tag skipped">跳过</span>' : '', reread.has(p.page) ? '<span class="tag reread">重读</span>' : ''].join(
        '',
      );
      return `<tr data-page="${p.page}"><th>${esc(p.label)}</th><td class="num">${esc(formatDuration(p.seconds))}</td><td class="num">${p.visits}</td><td class="num">${p.readers}</td><td>${marks}</td></tr>`;
    })
    .join('');
  const opens = d.opens
    .map(
      (o) =>
        `<li><time>${esc(stamp(o.openedAt, ctx.timeZone, ctx.now))}</time> 阅读 ${esc(formatDuration(o.seconds))}${o.forwarded ? ' · 新设备或网络' : ''}${o.downloads > 0 ? ` · 下载 ${o.downloads}` : ''}${o.pages.length > 0 ? ` · ${o.pages.map((p) => `${esc(p.label)} ${esc(formatDuration(p.seconds))}`).join('，')}` : ''}</li>`,
    )
    .join('');
  const list = (pages: number[]) => (pages.length > 0 ? pages.map((p) => `第${p}页`).join('、') : '无');
  const body = `${d.deal ? `<p class="back"><a href="/console/deals/${encodeURIComponent(d.deal.id)}">← ${esc(d.deal.name)}</a></p>` : ''}
<h1 id="doc-title">${esc(a.title)}</h1>
<section class="card summary" id="doc-stats">
  <p><span class="label">打开</span> <strong id="doc-opens">${a.opens}</strong> 次 · <span class="label">读者</span> <strong id="doc-readers">${a.readers}</strong> · 转发 ${a.forwards} · 下载 ${a.downloads}</p>
  <p><span class="label">共阅读</span> ${esc(formatDuration(a.totalSeconds))}${a.firstOpenedAt ? ` · 首次打开 ${esc(stamp(a.firstOpenedAt, ctx.timeZone, ctx.now))}` : ''}${a.lastSeenAt ? ` · 最近 ${esc(stamp(a.lastSeenAt, ctx.timeZone, ctx.now))}` : ''}</p>
  <p><span class="label">跳过的页</span> <span id="doc-skipped">${esc(list(a.skippedPages))}</span></p>
  <p><span class="label">重读的页</span> <span id="doc-reread">${esc(list(a.rereadPages))}</span></p>
</section>
<section class="card">
  <h2>每页阅读</h2>
  <div class="scroll"><table class="grid" id="doc-pages"><thead><tr><th>页</th><th>时间</th><th>浏览次数</th><th>读者</th><th></th></tr></thead><tbody>${pageRows}</tbody></table></div>
</section>
<section class="card">
  <h2>每次打开</h2>
  <ol class="opens" id="doc-opens-list">${opens || '<li class="empty">还没有人打开</li>'}</ol>
</section>`;
  return page({ title: a.title, assets: ctx.assets, viewer: ctx.viewer, body });
}
