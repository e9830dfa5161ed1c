/**
 * The ingest's batch statements: conversations created, messages stored once, and titles given to
 * conversations that had none, in that order (see `titleConversations`).
 */
import type { Attachment, ChatType, MessageKind, Platform, SpeakerRole } from '../../core/types.ts';
import type { Sql } from '../client.ts';
import { CONVERSATIONS_OF } from './conversations.ts';
import { rowsParam } from './json.ts';

export interface ConversationRow {
  id: string;
  platform: Platform;
  chat_id: string;
  chat_type: ChatType;
  direct: boolean;
  title: string | null;
  created_at: string;
}

/**
 * Creates the conversations not seen yet, locking none that exist: an analysis holding the rows of
 * messages this batch stores again would otherwise wait for these locks while the batch waits for
 * its rows, a deadlock (a redelivery while the first delivery is being analysed). Distinct ids.
 */
export async function insertConversations(tx: Sql, rows: readonly ConversationRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into conversations (id, platform, chat_id, chat_type, direct, title, created_at)
     select x.id, x.platform::platform, x.chat_id, x.chat_type, x.direct, x.title, x.created_at
     from jsonb_to_recordset($1::text::jsonb) as x(id text, platform text, chat_id text, chat_type text, direct boolean, title text, created_at timestamptz)
     order by x.id
     on conflict (id) do nothing`,
    [rowsParam(rows)],
  );
}

/**
 * Gives a title to the conversations that had none, after the messages are stored: it locks only
 * those rows, once nothing an analysis could hold is left to wait for. Which ones have none is
 * found by a primary-key probe per id (`CONVERSATIONS_OF`) into an array computed once: joined to
 * the batch's rows, the update was planned as a read of the whole table (2 ms a batch at 20,000
 * conversations, to find none, as a rule).
 */
export async function titleConversations(tx: Sql, rows: readonly ConversationRow[]): Promise<void> {
  const titled = rows.filter((r) => r.title !== null);
  if (titled.length === 0) return;
  await tx.query(
    `with x as (select * from jsonb_to_recordset($1::text::jsonb) as x(id text, title text))
     update conversations c set title = x.title
     from x
     where c.id = any(array(select t.id from (${CONVERSATIONS_OF('id, title', 'array(select id from x)')}) t where t.title is null))
       and c.id = x.id and c.title is null`,
    [rowsParam(titled.map((r) => ({ id: r.id, title: r.title })))],
  );
}

export interface MessageRow {
  id: string;
  platform: Platform;
  platform_message_id: string;
  conversation_id: string;
  direct: boolean;
  slot: number;
  sender_id: string;
  sender_name: string | null;
  person_id: string | null;
  role: SpeakerRole;
  kind: MessageKind;
  backfill: boolean;
  text: string;
  attachments: Attachment[];
  sent_at: string;
  received_at: string;
  raw: unknown;
}

/**
 * Inserts the messages not stored yet, each with its row in message_queue (in the same statement);
 * returns the ids of those it stored (the rest were duplicates).
 */
export async function insertMessages(tx: Sql, rows: readonly MessageRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const stored = await tx.query<{ id: string }>(
    `with stored as (insert into messages (id, platform, platform_message_id, conversation_id, direct, slot, sender_id, sender_name, person_id, role, kind, backfill, text, attachments, sent_at, received_at, raw)
     select x.id, x.platform::platform, x.platform_message_id, x.conversation_id, x.direct, x.slot, x.sender_id, x.sender_name, x.person_id,
            x.role::speaker_role, x.kind, x.backfill, x.text, x.attachments, x.sent_at, x.received_at, x.raw
     from jsonb_to_recordset($1::text::jsonb) as x(id text, platform text, platform_message_id text, conversation_id text, direct boolean, slot smallint,
          sender_id text, sender_name text, person_id text, role text, kind text, backfill boolean, text text, attachments jsonb, sent_at timestamptz, received_at timestamptz, raw jsonb)
     order by x.platform, x.platform_message_id
     on conflict (platform, platform_message_id) do nothing
     returning id, slot, direct, sent_at, received_at),
     queued as (insert into message_queue (message_id, slot, direct, sent_at, received_at)
       select id, slot, direct, sent_at, received_at from stored)
     select id from stored`,
    [rowsParam(rows)],
  );
  return new Set(stored.map((r) => r.id));
}
