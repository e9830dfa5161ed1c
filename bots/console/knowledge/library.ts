/**
 * Shared material (issue 14): PDFs an admin uploads in the console (case studies, brochures) into
 * the document storage, tied to no chat and no deal, so a rep's `/share <title>` finds them and an
 * atom's `material` can name them; and the page labels (「第7页 · 价格」) of any document, which
 * the admin may correct. Both audited.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import type { Db } from '../../../db/client.ts';
import { writeAudit } from '../../../db/queries/console.ts';
import { documentById, documentBySha, setPageTitles, type DocumentRow } from '../../../db/queries/documents.ts';
import { DOCUMENT_KINDS } from '../../../db/schema/documents.ts';
import type { Person } from '../../catalog/catalog.ts';
import { cleanTitle } from '../../documents/page-labels.ts';
import { storeDocument } from '../../documents/share.ts';
import type { DocumentStorage } from '../../documents/storage.ts';

export const uploadFields = z
  .object({
    title: z.string().trim().max(80).optional(),
    kind: z.enum(DOCUMENT_KINDS).default('material'),
    _csrf: z.string().optional(),
  })
  .strict();

export async function uploadMaterial(
  db: Db,
  storage: DocumentStorage,
  f: { body: Buffer; fileName: string; title?: string; kind: DocumentRow['kind'] },
  by: { person: Person; now: Date },
): Promise<{ document: DocumentRow; existed: boolean }> {
  // The same file uploaded again is the first row (storeDocument returns it): nothing new to record.
  const sha256 = createHash('sha256').update(f.body).digest('hex');
  const existing = await documentBySha(db, { conversationId: null, sha256 });
  if (existing) return { document: existing, existed: true };
  const document = await storeDocument(db, storage, {
    body: f.body,
    fileName: f.fileName,
    ...(f.title ? { title: f.title } : {}),
    kind: f.kind,
    uploadedBy: by.person.id,
    conversationId: null,
    opportunityId: null,
    now: by.now,
  });
  await writeAudit(db, {
    at: by.now,
    personId: by.person.id,
    action: 'material.upload',
    subject: `document:${document.id}`,
    after: { title: document.title, fileName: document.fileName, kind: document.kind, pages: document.pageCount, sha256: document.sha256 },
    via: 'console',
  });
  return { document, existed: false };
}

export async function editPageLabels(
  db: Db,
  documentId: string,
  labels: Array<{ page: number; title: string | null }>,
  by: { person: Person; now: Date },
): Promise<DocumentRow> {
  return db.transaction(async (tx) => {
    const doc = await documentById(tx, documentId);
    if (!doc) throw new AppError('NOT_FOUND', '没有这个文档。');
    const titles = Array.from({ length: doc.pageCount }, (_, i) => doc.pageTitles[i] ?? null);
    for (const l of labels) {
      if (l.page > doc.pageCount) throw new AppError('BAD_REQUEST', `第 ${l.page} 页超出了文档的 ${doc.pageCount} 页`);
      titles[l.page - 1] = l.title === null || l.title.trim() === '' ? null : cleanTitle(l.title);
    }
    const updated = await setPageTitles(tx, { documentId, titles });
    await writeAudit(tx, {
      at: by.now,
      personId: by.person.id,
      action: 'document.labels',
      subject: `document:${documentId}`,
      before: doc.pageTitles,
      after: titles,
      via: 'console',
    });
    return updated!;
  });
}
