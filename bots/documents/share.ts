/**
 * Sharing: store a PDF (checked, read for its pages and titles, put in the document storage) and
 * make a tracked link for a customer chat. What the chat commands (`/share 报价单`, a PDF sent to
 * the bot) and POST /v1/documents call.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Db } from '../../db/client.ts';
import { documentBySha, insertDocument, insertLink, type DocumentLinkRow, type DocumentRow } from '../../db/queries/documents.ts';
import type { DocumentKind } from '../../db/schema/documents.ts';
import { newFingerprintSalt } from './fingerprint.ts';
import { pageTitles } from './page-labels.ts';
import { inspectPdf, looksLikePdf } from './pdf-inspect.ts';
import type { DocumentStorage } from './storage.ts';
import { hashToken, linkUrl, newLinkToken } from './tokens.ts';

/** Largest PDF accepted. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;
export const PDF_MIME = 'application/pdf';

/** What a file name says the document is: the sales action sharing it stands for. */
export function documentKindOf(name: string): DocumentKind {
  if (/合同|协议|contract|agreement/i.test(name)) return 'contract';
  if (/报价|价格|价目|quot|pric/i.test(name)) return 'quote';
  if (/方案|建议书|标书|proposal|solution/i.test(name)) return 'proposal';
  return 'material';
}

/** A file name as a title: no folders, no extension, at most 80 characters. */
export function titleFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const stem = base.replace(/\.pdf$/i, '').trim();
  return [...(stem || '文档')].slice(0, 80).join('');
}

export interface StoreDocumentInput {
  body: Buffer;
  fileName: string;
  title?: string;
  kind?: DocumentKind;
  /** The directory person who shared it; null for material imported by an admin tool. */
  uploadedBy: string | null;
  /** The customer chat it is for; both null for library material. */
  conversationId: string | null;
  opportunityId: string | null;
  now: Date;
}

/**
 * Stores a PDF and returns its row. The same file shared again with the same chat returns the
 * first row, so its reading adds up in one place.
 */
export async function storeDocument(db: Db, storage: DocumentStorage, input: StoreDocumentInput): Promise<DocumentRow> {
  if (input.body.length === 0) throw new AppError('BAD_REQUEST', 'the file is empty');
  if (input.body.length > MAX_DOCUMENT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `PDFs up to ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB can be shared`);
  if (!looksLikePdf(input.body)) throw new AppError('BAD_REQUEST', 'only PDF files can be shared');
  const sha256 = createHash('sha256').update(input.body).digest('hex');
  const existing = await documentBySha(db, { conversationId: input.conversationId, sha256 });
  if (existing) return existing;

  const inspection = await inspectPdf(input.body);
  const id = newId();
  const storageKey = `${id}.pdf`;
  await storage.put(storageKey, input.body, { contentType: PDF_MIME });
  try {
    return await insertDocument(db, {
      id,
      title: input.title?.trim() || titleFromFileName(input.fileName),
      fileName: input.fileName,
      mime: PDF_MIME,
      size: input.body.length,
      sha256,
      storageKey,
      kind: input.kind ?? documentKindOf(input.fileName),
      pageCount: inspection.pageCount,
      pageTitles: pageTitles(inspection),
      fingerprintSalt: newFingerprintSalt(),
      uploadedBy: input.uploadedBy,
      conversationId: input.conversationId,
      opportunityId: input.opportunityId,
      createdAt: input.now,
    });
  } catch (err) {
    // No row points at the object: remove it rather than leave an orphan.
    await storage.delete(storageKey).catch(() => {});
    throw err;
  }
}

export interface CreateLinkInput {
  documentId: string;
  conversationId: string | null;
  opportunityId: string | null;
  createdBy: string | null;
  now: Date;
  /** Days until the link stops opening; 0 or undefined: never. */
  ttlDays?: number;
  publicUrl: string;
}

export interface CreatedLink {
  link: DocumentLinkRow;
  /** Shown once (in the URL): only its hash is stored. Never log it. */
  token: string;
  url: string;
}

export async function createDocumentLink(db: Db, input: CreateLinkInput): Promise<CreatedLink> {
  const token = newLinkToken();
  const link = await insertLink(db, {
    id: newId(),
    documentId: input.documentId,
    tokenHash: hashToken(token),
    conversationId: input.conversationId,
    opportunityId: input.opportunityId,
    createdBy: input.createdBy,
    createdAt: input.now,
    expiresAt: input.ttlDays ? new Date(input.now.getTime() + input.ttlDays * 86_400_000) : null,
  });
  return { link, token, url: linkUrl(input.publicUrl, token) };
}

/** Stores a PDF for a customer chat and makes its tracked link: a rep's PDF sent to the bot. */
export async function shareDocument(
  db: Db,
  storage: DocumentStorage,
  input: StoreDocumentInput & { publicUrl: string; ttlDays?: number },
): Promise<{ document: DocumentRow } & CreatedLink> {
  const document = await storeDocument(db, storage, input);
  const created = await createDocumentLink(db, {
    documentId: document.id,
    conversationId: input.conversationId,
    opportunityId: input.opportunityId,
    createdBy: input.uploadedBy,
    now: input.now,
    publicUrl: input.publicUrl,
    ...(input.ttlDays !== undefined ? { ttlDays: input.ttlDays } : {}),
  });
  return { document, ...created };
}

/** Whether a link still opens at `now`; why not when it does not. */
export function linkState(link: Pick<DocumentLinkRow, 'revokedAt' | 'expiresAt'>, now: Date): 'open' | 'revoked' | 'expired' {
  if (link.revokedAt) return 'revoked';
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'open';
}
