/**
 * Sharing from the rep's 1:1 chat with the bot: `/share 报价单 [客户名]` makes a new tracked link
 * to a stored document (the deal's own, one the rep shared elsewhere, or library material), and a
 * PDF sent to the bot is stored and gets its link. Either way the link is for one deal's customer
 * chat: the deal the rep names (`/share 报价单 华东医疗`, or the text sent with the file), else the
 * rep's own open deal with the latest activity in its chat, and the answer says which it chose.
 * A quote's link opens the playbook's "not opened in two working days" timer.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { AppError } from '../../core/errors.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { WorkingHours } from '../../core/zoned-time.ts';
import { searchDocuments, type DocumentRow } from '../../db/queries/documents.ts';
import { conversations, opportunities } from '../../db/schema/index.ts';
import { openShareTimers } from '../coaching/share-timers.ts';
import { createDocumentLink, shareDocument } from '../documents/share.ts';
import type { DocumentStorage } from '../documents/storage.ts';
import { dealScope } from '../reports/access.ts';
import { findOpportunities } from '../reports/deal.ts';
import { renderDealMatches } from '../reports/render.ts';
import type { AnswerContext } from './answer.ts';

export interface ShareContext extends AnswerContext {
  documents: { storage: DocumentStorage; publicUrl: string };
  wh: WorkingHours;
}

/** The deal a link is for and its customer chat, or the answer explaining why there is none. */
type Target = { deal: { id: string; name: string | null }; conversationId: string; named: boolean } | { answer: OutboundMessage };

const note = (title: string, text: string): OutboundMessage => ({ type: 'markdown', title, text });

/** `/share 报价单 华东医疗`: the last word names the deal when it matches one, else it is all title. */
export async function answerShare(a: ShareContext, query: string): Promise<OutboundMessage> {
  const words = query.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return note('分享文档', '请写上文档标题，例如 `/share 报价单`（发到你最近在跟的商机）或 `/share 报价单 华东医疗`。也可以直接把 PDF 发给我。');
  }
  let title = words.join(' ');
  let target: Target | null = null;
  if (words.length > 1) {
    const named = await namedTarget(a, words.at(-1)!);
    if (named) {
      target = named;
      title = words.slice(0, -1).join(' ');
    }
  }
  target ??= await latestTarget(a);
  if ('answer' in target) return target.answer;
  const [document] = await searchDocuments(a.tx, { text: title, opportunityId: target.deal.id, uploadedBy: a.person.id, limit: 1 });
  if (!document) {
    return note('分享文档', `没有找到标题包含「${title}」的文档。先把 PDF 发给我（我会存下来），或请管理员把资料上传到资料库。`);
  }
  const link = await createDocumentLink(a.tx, {
    documentId: document.id,
    conversationId: target.conversationId,
    opportunityId: target.deal.id,
    createdBy: a.person.id,
    now: a.now,
    ttlDays: a.config.DOCUMENT_LINK_DAYS,
    publicUrl: a.documents.publicUrl,
  });
  await openShareTimers(a.tx, a.catalog.current, a.wh, { document, link: link.link, at: a.now });
  return linkAnswer(a, document, link.url, target, title);
}

/**
 * A PDF sent to the bot: stored (the same file again for the same chat is the same document) and
 * linked for the deal the text names, else the rep's latest.
 */
export async function answerSharedFile(a: ShareContext, file: { name: string; body: Buffer }, text: string): Promise<OutboundMessage> {
  const words = text.trim();
  const target = (words ? await namedTarget(a, words) : null) ?? (await latestTarget(a));
  if ('answer' in target) return target.answer;
  let shared: Awaited<ReturnType<typeof shareDocument>>;
  try {
    shared = await shareDocument(a.tx, a.documents.storage, {
      body: file.body,
      fileName: file.name,
      uploadedBy: a.person.id,
      conversationId: target.conversationId,
      opportunityId: target.deal.id,
      now: a.now,
      publicUrl: a.documents.publicUrl,
      ttlDays: a.config.DOCUMENT_LINK_DAYS,
    });
  } catch (err) {
    if (err instanceof AppError && (err.code === 'BAD_REQUEST' || err.code === 'PAYLOAD_TOO_LARGE')) {
      return note('没有生成链接', `「${file.name}」：${reason(err)}。目前只能跟踪 20 MB 以内的 PDF。`);
    }
    throw err;
  }
  await openShareTimers(a.tx, a.catalog.current, a.wh, { document: shared.document, link: shared.link, at: a.now });
  return linkAnswer(a, shared.document, shared.url, target, shared.document.title);
}

function reason(err: AppError): string {
  if (err.code === 'PAYLOAD_TOO_LARGE') return '文件太大';
  if (/only PDF/i.test(err.message)) return '不是 PDF 文件';
  if (/empty/i.test(err.message)) return '文件是空的';
  return '文件打不开';
}

function linkAnswer(a: ShareContext, document: DocumentRow, url: string, target: Extract<Target, { deal: unknown }>, title: string): OutboundMessage {
  const deal = target.deal.name ?? '这个客户';
  const how = target.named ? '' : `（你最近在跟的商机；要发给别的客户：\`/share ${title} 客户名\`）`;
  const days = a.config.DOCUMENT_LINK_DAYS;
  return note(
    `跟踪链接 · ${document.title}`,
    [
      `《${document.title}》发到「${deal}」的客户群${how}，把下面的链接转发或粘贴过去：`,
      url,
      '',
      `客户打开后，每页看了多久会记在商机上；价格页被反复看、有新的人打开时我会提醒你。${days > 0 ? `链接 ${days} 天内有效。` : ''}`,
    ].join('\n'),
  );
}

/** The deal `words` names among those the asker may see, with its customer chat; null when none matches. */
async function namedTarget(a: ShareContext, words: string): Promise<Target | null> {
  const matches = await findOpportunities(a.tx, words, dealScope(a.person));
  if (matches.length === 0) return null;
  if (matches.length > 1 && matches[0]!.name !== words) {
    const catalog = a.catalog.current;
    return { answer: renderDealMatches(words, matches, { stageLabel: (s) => catalog.stageLabel(s) }) };
  }
  const deal = matches[0]!;
  const conversationId = await customerChatOf(a, deal.id);
  if (!conversationId) return { answer: note('分享文档', `「${deal.name}」还没有客户群，等群里有了消息再试。`) };
  return { deal: { id: deal.id, name: deal.name }, conversationId, named: true };
}

/** The asker's own open deal whose chat moved last. */
async function latestTarget(a: ShareContext): Promise<Target> {
  const [deal] = await a.tx
    .select({ id: opportunities.id, name: opportunities.name })
    .from(opportunities)
    .where(and(eq(opportunities.ownerId, a.person.id), eq(opportunities.status, 'open')))
    .orderBy(desc(sql`greatest(${opportunities.lastRepAt}, ${opportunities.lastCustomerAt}, ${opportunities.updatedAt})`), desc(opportunities.id))
    .limit(1);
  if (!deal) return { answer: note('分享文档', '你还没有在跟的商机。请写上客户名，例如 `/share 报价单 华东医疗`。') };
  const conversationId = await customerChatOf(a, deal.id);
  if (!conversationId) return { answer: note('分享文档', `「${deal.name ?? '这个商机'}」还没有客户群，请写上客户名再试。`) };
  return { deal, conversationId, named: false };
}

async function customerChatOf(a: ShareContext, dealId: string): Promise<string | null> {
  const [conv] = await a.tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.opportunityId, dealId), eq(conversations.direct, false)))
    .orderBy(desc(conversations.createdAt))
    .limit(1);
  return conv?.id ?? null;
}
