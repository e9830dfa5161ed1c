/**
 * The knowledge admin's pages: atoms with their usage funnel, the atom editor (YAML, field errors,
 * each platform's card, the history with restore), import and export, the playbook, the org
 * directory with its CSV import, and the shared-material library with page labels. Admins only.
 */
import type { DocumentRow } from '../../../db/queries/documents.ts';
import type { AtomVersionRow } from '../../../db/queries/knowledge.ts';
import { formatPageLabel } from '../../documents/page-labels.ts';
import { type ConsoleAssets, esc, page, stamp } from '../html.ts';
import type { Person } from '../../catalog/catalog.ts';
import type { AtomListItem, ImportResult } from './atoms.ts';
import type { ImportPlan, OrgPerson } from './org.ts';
import type { PlatformPreview } from './preview.ts';
import type { FieldError } from './validate.ts';
import { CSV_COLUMNS } from './org.ts';

export interface KnowledgeContext {
  assets: ConsoleAssets;
  viewer: { person: Person; csrf: string };
  timeZone: string;
  now: Date;
  personName: (id: string | null) => string;
}

export type Flash = { ok: boolean; text: string };

const csrf = (ctx: KnowledgeContext) => `<input type="hidden" name="_csrf" value="${esc(ctx.viewer.csrf)}">`;
const flashHtml = (f?: Flash) => (f ? `<p class="flash ${f.ok ? 'ok' : 'error'}" role="status">${esc(f.text)}</p>` : '');
const SOURCE = (s: string) =>
  s === 'console' ? '<span class="tag" title="在控制台编辑过：加载配置文件不会覆盖">控制台</span>' : '<span class="tag file">文件</span>';

const subnav = (on: string) =>
  `<nav class="subnav">${[
    ['atoms', '/console/knowledge', '知识原子'],
    ['playbook', '/console/knowledge/playbook', '剧本与计时'],
    ['org', '/console/org', '组织'],
    ['library', '/console/knowledge/library', '资料库'],
  ]
    .map(([k, href, label]) => `<a href="${href}"${k === on ? ' aria-current="page"' : ''}>${label}</a>`)
    .join('')}</nav>`;

function frame(ctx: KnowledgeContext, title: string, on: string, body: string): string {
  return page({ title, assets: ctx.assets, viewer: ctx.viewer, active: 'knowledge', body: `${subnav(on)}\n${body}` });
}

const errorList = (errors: FieldError[]) =>
  errors.length > 0
    ? `<ul class="field-errors" role="alert">${errors.map((e) => `<li><code>${esc(e.field)}</code> ${esc(e.message)}</li>`).join('')}</ul>`
    : '';

const pct = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '—');

export function atomsPage(ctx: KnowledgeContext, atoms: AtomListItem[], flash?: Flash): string {
  const rows = atoms
    .map(
      (a) => `<tr data-atom="${esc(a.id)}" class="${a.enabled ? '' : 'off'}">
  <td><a href="/console/knowledge/atoms/${encodeURIComponent(a.id)}">${esc(a.title)}</a><br><span class="meta">${esc(a.id)} · ${esc(a.topic)} · v${a.version} ${SOURCE(a.source)}${a.material ? ` · 资料「${esc(a.material)}」` : ''}</span></td>
  <td class="num">${a.usage.pushed}</td><td class="num">${a.usage.used} <span class="meta">${pct(a.usage.used, a.usage.pushed)}</span></td>
  <td class="num">${a.usage.useful}</td><td class="num">${a.usage.notUseful}</td>
  <td><form method="post" action="/console/knowledge/atoms/${encodeURIComponent(a.id)}/enabled" class="inline">${csrf(ctx)}<input type="hidden" name="enabled" value="${a.enabled ? '0' : '1'}"><button type="submit" class="link">${a.enabled ? '停用' : '启用'}</button></form></td>
</tr>`,
    )
    .join('\n');
  const body = `<h1>知识原子</h1>
${flashHtml(flash)}
<p class="actions"><a href="/console/knowledge/atoms/new">新建</a> · <a href="/console/knowledge/import">导入 YAML</a> · <a href="/console/knowledge/atoms.yaml" download>导出 YAML</a> · <a href="/v1/console/export/atoms?format=csv" data-export="csv" download>CSV</a> · <a href="/v1/console/export/atoms?format=xlsx" data-export="xlsx" download>Excel</a></p>
<section class="card">
<p class="hint">使用漏斗：推送 → 采用（销售发出了话术）→ 有用 / 没用（提醒卡片上的反馈）。共 ${atoms.length} 条，启用 ${atoms.filter((a) => a.enabled).length} 条。</p>
<div class="scroll"><table class="grid" id="atoms"><thead><tr><th>原子</th><th>推送</th><th>采用</th><th>有用</th><th>没用</th><th></th></tr></thead><tbody>${rows || '<tr><td colspan="6" class="empty">还没有知识原子</td></tr>'}</tbody></table></div>
</section>`;
  return frame(ctx, '知识原子', 'atoms', body);
}

