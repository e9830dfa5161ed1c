/**
 * The console's HTML frame: escaping, the layout every page shares (phone width first, Chinese),
 * times on the organisation's wall clock, amounts as managers say them. Nothing loads from another
 * origin; pages work without their script, which only draws the charts.
 */
import { wallClock } from '../../core/zoned-time.ts';
import type { Person } from '../catalog/catalog.ts';
import { formatAmount } from '../reports/render.ts';

export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The console's Content-Security-Policy: everything from this origin, forms only to it. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleAssets {
  style: string;
  script: string;
  echarts: string;
}

export const ROLE_LABELS: Record<Person['role'], string> = { rep: '销售', manager: '销售经理', admin: '管理员' };

/** `12-03 14:05` on the wall clock; with the year when it is not `now`'s. */
export function stamp(at: Date, timeZone: string, now?: Date): string {
  const w = wallClock(at, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const year = now && wallClock(now, timeZone).year !== w.year ? `${w.year}-` : '';
  return `${year}${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

export const amountText = (n: number | null): string => (n === null ? '—' : formatAmount(n));

export function page(p: {
  title: string;
  assets: ConsoleAssets;
  body: string;
  /** Signed in: the nav, the sign-out form with the CSRF token. */
  viewer?: { person: Person; csrf: string };
  active?: 'dashboard' | 'deals' | 'search' | 'audit' | 'knowledge' | 'simulator';
  /** Extra scripts (the dashboard's chart). */
  scripts?: string[];
  /** Extra stylesheets (the simulator's). */
  styles?: string[];
}): string {
  const v = p.viewer;
  const nav = v
    ? `<nav class="nav">
  ${v.person.role === 'rep' ? '' : `<a href="/console"${p.active === 'dashboard' ? ' aria-current="page"' : ''}>看板</a>`}
  <a href="/console/deals"${p.active === 'deals' ? ' aria-current="page"' : ''}>商机</a>
  <a href="/console/search"${p.active === 'search' ? ' aria-current="page"' : ''}>搜索</a>
  <a href="/console/audit"${p.active === 'audit' ? ' aria-current="page"' : ''}>记录</a>
  <a href="/console/simulator"${p.active === 'simulator' ? ' aria-current="page"' : ''}>模拟器</a>
  ${v.person.role === 'admin' ? `<a href="/console/knowledge"${p.active === 'knowledge' ? ' aria-current="page"' : ''}>知识库</a>` : ''}
  <span class="who">${esc(v.person.name)} · ${ROLE_LABELS[v.person.role]}</span>
  <form method="post" action="/console/logout" class="inline"><input type="hidden" name="_csrf" value="${esc(v.csrf)}"><button type="submit" class="link">退出</button></form>
</nav>`
    : '';
  const scripts = (p.scripts ?? []).map((s) => `<script src="${esc(s)}" defer></script>`).join('\n');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="same-origin">
<title>${esc(p.title)} · dealwise</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${esc(p.assets.style)}">
${(p.styles ?? []).map((s) => `<link rel="stylesheet" href="${esc(s)}">`).join('\n')}
${scripts}
</head>
<body>
<header class="top"><a class="brand" href="/console">dealwise 控制台</a>${nav}</header>
<main>
${p.body}
</main>
</body>
</html>
`;
}

/** A page that only says something: signed out, refused, a used link. */
export function messagePage(
  assets: ConsoleAssets,
  title: string,
  text: string,
  opts: { viewer?: { person: Person; csrf: string }; state?: string } = {},
): string {
  return page({
    title,
    assets,
    ...(opts.viewer ? { viewer: opts.viewer } : {}),
    body: `<section class="card message"${opts.state ? ` data-state="${esc(opts.state)}"` : ''}><h1>${esc(title)}</h1><p>${esc(text)}</p></section>`,
  });
}
