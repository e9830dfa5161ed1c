/**
 * The documents HTTP API, under the same authorization as /v1 (deps.authorize):
 *   POST   /v1/documents             multipart: file (PDF ≤ 20 MB), conversationId, senderId, platform[, title]
 *                                     → 201 {id, url, linkId, expiresAt}: the tracked link for that chat
 *   GET    /v1/documents/:id         the document, its links and its reading stats
 *   DELETE /v1/documents/:id/link    revokes its links → {revoked}
 *   PATCH  /v1/documents/:id/labels  {labels: [{page, title}]}: the admin renames pages
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { conversationKey } from '../../core/ids.ts';
import { checkText } from '../../core/text.ts';
import { PLATFORMS } from '../../core/types.ts';
import { conversationById, documentById, linksOfDocument, revokeLinks, setPageTitles, type DocumentRow } from '../../db/queries/documents.ts';
import { personByPlatformId } from '../../db/queries/people.ts';
import { documentAnalytics } from './analytics.ts';
import type { DocumentLookups } from './lookups.ts';
import { cleanTitle, formatPageLabel, pageLabelsBody } from './page-labels.ts';
import type { DocumentDeps } from './routes.ts';
import { linkState, MAX_DOCUMENT_BYTES, PDF_MIME, shareDocument } from './share.ts';

const uploadFields = z
  .object({
    conversationId: z.string().min(1).max(256),
    senderId: z.string().min(1).max(256),
    platform: z.enum(PLATFORMS),
    title: z.string().max(80).optional(),
  })
  .strict();

const idParam = z.object({ id: z.uuid() });

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');

function parseId(req: FastifyRequest): string {
  const parsed = idParam.safeParse(req.params);
  if (!parsed.success) throw new AppError('NOT_FOUND', 'no such document');
  return parsed.data.id;
}

export function labelsOf(doc: Pick<DocumentRow, 'pageCount' | 'pageTitles'>): { page: number; title: string | null; label: string }[] {
  return Array.from({ length: doc.pageCount }, (_, i) => ({ page: i + 1, title: doc.pageTitles[i] ?? null, label: formatPageLabel(i + 1, doc.pageTitles[i]) }));
}

function documentJson(doc: DocumentRow) {
  return {
    id: doc.id,
    title: doc.title,
    fileName: doc.fileName,
    mime: doc.mime,
    size: doc.size,
    sha256: doc.sha256,
    kind: doc.kind,
    pageCount: doc.pageCount,
    labels: labelsOf(doc),
    uploadedBy: doc.uploadedBy,
    conversationId: doc.conversationId,
    opportunityId: doc.opportunityId,
    createdAt: doc.createdAt,
  };
}

export async function registerApiRoutes(server: FastifyInstance, deps: DocumentDeps, lookups: DocumentLookups): Promise<void> {
  const now = deps.now ?? (() => new Date());
  await server.register(multipart, {
    limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 100 },
  });

  server.post('/v1/documents', { config: { accepts: 'multipart/form-data' } }, async (req, reply) => {
    await deps.authorize(req, 'documents:write');
    if (!req.isMultipart()) throw new AppError('BAD_REQUEST', 'send multipart/form-data with a file and conversationId, senderId, platform');
    const fields: Record<string, string> = {};
    let file: { name: string; body: Buffer } | null = null;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) throw new AppError('BAD_REQUEST', 'send one file, in the field "file"');
        if (part.mimetype !== PDF_MIME) throw new AppError('BAD_REQUEST', `only ${PDF_MIME} files can be shared (got ${part.mimetype})`);
        file = { name: part.filename || 'document.pdf', body: await part.toBuffer() };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    if (!file) throw new AppError('BAD_REQUEST', 'missing the file (field "file")');
    // The parts are read here, after the edge check (bots/http/text-guard.ts) has run on an empty body.
    for (const [name, value] of [...Object.entries(fields), ['the file name', file.name] as const]) checkText(name, value, Number.POSITIVE_INFINITY);
    const parsed = uploadFields.safeParse(fields);
    if (!parsed.success) throw new AppError('BAD_REQUEST', issues(parsed.error));
    const f = parsed.data;

    const person = await personByPlatformId(deps.db, f.platform, f.senderId);
    if (!person?.active) throw new AppError('FORBIDDEN', 'only people in the directory can share documents');
    const conversation = await conversationById(deps.db, conversationKey(f.platform, f.conversationId));
    if (!conversation) throw new AppError('NOT_FOUND', 'unknown conversation: no message has been seen in it yet');
    if (conversation.direct) throw new AppError('BAD_REQUEST', 'a tracked link is for a customer chat, not a chat with the bot');

    const shared = await shareDocument(deps.db, deps.storage, {
      body: file.body,
      fileName: file.name,
      ...(f.title ? { title: f.title } : {}),
      uploadedBy: person.id,
      conversationId: conversation.id,
      opportunityId: conversation.opportunityId,
      now: now(),
      publicUrl: deps.publicUrl,
      ttlDays: deps.config.DOCUMENT_LINK_DAYS,
    });
    if (deps.onShared) {
      try {
        await deps.onShared({ document: shared.document, link: shared.link });
      } catch (err) {
        // The link is made and works; only its reminder is missing.
        req.log.error({ err, documentId: shared.document.id }, 'share listener failed');
      }
    }
    return reply.status(201).send({ id: shared.document.id, url: shared.url, linkId: shared.link.id, expiresAt: shared.link.expiresAt });
  });

  server.get('/v1/documents/:id', async (req) => {
    await deps.authorize(req, 'documents:read');
    const doc = await documentById(deps.db, parseId(req));
    if (!doc) throw new AppError('NOT_FOUND', 'no such document');
    const at = now();
    const links = (await linksOfDocument(deps.db, doc.id)).map((l) => ({
      id: l.id,
      conversationId: l.conversationId,
      opportunityId: l.opportunityId,
      createdBy: l.createdBy,
      createdAt: l.createdAt,
      expiresAt: l.expiresAt,
      revokedAt: l.revokedAt,
      state: linkState(l, at),
    }));
    return { document: documentJson(doc), links, stats: await documentAnalytics(deps.db, doc.id) };
  });

  server.delete('/v1/documents/:id/link', async (req) => {
    await deps.authorize(req, 'documents:write');
    const doc = await documentById(deps.db, parseId(req));
    if (!doc) throw new AppError('NOT_FOUND', 'no such document');
    return { revoked: await revokeLinks(deps.db, { documentId: doc.id, at: now() }) };
  });

  server.patch('/v1/documents/:id/labels', async (req) => {
    await deps.authorize(req, 'documents:admin');
    const doc = await documentById(deps.db, parseId(req));
    if (!doc) throw new AppError('NOT_FOUND', 'no such document');
    const parsed = pageLabelsBody.safeParse(req.body);
    if (!parsed.success) throw new AppError('BAD_REQUEST', issues(parsed.error));
    const titles = Array.from({ length: doc.pageCount }, (_, i) => doc.pageTitles[i] ?? null);
    for (const l of parsed.data.labels) {
      if (l.page > doc.pageCount) throw new AppError('BAD_REQUEST', `page ${l.page} is beyond the document's ${doc.pageCount} pages`);
      titles[l.page - 1] = l.title === null ? null : cleanTitle(l.title);
    }
    const updated = await setPageTitles(deps.db, { documentId: doc.id, titles });
    lookups.forgetDocument(doc.id);
    return { labels: labelsOf(updated ?? doc) };
  });
}