export interface EditorView {
  id: string | null;
  yaml: string;
  enabled?: boolean;
  version?: number;
  source?: string;
  errors: FieldError[];
  previews: PlatformPreview[];
  /** The previews are of the unsaved text. */
  draft: boolean;
  history: AtomVersionRow[];
  flash?: Flash;
}

const VIA: Record<string, string> = { file: '配置文件', console: '控制台', import: '导入', restore: '恢复' };

export function atomEditorPage(ctx: KnowledgeContext, v: EditorView): string {
  const action = v.id ? `/console/knowledge/atoms/${encodeURIComponent(v.id)}` : '/console/knowledge/atoms/new';
  const previews = v.previews
    .map(
      (
        p,
      ) => `<figure class="preview ${p.platform}" data-platform="${p.platform}"><figcaption>${esc(p.label)}</figcaption><div class="phone-card">${p.html}</div>
<details><summary>发送内容（${esc(p.label)} 接口）</summary><pre>${esc(JSON.stringify(p.payload, null, 2))}</pre></details></figure>`,
    )
    .join('\n');
  const history = v.history
    .map(
      (
        h,
      ) => `<li data-version="${h.version}"><strong>v${h.version}</strong> ${esc(VIA[h.via] ?? h.via)} · ${esc(ctx.personName(h.personId))} · ${esc(stamp(h.at, ctx.timeZone, ctx.now))}${h.enabled ? '' : ' · 停用'}
${h.version !== v.version && v.id ? `<form method="post" action="/console/knowledge/atoms/${encodeURIComponent(v.id)}/restore" class="inline">${csrf(ctx)}<input type="hidden" name="version" value="${h.version}"><button type="submit" class="link">恢复此版</button></form>` : '<span class="meta">当前</span>'}
<details><summary>内容</summary><pre>${esc(JSON.stringify(h.definition, null, 2))}</pre></details></li>`,
    )
    .join('\n');
  const state = v.id
    ? `<p class="meta">${esc(v.id)} · v${v.version} · ${v.enabled ? '启用' : '<strong>已停用</strong>'} ${v.source ? SOURCE(v.source) : ''}</p>`
    : '';
  const body = `<p class="back"><a href="/console/knowledge">← 知识原子</a></p>
<h1>${v.id ? '编辑知识原子' : '新建知识原子'}</h1>
${state}
${flashHtml(v.flash)}
${errorList(v.errors)}
<form method="post" action="${action}" class="card editor" id="atom-form">
  ${csrf(ctx)}
  <label for="atom-yaml">YAML（字段见 config/atoms.yaml 开头的说明；<code>material</code> 填资料库里文档的标题）</label>
  <textarea id="atom-yaml" name="yaml" rows="22" spellcheck="false">${esc(v.yaml)}</textarea>
  <p class="buttons"><button type="submit" name="do" value="save" id="save">保存为新版本</button> <button type="submit" name="do" value="preview" class="secondary" id="preview">预览</button></p>
  <p class="hint">保存后所有进程在几秒内生效，无需重启；旧版本保留在下方历史中。</p>
</form>
<h2>预览${v.draft ? '（未保存的内容）' : ''}</h2>
<div class="previews">${previews || '<p class="empty">内容有误，无法预览</p>'}</div>
${v.id ? `<h2>版本历史</h2><ol class="history card">${history || '<li class="empty">还没有记录</li>'}</ol>` : ''}`;
  return frame(ctx, v.id ? `编辑 ${v.id}` : '新建知识原子', 'atoms', body);
}

