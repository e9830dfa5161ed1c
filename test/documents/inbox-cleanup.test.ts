/**
 * Files posted with a message to the local ingest (`inbox-<sha256>`) are removed once no message
 * waiting for its command refers to them, and not before: the whole app (PGlite, in-process jobs
 * run by `drain`, the folder storage) and its HTTP ingest.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxKey } from '../../adapters/local/parse.ts';
import { advanceTo } from '../../bots/demo/replay.ts';
import { readObject } from '../../bots/documents/storage.ts';
import { buildServer } from '../../bots/http/server.ts';
import { removeUnusedInboxFiles } from '../../bots/maintenance/inbox-cleanup.ts';
import { eq, sql } from 'drizzle-orm';
import { deliveries, documents } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';
import { samplePdf } from './harness.ts';

describe('inbox files of the local ingest', () => {
  let t: TestApp;
  let server: FastifyInstance;
  const deps = () => ({ database: t.app.database, storage: t.app.documents.storage, log: t.app.log });
  const exists = (key: string) =>
    readObject(t.app.documents.storage, key).then(
      () => true,
      () => false,
    );
  const post = async (p: { id: string; direct: boolean; from: string; name: string; bytes: Buffer }) => {
    const res = await server.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: {
        platform: 'local',
        messageId: p.id,
        conversationId: p.direct ? `dm-${p.from}` : 'c-inbox-group',
        chatType: p.direct ? 'single' : 'group',
        direct: p.direct,
        senderId: p.from,
        attachments: [{ name: p.name, type: 'file', data: p.bytes.toString('base64') }],
        sentAt: t.clock.now().toISOString(),
      },
    });
    expect(res.statusCode).toBe(200);
  };

  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-25T15:00:00+08:00') });
    server = buildServer(t.app);
    await server.ready();
    // zhangsan's deal, which the PDF sent to the bot is shared with.
    for (const [from, text] of [
      ['zhangsan', '王总您好，方案整理好了，报价我今天发您。'],
      ['cust-wang', '好的，整套下来大概什么价位？'],
      ['zhangsan', '按 300 个账号算，标准版首年 48 万，含实施和培训。'],
    ] as const) {
      await t.app.sink.message(chat({ from, text, at: t.clock.now(), conv: 'c-inbox-deal' }));
      await t.app.drain();
    }
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('keeps a file its command has not read, and removes it once read; a group chat file goes at once', async () => {
    const pdf = Buffer.concat([samplePdf(), Buffer.from('\n%inbox\n')]);
    const photo = Buffer.from('not a pdf, posted in a customer chat');
    await post({ id: 'dm-inbox-1', direct: true, from: 'zhangsan', name: '方案.pdf', bytes: pdf });
    await post({ id: 'grp-inbox-1', direct: false, from: 'cust-wang', name: 'photo.jpg', bytes: photo });
    expect(await exists(inboxKey(pdf))).toBe(true);
    expect(await exists(inboxKey(photo))).toBe(true);

    // Within the hour both stay, whatever the queue says.
    expect(await removeUnusedInboxFiles(deps())).toEqual({ removed: 0, kept: 2 });
    // Past it: the command has not run yet, so its file stays; nothing reads a group chat's.
    expect(await removeUnusedInboxFiles(deps(), { graceMs: 0, now: Date.now() + 1_000 })).toEqual({ removed: 1, kept: 1 });
    expect(await exists(inboxKey(pdf))).toBe(true);
    expect(await exists(inboxKey(photo))).toBe(false);

    await t.app.drain();
    const [reply] = await t.app.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.idempotencyKey, sql`'reply:' || (select id from messages where platform_message_id = 'dm-inbox-1')`));
    expect(JSON.stringify(reply?.message)).toContain('方案');
    const [doc] = await t.app.database.db.select().from(documents);
    expect(doc?.fileName).toBe('方案.pdf');
    expect(await removeUnusedInboxFiles(deps(), { graceMs: 0, now: Date.now() + 1_000 })).toEqual({ removed: 1, kept: 0 });
    expect(await exists(inboxKey(pdf))).toBe(false);
    // The document has its own copy.
    expect((await readObject(t.app.documents.storage, doc!.storageKey)).equals(pdf)).toBe(true);
  });

  it('runs hourly with the other maintenance', async () => {
    // A file a crash left two hours ago (the storage's times are the wall clock's).
    const key = inboxKey(Buffer.from('left behind'));
    await t.app.documents.storage.put(key, Buffer.from('left behind'), { contentType: 'application/octet-stream' });
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(join(t.dataDir, 'documents', key), twoHoursAgo, twoHoursAgo);
    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + 30 * 60_000));
    expect(await exists(key)).toBe(true);
    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + 31 * 60_000));
    expect(await exists(key)).toBe(false);
  });
});
