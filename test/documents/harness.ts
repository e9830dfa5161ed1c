/**
 * Test harness for tracked documents: a real PGlite database in a temp folder with one deal (the
 * demo's 华东医疗, owned by 张三), folder storage beside it, and the documents plugin on a real
 * fastify server listening on 127.0.0.1. No mocks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { FolderStorage } from '../../bots/documents/folder-storage.ts';
import type { ReadingEvent } from '../../bots/documents/reading.ts';
import { bearerAuthorizer, registerDocumentRoutes, type DocumentDeps, type DocumentLimits } from '../../bots/documents/routes.ts';
import type { DocumentStorage } from '../../bots/documents/storage.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';
import type { Database } from '../../db/client.ts';
import { conversations, identities, opportunities, people } from '../../db/schema/index.ts';

export const SAMPLE_PDF_PATH = fileURLToPath(new URL('../../config/documents/sample-proposal.pdf', import.meta.url));
export const samplePdf = (): Buffer => readFileSync(SAMPLE_PDF_PATH);

export const DEAL = {
  personId: 'zhangsan',
  platform: 'local',
  chatId: 'c-huadong-medical',
  conversationId: 'local:c-huadong-medical',
  opportunityId: 'opp-huadong',
} as const;

/** 张三 (rep, in the directory on the local platform), his customer chat and its deal. */
export async function seedDeal(db: Database['db']): Promise<void> {
  const at = new Date('2026-11-23T10:00:00+08:00');
  // The template database has the sample directory: 张三 is there already.
  await db.insert(people).values({ id: DEAL.personId, name: '张三', role: 'rep', teamId: 'east' }).onConflictDoNothing();
  await db.insert(identities).values({ platform: 'local', userId: DEAL.personId, personId: DEAL.personId }).onConflictDoNothing();
  await db
    .insert(opportunities)
    .values({ id: DEAL.opportunityId, name: '华东医疗', ownerId: DEAL.personId, stage: 'proposal', stageAt: at, createdAt: at, updatedAt: at });
  await db.insert(conversations).values({
    id: DEAL.conversationId,
    platform: 'local',
    chatId: DEAL.chatId,
    chatType: 'group',
    title: '华东医疗 · 患者随访平台项目',
    opportunityId: DEAL.opportunityId,
    ownerId: DEAL.personId,
    createdAt: at,
  });
  await db.insert(conversations).values({ id: 'local:dm-zhangsan', platform: 'local', chatId: 'dm-zhangsan', chatType: 'single', direct: true, createdAt: at });
}

export interface DocServer extends TestDb {
  server: FastifyInstance;
  /** http://127.0.0.1:<port> */
  url: string;
  storage: DocumentStorage;
  events: ReadingEvent[];
  close(): Promise<void>;
}

export async function startDocServer(
  opts: { limits?: Partial<DocumentLimits>; apiToken?: string; now?: () => Date; storage?: DocumentStorage; listen?: boolean } = {},
): Promise<DocServer> {
  const t = await openTestDb();
  await seedDeal(t.database.db);
  const storage = opts.storage ?? new FolderStorage(join(t.dataDir, 'documents'));
  const events: ReadingEvent[] = [];
  const server = Fastify({ logger: false });
  const deps: DocumentDeps = {
    db: t.database.db,
    storage,
    config: { DOCUMENT_LINK_DAYS: 30 },
    publicUrl: 'http://127.0.0.1',
    authorize: bearerAuthorizer(opts.apiToken),
    onReading: (e) => void events.push(e),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  };
  registerDocumentRoutes(server, deps);
  let url = 'http://127.0.0.1';
  if (opts.listen !== false) {
    url = await server.listen({ host: '127.0.0.1', port: 0 });
    deps.publicUrl = url;
  } else {
    await server.ready();
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server.close();
    await t.cleanup();
  };
  return { ...t, server, url, storage, events, close, cleanup: close };
}

/** A multipart body for POST /v1/documents, built by hand as a browser or curl would send it. */
export function multipartBody(
  fields: Record<string, string>,
  file?: { name: string; type: string; body: Buffer; field?: string },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----dealwise${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.body,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

let variant = 0;

/**
 * Shares the sample proposal with the deal's chat over the API; returns {id, url, token}. With
 * `fresh`, the bytes differ (a PDF comment after %%EOF), so it is a new document rather than
 * the one already shared.
 */
export async function shareSample(
  s: DocServer,
  name = '方案建议书-华东医疗.pdf',
  opts: { fresh?: boolean } = {},
): Promise<{ id: string; url: string; token: string }> {
  const pdf = opts.fresh ? Buffer.concat([samplePdf(), Buffer.from(`\n%variant ${++variant}\n`)]) : samplePdf();
  const { payload, headers } = multipartBody(
    { conversationId: DEAL.chatId, senderId: DEAL.personId, platform: 'local' },
    { name, type: 'application/pdf', body: pdf },
  );
  const res = await s.server.inject({ method: 'POST', url: '/v1/documents', payload, headers });
  if (res.statusCode !== 201) throw new Error(`share failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { id: string; url: string };
  return { ...body, token: body.url.split('/d/')[1]! };
}