export function importPage(ctx: KnowledgeContext, v: { yaml: string; errors: FieldError[]; result?: ImportResult }): string {
  const r = v.result;
  const done = r
    ? `<p class="flash ok" role="status">已导入：新建 ${r.created.length}，更新 ${r.updated.length}，未变 ${r.unchanged.length}。${[...r.created, ...r.updated].map(esc).join('、')}</p>`
    : '';
  const body = `<p class="back"><a href="/console/knowledge">← 知识原子</a></p>
<h1>导入知识原子</h1>
${done}${errorList(v.errors)}
<form method="post" action="/console/knowledge/import" class="card editor">
  ${csrf(ctx)}
  <label for="import-yaml">ATOMS_FILE 格式（<code>atoms: [...]</code>），整体校验：有任何错误时不导入任何内容。文件里没有的原子保持不变。</label>
  <textarea id="import-yaml" name="yaml" rows="22" spellcheck="false">${esc(v.yaml)}</textarea>
  <p class="buttons"><button type="submit">导入</button></p>
</form>`;
  return frame(ctx, '导入知识原子', 'atoms', body);
}

export function playbookPage(
  ctx: KnowledgeContext,
  v: { yaml: string; source: string; errors: FieldError[]; flash?: Flash; history: Array<{ id: string; at: Date; personId: string }> },
): string {
  const history = v.history
    .map(
      (h, i) =>
        `<li data-audit="${esc(h.id)}">${esc(ctx.personName(h.personId))} · ${esc(stamp(h.at, ctx.timeZone, ctx.now))} ${
          i === 0 && v.source === 'console'
            ? '<span class="meta">当前</span>'
            : `<form method="post" action="/console/knowledge/playbook/restore" class="inline">${csrf(ctx)}<input type="hidden" name="id" value="${esc(h.id)}"><button type="submit" class="link">恢复此版</button></form>`
        }</li>`,
    )
    .join('');
  const body = `<h1>剧本与计时</h1>
<p class="meta">来源：${SOURCE(v.source)}</p>
${flashHtml(v.flash)}${errorList(v.errors)}
<form method="post" action="/console/knowledge/playbook" class="card editor">
  ${csrf(ctx)}
  <label for="playbook-yaml">PLAYBOOK_FILE 格式：漏斗（funnel）、规则与计时（rules：on / stages / after / before / expect / within / nudgeAt / cooldown）、合规（compliance）、价值分（valueScore）。</label>
  <textarea id="playbook-yaml" name="yaml" rows="30" spellcheck="false">${esc(v.yaml)}</textarea>
  <p class="buttons"><button type="submit">保存剧本</button></p>
  <p class="hint">保存后以控制台的版本为准：之后加载 PLAYBOOK_FILE 不会覆盖它。每次保存都记录在审计日志（前后全文）。</p>
</form>
<h2>保存记录</h2><ol class="history card" id="playbook-history">${history || '<li class="empty">还没有在控制台保存过</li>'}</ol>`;
  return frame(ctx, '剧本与计时', 'playbook', body);
}

const ROLE: Record<string, string> = { rep: '销售', manager: '经理', admin: '管理员' };

