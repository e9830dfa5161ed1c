/**
 * The HTML of the viewer (what a customer sees at /d/<token>, on a phone first) and of the page a
 * revoked, expired or unknown link shows. Chinese UI; nothing loads from another origin.
 */

export type LinkGone = 'unknown' | 'revoked' | 'expired';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export interface ViewerAssets {
  /** pdf.js and its worker, the folder of its cmaps/fonts/wasm, the viewer's script and style. */
  pdfjs: string;
  worker: string;
  pdfjsRoot: string;
  script: string;
  style: string;
}

/**
 * The viewer's Content-Security-Policy: everything from this origin; wasm for pdf.js's image
 * decoders; blob: and data: for the fonts and images pdf.js builds in the page.
 */
export const VIEWER_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const head = (title: string, style: string): string => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<meta name="format-detection" content="telephone=no">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${style}">
</head>`;

export function viewerHtml(p: { title: string; pageCount: number; assets: ViewerAssets }): string {
  const a = p.assets;
  return `${head(p.title, a.style)}
<body data-pdfjs="${a.pdfjs}" data-worker="${a.worker}" data-pdfjs-root="${a.pdfjsRoot}" data-page-count="${p.pageCount}" data-state="loading">
<header class="bar">
  <h1 class="title">${escapeHtml(p.title)}</h1>
  <span class="count">共 ${p.pageCount} 页</span>
  <a class="download" id="download" href="#" hidden>下载</a>
</header>
<main id="pages" aria-live="polite"><p class="status" id="status">正在加载文档…</p></main>
<footer class="note">分享者可以看到此文档的打开次数和各页的阅读时长，不会获取您的姓名或联系方式。</footer>
<script type="module" src="${a.script}"></script>
</body>
</html>
`;
}

const GONE_TEXT: Record<LinkGone, string> = {
  unknown: '找不到这个文档链接，请确认链接是否完整，或联系发送链接给您的人。',
  revoked: '分享者已收回这个文档链接。如需继续查看，请联系发送链接给您的人。',
  expired: '这个文档链接已过期。如需继续查看，请联系发送链接给您的人获取新的链接。',
};

/** The clear page of a link that no longer opens; it loads no script and records nothing. */
export function goneHtml(reason: LinkGone, style: string): string {
  return `${head('链接已失效', style)}
<body class="gone" data-state="gone" data-reason="${reason}">
<main class="gone-box">
  <h1>链接已失效</h1>
  <p>${GONE_TEXT[reason]}</p>
</main>
</body>
</html>
`;
}
