/**
 * What the console's simulator reads: the local adapter's sent deliveries with the conversation
 * each one is about (a nudge's conversation, or the chat of the message a command answer replies
 * to), newest since a point in time, and the messages of a sandbox chat. Plain functions.
 */
import { and, asc, desc, eq, gt, inArray, like, max, sql } from 'drizzle-orm';
import type { OutboundMessage } from '../../core/types.ts';
import type { Db } from '../client.ts';
import { conversations, type DeliveryTarget, deliveries, messages, nudges } from '../schema/index.ts';
import { nudgeCardColumns, sentMessage } from './deliveries.ts';

/** A sent delivery of the local adapter and the conversation it is about (null when none is known). */
export interface LocalSent {
  id: string;
  to: DeliveryTarget;
  message: OutboundMessage;
  nudgeId: string | null;
  sentAt: Date;
  /** `local:<chat id>`: the nudge's conversation, the command's chat, or the chat it was sent into. */
  about: string | null;
}

// A command answer's idempotency key is `reply:<message id>` (bots/commands/command-job.ts).
const replyTo = sql`${deliveries.idempotencyKey} like 'reply:%' and ${messages.id} = substr(${deliveries.idempotencyKey}, 7)`;

const sentColumns = {
  id: deliveries.id,
  to: deliveries.to,
  message: deliveries.message,
  nudgeId: deliveries.nudgeId,
  sentAt: deliveries.sentAt,
  nudgeConv: nudges.conversationId,
  replyConv: messages.conversationId,
  ...nudgeCardColumns,
};

type SentRow = {
  id: string;
  to: LocalSent['to'];
  message: OutboundMessage | null;
  nudgeId: string | null;
  sentAt: Date | null;
  nudgeConv: string | null;
  replyConv: string | null;
  nudgeTitle: string | null;
  nudgeBody: string | null;
};

const toSent = (r: SentRow): LocalSent => ({
  id: r.id,
  to: r.to,
  message: sentMessage(r),
  nudgeId: r.nudgeId,
  sentAt: r.sentAt ?? new Date(0),
  about: r.nudgeConv ?? r.replyConv ?? ('conversationId' in r.to ? r.to.conversationId : null),
});

/** The latest `sent_at` of the local adapter's deliveries (the feed's starting point), or null. */
export async function latestLocalSentAt(db: Db): Promise<Date | null> {
  const [row] = await db
    .select({ t: max(deliveries.sentAt) })
    .from(deliveries)
    .where(and(eq(deliveries.platform, 'local'), eq(deliveries.status, 'sent')));
  return row?.t ?? null;
}

/** The local adapter's deliveries sent after `since`, oldest first (the index on platform, sent_at). */
export async function localSentSince(db: Db, since: Date, limit: number): Promise<LocalSent[]> {
  const rows = await db
    .select(sentColumns)
    .from(deliveries)
    .leftJoin(nudges, eq(nudges.id, deliveries.nudgeId))
    .leftJoin(messages, replyTo)
    .where(and(eq(deliveries.platform, 'local'), eq(deliveries.status, 'sent'), gt(deliveries.sentAt, since)))
    .orderBy(asc(deliveries.sentAt), asc(deliveries.id))
    .limit(limit);
  return rows.map(toSent);
}

/**
 * The sent deliveries about these conversations so far: nudges about them (their index) and the
 * answers to messages written in them (the unique index on the idempotency key).
 */
export async function localSentAbout(db: Db, conversationIds: string[], limit: number): Promise<LocalSent[]> {
  if (conversationIds.length === 0) return [];
  const nudged = await db
    .select(sentColumns)
    .from(nudges)
    .innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id))
    .leftJoin(messages, replyTo)
    .where(and(inArray(nudges.conversationId, conversationIds), eq(deliveries.platform, 'local'), eq(deliveries.status, 'sent')))
    .orderBy(desc(deliveries.sentAt))
    .limit(limit);
  const asked = await db
    .select({ id: messages.id })
    .from(messages)
    .where(inArray(messages.conversationId, conversationIds))
    .orderBy(desc(messages.sentAt))
    .limit(limit);
  const replies =
    asked.length === 0
      ? []
      : await db
          .select(sentColumns)
          .from(deliveries)
          .leftJoin(nudges, eq(nudges.id, deliveries.nudgeId))
          .leftJoin(messages, replyTo)
          .where(
            and(
              inArray(
                deliveries.idempotencyKey,
                asked.map((m) => `reply:${m.id}`),
              ),
              eq(deliveries.status, 'sent'),
            ),
          );
  return [...nudged, ...replies].map(toSent).sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime() || a.id.localeCompare(b.id));
}

export interface ChatLine {
  id: string;
  conversationId: string;
  senderId: string;
  senderName: string | null;
  personId: string | null;
  text: string;
  sentAt: Date;
}

/** The last `limit` messages of these conversations, oldest first. */
export async function chatLines(db: Db, conversationIds: string[], limit: number): Promise<ChatLine[]> {
  if (conversationIds.length === 0) return [];
  const rows = await db
    .select({
      id: messages.platformMessageId,
      conversationId: messages.conversationId,
      senderId: messages.senderId,
      senderName: messages.senderName,
      personId: messages.personId,
      text: messages.text,
      sentAt: messages.sentAt,
    })
    .from(messages)
    .where(inArray(messages.conversationId, conversationIds))
    .orderBy(desc(messages.sentAt), desc(messages.receivedAt))
    .limit(limit);
  return rows.reverse();
}

/** Local conversations whose chat id starts with `prefix` (a person's sandboxes), newest first. */
export async function localChatsStartingWith(db: Db, prefix: string, limit: number): Promise<Array<{ chatId: string; title: string | null; createdAt: Date }>> {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .select({ chatId: conversations.chatId, title: conversations.title, createdAt: conversations.createdAt })
    .from(conversations)
    .where(and(eq(conversations.platform, 'local'), like(conversations.chatId, `${escaped}%`), eq(conversations.direct, false)))
    .orderBy(desc(conversations.createdAt))
    .limit(limit);
}