export function orgPage(
  ctx: KnowledgeContext,
  dir: { teams: Array<{ id: string; name: string; source: string }>; people: OrgPerson[] },
  v: { csv: string; plan?: ImportPlan; flash?: Flash },
): string {
  const teamName = new Map(dir.teams.map((t) => [t.id, t.name]));
  const people = dir.people
    .map(
      (
        p,
      ) => `<tr data-person="${esc(p.id)}" class="${p.active ? '' : 'off'}"><td>${esc(p.name)}<br><span class="meta">${esc(p.id)} ${SOURCE(p.source)}</span></td>
<td>${esc(ROLE[p.role] ?? p.role)}${p.manages.length ? `<br><span class="meta">管理 ${p.manages.map((t) => esc(teamName.get(t) ?? t)).join('、')}</span>` : ''}</td>
<td>${esc(p.teamId ? (teamName.get(p.teamId) ?? p.teamId) : '—')}</td>
<td class="ids">${Object.entries(p.ids)
        .map(([pl, uid]) => `<span class="meta">${esc(pl)}</span> ${esc(uid)}`)
        .join('<br>')}</td>
<td>${p.active ? '在职' : '<strong>已停用</strong>'}${
        p.id === ctx.viewer.person.id
          ? ''
          : `<form method="post" action="/console/org/people/${encodeURIComponent(p.id)}/active" class="inline">${csrf(ctx)}<input type="hidden" name="active" value="${p.active ? '0' : '1'}"><button type="submit" class="link">${p.active ? '停用' : '恢复'}</button></form>`
      }</td></tr>`,
    )
    .join('\n');
  const teams = dir.teams.map((t) => `<li data-team="${esc(t.id)}">${esc(t.name)} <span class="meta">${esc(t.id)}</span> ${SOURCE(t.source)}</li>`).join('');
  const plan = v.plan;
  const planHtml = plan
    ? plan.errors.length > 0
      ? `<section class="card" id="import-errors"><h2>有 ${plan.errors.length} 处错误，没有应用任何改动</h2><ul class="field-errors" role="alert">${plan.errors
          .map((e) => `<li data-line="${e.line}">第 ${e.line} 行：${esc(e.message)}</li>`)
          .join('')}</ul></section>`
      : `<section class="card" id="import-preview"><h2>预览：新增 ${plan.rows.filter((r) => r.change === 'new').length}，修改 ${plan.rows.filter((r) => r.change === 'changed').length}，不变 ${plan.rows.filter((r) => r.change === 'unchanged').length}</h2>
<ul>${plan.rows
          .filter((r) => r.change !== 'unchanged')
          .map(
            (r) =>
              `<li data-line="${r.line}" data-change="${r.change}">第 ${r.line} 行 ${esc(r.person.name)}（${esc(r.person.id)}）：${r.change === 'new' ? '新增' : `修改 ${r.fields.map(esc).join('、')}`}</li>`,
          )
          .join('')}</ul>
<form method="post" action="/console/org/import">${csrf(ctx)}<input type="hidden" name="do" value="apply"><textarea name="csv" hidden>${esc(v.csv)}</textarea><button type="submit" id="apply">确认应用</button></form></section>`
    : '';
  const body = `<h1>组织</h1>
${flashHtml(v.flash)}
<section class="card"><h2>团队</h2><ul class="teams">${teams || '<li class="empty">没有团队</li>'}</ul>
<form method="post" action="/console/org/teams" class="row">${csrf(ctx)}<input name="id" placeholder="id，如 south" required maxlength="64"><input name="name" placeholder="名称，如 华南一组" required maxlength="100"><button type="submit">新增或改名</button></form></section>
<section class="card"><h2>人员</h2><p class="hint">停用后保留历史，不再收到提醒、不能登录控制台；从不删除。导出：<a href="/v1/console/export/org?format=csv" data-export="csv" download>CSV</a>（列与导入相同，改完可直接导入）· <a href="/v1/console/export/org?format=xlsx" data-export="xlsx" download>Excel</a></p>
<div class="scroll"><table class="grid" id="people"><thead><tr><th>姓名</th><th>角色</th><th>团队</th><th>平台 id</th><th>状态</th></tr></thead><tbody>${people}</tbody></table></div></section>
<section class="card"><h2>从 CSV 导入</h2>
<p class="hint">第一行列名：<code>${CSV_COLUMNS.join(',')}</code>（id、name、role 必填；manages 多个团队用 ; 分隔；role 为 rep / manager / admin）。先预览，确认后才应用；有任何一行错误时不应用任何改动。名单外的人保持不变。</p>
<form method="post" action="/console/org/import">${csrf(ctx)}<input type="hidden" name="do" value="preview"><textarea name="csv" rows="8" spellcheck="false" id="org-csv">${esc(v.csv)}</textarea><p class="buttons"><button type="submit" id="preview-import">预览</button></p></form></section>
${planHtml}`;
  return frame(ctx, '组织', 'org', body);
}

