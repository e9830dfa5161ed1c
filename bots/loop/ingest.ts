/**
 * Ingest: store a message before anything else happens to it. The unique (platform, message id)
 * index makes a redelivery a no-op, whatever process receives it and however often.
 */
import { and, eq, isNull, like } from 'drizzle-orm';
import { conversationKey, newId } from '../../core/ids.ts';
import type { InboundMessage } from '../../core/types.ts';
import type { IngestOutcome } from '../../adapters/types.ts';
import type { Db } from '../../db/client.ts';
import { personByPlatformId } from '../../db/queries/directory.ts';
import { conversations, messages, opportunities } from '../../db/schema/index.ts';
import type { Clock } from '../../core/clock.ts';

/** The name of a deal whose chat has no title yet; renamed when a title arrives. */
export const UNNAMED_DEAL = '未命名商机 ';

export async function ingestMessage(deps: { db: Db; clock: Clock; firstStage: string }, msg: InboundMessage): Promise<IngestOutcome> {
  const { db, clock } = deps;
  // A redelivery is the common duplicate: answer it without a transaction.
  const seen = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.platform, msg.platform), eq(messages.platformMessageId, msg.messageId)))
    .limit(1);
  if (seen[0]) return { status: 'duplicate', id: seen[0].id };

  const sender = msg.senderExternal ? null : await personByPlatformId(db, msg.platform, msg.senderId);
  const role = sender?.active ? sender.role : 'customer';
  const now = clock.now();
  const convId = conversationKey(msg.platform, msg.conversationId);

  return db.transaction(async (tx) => {
    await ensureConversation(tx, msg, convId, now, deps.firstStage);
    // The conversation belongs to the first rep who speaks in it, and so does its deal.
    if (role === 'rep' && !msg.direct && sender) {
      const owned = await tx
        .update(conversations)
        .set({ ownerId: sender.id })
        .where(and(eq(conversations.id, convId), isNull(conversations.ownerId)))
        .returning({ opportunityId: conversations.opportunityId });
      const oppId = owned[0]?.opportunityId;
      if (oppId) {
        await tx
          .update(opportunities)
          .set({ ownerId: sender.id, updatedAt: now })
          .where(and(eq(opportunities.id, oppId), isNull(opportunities.ownerId)));
      }
    }
    const inserted = await tx
      .insert(messages)
      .values({
        id: newId(),
        platform: msg.platform,
        platformMessageId: msg.messageId,
        conversationId: convId,
        senderId: msg.senderId,
        senderName: msg.senderName ?? sender?.name ?? null,
        personId: sender?.id ?? null,
        role,
        kind: msg.kind,
        text: msg.text,
        attachments: msg.attachments,
        sentAt: msg.sentAt,
        receivedAt: now,
        raw: msg.raw ?? null,
      })
      .onConflictDoNothing({ target: [messages.platform, messages.platformMessageId] })
      .returning({ id: messages.id });
    if (inserted[0]) return { status: 'stored', id: inserted[0].id } as const;
    // Lost a race with a concurrent delivery of the same message.
    const existing = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.platform, msg.platform), eq(messages.platformMessageId, msg.messageId)));
    return { status: 'duplicate', id: existing[0]!.id } as const;
  });
}

async function ensureConversation(tx: Db, msg: InboundMessage, convId: string, now: Date, firstStage: string): Promise<void> {
  const existing = await tx.select({ id: conversations.id, title: conversations.title }).from(conversations).where(eq(conversations.id, convId));
  if (existing[0]) {
    if (msg.conversationTitle && !existing[0].title) {
      const [conv] = await tx.update(conversations).set({ title: msg.conversationTitle }).where(eq(conversations.id, convId)).returning();
      if (conv?.opportunityId) {
        await tx
          .update(opportunities)
          .set({ name: msg.conversationTitle, updatedAt: now })
          .where(and(eq(opportunities.id, conv.opportunityId), like(opportunities.name, `${UNNAMED_DEAL}%`)));
      }
    }
    return;
  }
  let opportunityId: string | null = null;
  if (!msg.direct) {
    // A new customer conversation opens a deal named after the chat's title. A chat id is never
    // a name (it would end up in talk-tracks): without a title the deal is marked unnamed.
    opportunityId = newId();
    await tx.insert(opportunities).values({
      id: opportunityId,
      name: msg.conversationTitle ?? `${UNNAMED_DEAL}${msg.conversationId.slice(-6)}`,
      stage: firstStage,
      createdAt: now,
      updatedAt: now,
    });
  }
  const created = await tx
    .insert(conversations)
    .values({
      id: convId,
      platform: msg.platform,
      chatId: msg.conversationId,
      chatType: msg.chatType,
      direct: msg.direct,
      title: msg.conversationTitle ?? null,
      opportunityId,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: conversations.id });
  // Another process created it first: drop the deal we opened for it.
  if (!created[0] && opportunityId) await tx.delete(opportunities).where(eq(opportunities.id, opportunityId));
}
