/**
 * The command job: a message written to the bot in a 1:1 chat, answered from the database within
 * what the asker may see, outside any conversation's analysis (a `/team` report holds no lock a
 * customer message waits on). A plain reply answers the bot's open question when there is one
 * (「这个群对应哪个客户？」); anything else gets the help.
 */
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { FetchedFile } from '../../adapters/types.ts';
import type { Attachment, OutboundMessage, Platform } from '../../core/types.ts';
import type { Config } from '../../core/config.ts';
import { dayKey, type WorkingHours } from '../../core/zoned-time.ts';
import type { Database, Db } from '../../db/client.ts';
import { dealConfirmations, deliveries, messageQueue, messages, opportunities } from '../../db/schema/index.ts';
import { defineJob, type JobHandler } from '../../jobs/define.ts';
import type { Person } from '../catalog/catalog.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import type { DocumentStorage } from '../documents/storage.ts';
import { answerCommand, note } from './answer.ts';
import { HELP_TEXT, parseCommand } from './parse.ts';
import { answerSharedFile, type ShareContext } from './share.ts';

export const commandJob = defineJob({
  name: 'run-command',
  queue: 'commands',
  schema: z.object({ messageId: z.string().min(1).max(64) }).strict(),
  attempts: 5,
  backoffMs: 1_000,
});

export interface CommandDeps {
  database: Database;
  catalog: CatalogHolder;
  clock: Clock;
  config: Config;
  log: Logger;
  sendPlatforms: readonly Platform[];
  dispatch(rows: ReadonlyArray<{ id: string; platform: string }>): Promise<void>;
  documents: { storage: DocumentStorage; publicUrl: string };
  wh: WorkingHours;
  /** The bytes of a file sent to the bot (`Attachment.fileRef`), where its platform lets the bot fetch them. */
  fetchFile?(platform: Platform, ref: { messageId: string; fileRef: string }): Promise<FetchedFile>;
}

/** How long the bot's question about a deal's name stays open for a plain reply. */
const QUESTION_OPEN_MS = 7 * 86_400_000;

export function commandHandler(deps: CommandDeps): JobHandler<{ messageId: string }> {
  return async ({ messageId }) => {
    const reply = await deps.database.db.transaction(async (tx) => {
      const now = deps.clock.now();
      const [msg] = await tx
        .update(messages)
        .set({ analyzedAt: now })
        .where(and(eq(messages.id, messageId), eq(messages.direct, true), sql`${messages.analyzedAt} is null`))
        .returning();
      // Answered already (a duplicate job), or not a command at all.
      if (!msg) return null;
      // Taken off the queue with the claim, in its transaction.
      // By the commands' own index (message_queue_direct_idx): the queue has no key of its own.
      await tx.delete(messageQueue).where(and(eq(messageQueue.direct, true), eq(messageQueue.messageId, msg.id)));
      const person = msg.personId ? deps.catalog.current.person(msg.personId) : null;
      // The bot serves the sales team: anyone else is only told so, and to ask their admin.
      if (!person?.active) return answerUnregistered(deps, tx, msg, now);
      const message = await respond(deps, tx, person, msg, now);
      const id = newId();
      await tx.insert(deliveries).values({
        id,
        idempotencyKey: `reply:${msg.id}`,
        platform: msg.platform,
        to: { personId: person.id },
        message,
        status: 'pending',
        createdAt: now,
      });
      return { id, platform: msg.platform };
    });
    if (reply) await deps.dispatch([reply]);
  };
}

const UNREGISTERED = note(
  'dealwise',
  '您好，您还没有在 dealwise 登记（不在贵司的组织通讯录中），所以暂时无法为您服务。如需使用，请联系贵司的 dealwise 管理员把您加进来。',
);

/**
 * Someone outside the directory (or no longer active in it) who writes to the bot 1:1: the same
 * few words, at most once per sender and day (the delivery's idempotency key holds the day), so
 * writing to the bot cannot make it send without end. Sent to the sender's platform id (no
 * person of ours to address), with the 1:1 conversation it answers for the outbox.
 */