export function libraryPage(ctx: KnowledgeContext, docs: DocumentRow[], flash?: Flash): string {
  const rows = docs
    .map(
      (d) => `<li data-document="${esc(d.id)}"><a href="/console/knowledge/library/${encodeURIComponent(d.id)}"><strong>${esc(d.title)}</strong></a>
<span class="meta">${esc(d.fileName)} · ${d.pageCount} 页 · ${Math.ceil(d.size / 1024)} KB · ${esc(ctx.personName(d.uploadedBy))} · ${esc(stamp(d.createdAt, ctx.timeZone, ctx.now))}</span>
<span class="meta">销售发送 <code>/share ${esc(d.title)} 客户名</code> 得到该客户的跟踪链接；知识原子写 <code>material: ${esc(d.title)}</code> 即在提醒中推荐它。</span></li>`,
    )
    .join('\n');
  const body = `<h1>资料库</h1>
${flashHtml(flash)}
<form method="post" action="/console/knowledge/library" enctype="multipart/form-data" class="card upload" id="upload">
  ${csrf(ctx)}
  <label>PDF 文件（不超过 20 MB）<input type="file" name="file" accept="application/pdf,.pdf" required></label>
  <label>标题（默认用文件名）<input name="title" maxlength="80"></label>
  <label>类型<select name="kind"><option value="material">资料（案例、宣传册）</option><option value="proposal">方案</option><option value="quote">报价</option><option value="contract">合同</option></select></label>
  <button type="submit">上传</button>
</form>
<ul class="library">${rows || '<li class="empty">资料库还是空的</li>'}</ul>`;
  return frame(ctx, '资料库', 'library', body);
}

export function labelsPage(ctx: KnowledgeContext, d: DocumentRow, flash?: Flash): string {
  const inputs = Array.from({ length: d.pageCount }, (_, i) => {
    const t = d.pageTitles[i] ?? '';
    return `<label>第${i + 1}页<input name="title${i + 1}" value="${esc(t)}" maxlength="100" placeholder="${esc(formatPageLabel(i + 1, null))}"></label>`;
  }).join('\n');
  const body = `<p class="back"><a href="/console/knowledge/library">← 资料库</a></p>
<h1>${esc(d.title)}</h1>
${flashHtml(flash)}
<p class="meta">页面名称出现在阅读提醒里（如「第7页 · 价格」）；标题含 价格 / 报价 的页按价格页计算。</p>
<form method="post" action="/console/knowledge/library/${encodeURIComponent(d.id)}" class="card labels" id="labels">
  ${csrf(ctx)}
  ${inputs}
  <button type="submit">保存页面名称</button>
</form>
<ol class="page-labels">${Array.from({ length: d.pageCount }, (_, i) => `<li>${esc(formatPageLabel(i + 1, d.pageTitles[i]))}</li>`).join('')}</ol>`;
  return frame(ctx, d.title, 'library', body);
}
