/**
 * Conversation search for the console: messages of customer chats (not the bot's 1:1 chats) whose
 * text holds every word, by substring so Chinese (no spaces) matches as English does. The
 * `messages_text_trgm_idx` GIN index (pg_trgm) serves words of three characters or more; shorter
 * ones fall back to scanning, narrowed first by the other filters.
 */
import { and, asc, count, desc, eq, gte, ilike, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../client.ts';
import { actions, conversations, messages, opportunities, people } from '../schema/index.ts';

export interface MessageSearch {
  words: string[];
  /** A person's id, or part of a sender's or person's name. */
  person?: string;
  /** A deal's id, or part of its name. */
  deal?: string;
  action?: string;
  start?: Date;
  end?: Date;
  /** Whose deals: one owner, the owners in some teams, or all. */
  scope: { ownerId: string } | { teamIds: readonly string[] } | { all: true };
  limit: number;
  offset: number;
  /** Counting stops here: beyond it the total reads as "more than". */
  countCap: number;
}

export interface MessageHit {
  id: string;
  text: string;
  sentAt: Date;
  role: string;
  senderName: string | null;
  personName: string | null;
  conversationId: string;
  conversationTitle: string | null;
  dealId: string | null;
  dealName: string | null;
  ownerName: string | null;
  /** Action kinds detected in the message. */
  actions: string[];
}

const like = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchMessages(db: Db, s: MessageSearch): Promise<{ items: MessageHit[]; total: number; capped: boolean }> {
  const owner = alias(people, 'owner');
  const sender = alias(people, 'sender');
  const conds: SQL[] = [eq(messages.direct, false)];
  if ('ownerId' in s.scope) conds.push(eq(opportunities.ownerId, s.scope.ownerId));
  else if ('teamIds' in s.scope) {
    if (s.scope.teamIds.length === 0) return { items: [], total: 0, capped: false };
    conds.push(inArray(owner.teamId, [...s.scope.teamIds]));
  }
  for (const w of s.words) conds.push(ilike(messages.text, like(w)));
  if (s.person) conds.push(or(eq(messages.personId, s.person), ilike(messages.senderName, like(s.person)), ilike(sender.name, like(s.person))) as SQL);
  if (s.deal) conds.push(or(eq(opportunities.id, s.deal), ilike(opportunities.name, like(s.deal))) as SQL);
  if (s.action) conds.push(sql`exists (select 1 from ${actions} where ${actions.messageId} = ${messages.id} and ${actions.kind} = ${s.action})`);
  if (s.start) conds.push(gte(messages.sentAt, s.start));
  if (s.end) conds.push(lt(messages.sentAt, s.end));
  const where = and(...conds);
  const from = () =>
    db
      .select({
        id: messages.id,
        text: messages.text,
        sentAt: messages.sentAt,
        role: messages.role,
        senderName: messages.senderName,
        personName: sender.name,
        conversationId: messages.conversationId,
        conversationTitle: conversations.title,
        dealId: opportunities.id,
        dealName: opportunities.name,
        ownerName: owner.name,
      })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .innerJoin(opportunities, eq(opportunities.id, conversations.opportunityId))
      .leftJoin(owner, eq(owner.id, opportunities.ownerId))
      .leftJoin(sender, eq(sender.id, messages.personId))
      .where(where);
  const counted = db
    .select({ one: sql`1` })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .innerJoin(opportunities, eq(opportunities.id, conversations.opportunityId))
    .leftJoin(owner, eq(owner.id, opportunities.ownerId))
    .leftJoin(sender, eq(sender.id, messages.personId))
    .where(where)
    .limit(s.countCap + 1)
    .as('hits');
  const [rows, [n]] = await Promise.all([
    from().orderBy(desc(messages.sentAt), asc(messages.id)).limit(s.limit).offset(s.offset),
    db.select({ n: count() }).from(counted),
  ]);
  const kinds = new Map<string, string[]>();
  if (rows.length > 0) {
    const acts = await db
      .select({ messageId: actions.messageId, kind: actions.kind })
      .from(actions)
      .where(
        inArray(
          actions.messageId,
          rows.map((r) => r.id),
        ),
      );
    for (const a of acts) if (a.messageId) kinds.set(a.messageId, [...(kinds.get(a.messageId) ?? []), a.kind]);
  }
  const total = n?.n ?? 0;
  return {
    items: rows.map((r) => ({ ...r, actions: kinds.get(r.id) ?? [] })),
    total: Math.min(total, s.countCap),
    capped: total > s.countCap,
  };
}
