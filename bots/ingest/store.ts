/**
 * Storing a batch of messages: the conversations they belong to (created), the messages, each
 * once (the unique platform message id makes a redelivery a no-op whatever process receives it),
 * then titles for conversations that lacked one, in one transaction of three statements (one round
 * trip on PostgreSQL, COMMIT included). No
 * existing conversation is locked before the messages are in (see `insertConversations`).
 */
import { conversationKey, newId } from '../../core/ids.ts';
import type { InboundMessage } from '../../core/types.ts';
import { type Lane, pipelineCommit, planMode } from '../../db/client.ts';
import { type ConversationRow, insertConversations, insertMessages, type MessageRow, titleConversations } from '../../db/queries/ingest.ts';
import { storableJson } from '../../db/queries/json.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { slotOf } from './slots.ts';

export type StoreOutcome = { status: 'stored'; id: string; direct: boolean; slot: number } | { status: 'duplicate' };

/** `database`: the database, or its urgent lane for a delivery whose sender waits (see `Database.urgent`). */
export async function storeMessages(database: Lane, catalog: Catalog, now: Date, batch: readonly InboundMessage[]): Promise<StoreOutcome[]> {
  const conversations = new Map<string, ConversationRow>();
  const seen = new Set<string>();
  const rows: Array<MessageRow | null> = batch.map((msg) => {
    // The same message twice in one batch is a redelivery racing itself.
    const key = `${msg.platform}\u0000${msg.messageId}`;
    if (seen.has(key)) return null;
    seen.add(key);
    const convId = conversationKey(msg.platform, msg.conversationId);
    const known = conversations.get(convId);
    if (!known || (!known.title && msg.conversationTitle)) {
      conversations.set(convId, {
        id: convId,
        platform: msg.platform,
        chat_id: msg.conversationId,
        chat_type: msg.chatType,
        direct: msg.direct,
        title: msg.conversationTitle ?? null,
        created_at: now.toISOString(),
      });
    }
    // A person of the directory speaks with their role, deactivated or not: their history stays
    // theirs (README, Org). The analysis makes no deactivated rep an owner and nudges none.
    const sender = msg.senderExternal ? null : catalog.personByPlatformId(msg.platform, msg.senderId);
    return {
      id: newId(),
      platform: msg.platform,
      platform_message_id: msg.messageId,
      conversation_id: convId,
      direct: msg.direct,
      slot: slotOf(convId),
      sender_id: msg.senderId,
      sender_name: msg.senderName ?? sender?.name ?? null,
      person_id: sender?.id ?? null,
      role: sender ? sender.role : 'customer',
      kind: msg.kind,
      backfill: msg.backfill === true,
      text: msg.text,
      attachments: msg.attachments,
      sent_at: msg.sentAt.toISOString(),
      received_at: now.toISOString(),
      raw: msg.raw === undefined ? null : storableJson(msg.raw),
    };
  });
  const stored = await database.transaction(async (tx) => {
    const convs = [...conversations.values()];
    // In this order, with COMMIT, in one round trip on PostgreSQL.
    const [, , ids] = await pipelineCommit(tx, [
      // The two inserts of the batch's own rows: planned once (see planMode).
      () => planMode(tx, 'generic'),
      () => insertConversations(tx, convs),
      () =>
        insertMessages(
          tx,
          rows.filter((r): r is MessageRow => r !== null),
        ),
      () => planMode(tx, 'custom'),
      () => titleConversations(tx, convs),
    ] as const);
    return ids;
  });
  return rows.map((r) => (r && stored.has(r.id) ? { status: 'stored', id: r.id, direct: r.direct, slot: r.slot } : { status: 'duplicate' }));
}