async function answerUnregistered(deps: CommandDeps, tx: Db, msg: typeof messages.$inferSelect, now: Date): Promise<{ id: string; platform: Platform } | null> {
  const id = newId();
  const [row] = await tx
    .insert(deliveries)
    .values({
      id,
      idempotencyKey: `unregistered:${msg.platform}:${msg.senderId}:${dayKey(now, deps.config.TIMEZONE)}`,
      platform: msg.platform,
      to: { userId: msg.senderId, conversationId: msg.conversationId },
      message: UNREGISTERED,
      status: 'pending',
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: deliveries.id });
  return row ? { id: row.id, platform: msg.platform } : null;
}

async function respond(deps: CommandDeps, tx: Db, person: Person, msg: typeof messages.$inferSelect, now: Date): Promise<OutboundMessage> {
  const { text, platform } = msg;
  const cmd = parseCommand(text);
  const file = cmd ? undefined : msg.attachments.find((a) => a.type === 'file' || a.fileRef !== undefined);
  if (file) return answerFile(deps, { ...deps, tx, person, platform, now }, msg, file);
  if (!cmd) return (await answerOpenQuestion(tx, person, text, now)) ?? note('dealwise', HELP_TEXT);
  try {
    return await answerCommand({ ...deps, tx, person, platform, now }, cmd);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'BAD_REQUEST') throw err;
    return note('没看懂这条命令', `${err.message}\n\n${HELP_TEXT}`);
  }
}

/**
 * A file sent to the bot: a PDF is fetched from its platform (the adapter's download, or the local
 * ingest's stored copy) and shared as a tracked link; anything else is answered with what works.
 */
async function answerFile(deps: CommandDeps, a: ShareContext, msg: typeof messages.$inferSelect, file: Attachment): Promise<OutboundMessage> {
  const named = file.name && !/\.pdf$/i.test(file.name) && /\.[a-z0-9]{2,5}$/i.test(file.name);
  if (named) return note('没有生成链接', `「${file.name}」不是 PDF。目前只能跟踪 PDF：导出成 PDF 再发给我，或发 \`/share 标题\` 分享已有的文档。`);
  if (!file.fileRef || !deps.fetchFile) {
    return note(
      '没有生成链接',
      `收到「${file.name || '文件'}」，但从这个平台发来的文件我取不到。可以发 \`/share 标题 客户名\` 分享已存的文档，或通过 POST /v1/documents 上传。`,
    );
  }
  let fetched: FetchedFile;
  try {
    fetched = await deps.fetchFile(msg.platform, { messageId: msg.platformMessageId, fileRef: file.fileRef });
  } catch (err) {
    deps.log.warn({ err: toAppError(err).message, messageId: msg.id, platform: msg.platform }, 'file sent to the bot could not be fetched');
    return note('没有生成链接', `「${file.name || '文件'}」下载失败，请稍后再发一次。`);
  }
  return answerSharedFile(a, { name: file.name || fetched.name || 'document.pdf', body: fetched.body }, msg.text);
}

/** A plain reply names the deal the bot asked about most recently, if its question is still open. */
async function answerOpenQuestion(tx: Db, person: Person, text: string, now: Date): Promise<OutboundMessage | null> {
  const name = text
    .trim()
    .replace(/^(客户|客户名|是|叫)[:：\s]*/, '')
    .slice(0, 60);
  if (!name || name.length < 2) return null;
  const [q] = await tx
    .select()
    .from(dealConfirmations)
    .where(
      and(
        eq(dealConfirmations.personId, person.id),
        eq(dealConfirmations.kind, 'name'),
        eq(dealConfirmations.status, 'pending'),
        gte(dealConfirmations.createdAt, new Date(now.getTime() - QUESTION_OPEN_MS)),
      ),
    )
    .orderBy(desc(dealConfirmations.createdAt))
    .limit(1);
  if (!q) return null;
  await tx.update(dealConfirmations).set({ status: 'confirmed', answer: name, answeredBy: person.id, answeredAt: now }).where(eq(dealConfirmations.id, q.id));
  await tx.update(opportunities).set({ name, namedBy: 'rep', updatedAt: now }).where(eq(opportunities.id, q.opportunityId));
  return note('已记下', `好的，这个群对应的客户记为「${name}」。以后的提醒和报表都用这个名字；要改可以发 \`/deal ${name} 改名 新名字\`。`);
}
