/**
 * Reading in chat: the 「客户阅读」 block of `/deal` (what the deal's customers read and when) and
 * the `/docs` answer (per document: opens, readers, time per page, pages skipped and read again),
 * both from bots/documents/analytics.ts. Short enough for a phone.
 */
import type { OutboundMessage } from '../../core/types.ts';
import { wallClock } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import type { DocumentScope } from '../../db/queries/documents.ts';
import { visibleDocuments } from '../../db/queries/documents.ts';
import type { DocumentKind } from '../../db/schema/documents.ts';
import { type DocumentAnalytics, documentAnalytics, readingSummary } from '../documents/analytics.ts';
import { formatDuration } from '../documents/signals.ts';

/** Documents shown in /deal's block, and in a /docs list. */
const DEAL_DOCUMENTS = 4;
const DOCS_LISTED = 5;

export const KIND_ZH: Record<DocumentKind, string> = { proposal: '方案', quote: '报价', contract: '合同', material: '资料' };

/** The 「客户阅读」 block of `/deal`, or null when no document was shared with the deal. */
export async function dealReadingBlock(db: Db, dealId: string, timeZone: string): Promise<string | null> {
  const summary = await readingSummary(db, { opportunityId: dealId });
  if (summary.documents.length === 0) return null;
  // The most recently read first; documents never opened after them.
  const docs = [...summary.documents].sort((a, b) => (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0)).slice(0, DEAL_DOCUMENTS);
  const lines = docs.map((d) => {
    const head = `- 《${md(d.title)}》`;
    if (d.opens === 0) return `${head}${d.firstSharedAt ? ` ${stamp(d.firstSharedAt, timeZone)} 发出，` : ''}还没打开`;
    const parts = [`打开 ${d.opens} 次`, `读者 ${d.readers}`];
    if (d.totalSeconds > 0) parts.push(`共 ${formatDuration(d.totalSeconds)}`);
    if (d.firstOpenedAt && d.lastSeenAt) parts.push(`${stamp(d.firstOpenedAt, timeZone)} 至 ${stamp(d.lastSeenAt, timeZone)}`);
    const detail = [topPagesText(d), d.rereadPages.length > 0 ? `反复看 ${pagesText(d.rereadPages)}` : null, d.forwards > 0 ? `转发 ${d.forwards}` : null]
      .filter((x): x is string => x !== null)
      .join(' · ');
    return `${head}${parts.join(' · ')}${detail ? `\n  ${detail}` : ''}`;
  });
  const more = summary.documents.length > docs.length ? `（共 ${summary.documents.length} 份，显示最近 ${docs.length} 份）` : '';
  return `**客户阅读**${more}\n${lines.join('\n')}`;
}

/**
 * `/docs [标题]`: the documents the asker may see, newest first, each with its reading: opens,
 * readers, time per page, pages skipped and pages read again.
 */
export async function documentsAnswer(db: Db, p: { scope: DocumentScope; text: string; scopeName: string }): Promise<OutboundMessage> {
  const found = await visibleDocuments(db, { scope: p.scope, ...(p.text ? { text: p.text } : {}), limit: DOCS_LISTED });
  const title = p.text ? `文档阅读 · ${p.text}` : `文档阅读 · ${p.scopeName}`;
  if (found.length === 0) {
    const none = p.text ? `没有找到标题包含「${md(p.text)}」的文档。` : '还没有分享过的文档。';
    return { type: 'markdown', title, text: `${none}销售把 PDF 发给我，或发 \`/share 报价单 客户名\`，就会生成跟踪链接。` };
  }
  const blocks: string[] = [];
  for (const f of found) {
    const a = await documentAnalytics(db, f.document.id);
    if (a) blocks.push(documentBlock(a, { dealName: f.dealName, sharedBy: f.sharedBy }));
  }
  if (found.length === DOCS_LISTED && !p.text) blocks.push(`只列出最近 ${DOCS_LISTED} 份；查某一份请写标题，例如 \`/docs 报价单\`。`);
  return { type: 'markdown', title, text: blocks.join('\n\n') };
}

/** One document's reading, for /docs. */
export function documentBlock(a: DocumentAnalytics, who: { dealName: string | null; sharedBy: string | null }): string {
  const head = [`**《${md(a.title)}》** ${KIND_ZH[a.kind]}`, who.dealName ? md(who.dealName) : '资料库', who.sharedBy ? `${md(who.sharedBy)}分享` : null]
    .filter((x): x is string => x !== null)
    .join(' · ');
  if (a.opens === 0) return `${head}\n还没有人打开`;
  const lines = [head, `打开 ${a.opens} · 读者 ${a.readers} · 转发 ${a.forwards} · 下载 ${a.downloads} · 共 ${formatDuration(a.totalSeconds)}`];
  const read = a.pages.filter((p) => p.seconds > 0);
  if (read.length > 0) lines.push(`每页：${read.map((p) => `${md(p.label)} ${formatDuration(p.seconds)}`).join('｜')}`);
  const tail = [
    a.skippedPages.length > 0 ? `跳过 ${pagesText(a.skippedPages)}` : null,
    a.rereadPages.length > 0 ? `反复看 ${pagesText(a.rereadPages)}` : null,
  ].filter((x): x is string => x !== null);
  if (tail.length > 0) lines.push(tail.join(' · '));
  return lines.join('\n');
}

/** The two pages read longest: 「最久 第7页 · 价格 2分钟、第2页 40秒」. */
function topPagesText(d: DocumentAnalytics): string | null {
  const top = d.pages
    .filter((p) => p.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 2);
  return top.length === 0 ? null : `最久 ${top.map((p) => `${md(p.label)} ${formatDuration(p.seconds)}`).join('、')}`;
}

/** 「第1、7页」 */
function pagesText(pages: readonly number[]): string {
  return `第${pages.join('、')}页`;
}

function stamp(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** Titles inside our markdown: markup characters become their full-width forms (as in render.ts). */
function md(s: string): string {
  return s.replace(/[*_`[\]<>#~|]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}
