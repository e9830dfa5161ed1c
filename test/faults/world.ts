/**
 * What the fault tests share: customer chats to send through a fault, and the counts taken after
 * it from the database and the fake platform, with the one check they all end on: every message
 * stored once and analysed once, every nudge made once and delivered once.
 *
 * Each chat is a rep's greeting, a customer's small talk and a customer's price objection: the
 * objection makes exactly one `price-objection` nudge for the rep, whoever analyses it and however
 * often it is delivered.
 */
import { expect } from 'vitest';
import { feishuUuid } from '../../adapters/feishu/index.ts';
import type { InboundMessage, Platform } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import type { FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { type MessageEventInput, messageEvent } from '../e2e/feishu/feishu-world.ts';

/** Reps and their Feishu open_ids (config/org.yaml): chats are spread over them. */
export const REPS = [
  { id: 'zhangsan', feishu: 'ou_7d8a6e6df7621556ce0d21922b676706' },
  { id: 'lisi', feishu: 'ou_bce0869aa6e03df39555d5e73ea15222' },
  { id: 'zhaomin', feishu: 'ou_5f41b7aa9a75b777177da5e7b3e420f1' },
  { id: 'sunhao', feishu: 'ou_969dfb1e9d8d33a101cd0da521fd6615' },
] as const;

const LINES = ['李主任好，报价和方案都在这个群里沟通。', '好的，我们先内部看一下方案。', '48 万太贵了，超出我们今年的预算。'] as const;

/** Chat `i`'s three messages, a second apart from `at`, on `platform` (ids carry the run's `tag`). */
export function chatMessages(tag: string, i: number, at: Date, platform: Platform = 'local'): InboundMessage[] {
  const rep = REPS[i % REPS.length]!;
  return LINES.map((text, k) => ({
    platform,
    messageId: `${tag}-${i}-${k}`,
    conversationId: `oc_${tag}_${i}`,
    conversationTitle: `客户 ${i} · 随访平台`,
    chatType: 'group',
    direct: false,
    senderId: k === 0 ? (platform === 'feishu' ? rep.feishu : rep.id) : `ou_customer_${tag}_${i}`,
    ...(k === 0 ? {} : { senderName: '李主任' }),
    kind: 'text',
    text,
    attachments: [],
    sentAt: new Date(at.getTime() + k * 1_000),
  }));
}

/** The same chat as the Feishu events the platform pushes (the same message twice is the same event). */
export function chatEvents(tag: string, i: number, at: Date): Array<{ id: string; envelope: object }> {
  return chatMessages(tag, i, at, 'feishu').map((m) => {
    const input: MessageEventInput = { messageId: m.messageId, chatId: m.conversationId, chatType: 'group', from: m.senderId, at: m.sentAt, text: m.text };
    return { id: m.messageId, envelope: messageEvent(input) };
  });
}

export interface Counts {
  messages: number;
  /** Distinct platform message ids among them. */
  distinct: number;
  unanalysed: number;
  analysisErrors: number;
  customerMessages: number;
  /** The deals' running count of customer messages: above `customerMessages` if a batch counted twice. */
  countedCustomerMessages: number;
  priceNudges: number;
  /** Chats with at least one price-objection nudge. */
  nudgedChats: number;
  nudges: number;
  deliveries: Record<'pending' | 'sending' | 'sent' | 'failed', number>;
  /**
   * With a fake Feishu: the send requests it recorded, the messages it shows (the same uuid is
   * one), the deliveries on Feishu marked sent, and those of them it never got.
   */
  platform?: { requests: number; shown: number; sent: number; missing: number };
}

export async function countAll(db: Database, fake?: FakeFeishu): Promise<Counts> {
  const one = async (sql: string) => Number((await db.sql.query<{ n: string | number }>(sql))[0]?.n ?? 0);
  const statuses = await db.sql.query<{ status: keyof Counts['deliveries']; n: string | number }>(
    // A delivery being sent is 'pending' with a claim: counted apart, as 'sending'.
    `select case when status = 'pending' and claimed_at is not null then 'sending' else status end as status, count(*) as n from deliveries group by 1`,
  );
  const deliveries = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const s of statuses) deliveries[s.status] = Number(s.n);
  const counts: Counts = {
    messages: await one('select count(*) as n from messages where not direct'),
    distinct: await one('select count(distinct (platform, platform_message_id)) as n from messages where not direct'),
    unanalysed: await one('select count(*) as n from messages where not direct and analyzed_at is null'),
    analysisErrors: await one('select count(*) as n from messages where analysis_error is not null'),
    customerMessages: await one(`select count(*) as n from messages where not direct and role = 'customer'`),
    countedCustomerMessages: await one('select coalesce(sum(customer_messages), 0) as n from opportunities'),
    priceNudges: await one(`select count(*) as n from nudges where rule_id = 'price-objection'`),
    nudgedChats: await one(`select count(distinct conversation_id) as n from nudges where rule_id = 'price-objection'`),
    nudges: await one('select count(*) as n from nudges'),
    deliveries,
  };
  if (fake) {
    const keys = await db.sql.query<{ key: string }>(`select idempotency_key as key from deliveries where status = 'sent' and platform = 'feishu'`);
    const got = new Set(fake.sends.map((s) => s.uuid));
    counts.platform = {
      requests: fake.sends.length,
      shown: fake.deliveredMessages,
      sent: keys.length,
      missing: keys.filter((k) => !got.has(feishuUuid(k.key))).length,
    };
  }
  return counts;
}

/**
 * The end of every fault: `chats` chats fully stored (three messages each, besides `other.messages`
 * from reps) and analysed once, one price-objection nudge each, every delivery sent, and on Feishu
 * each shown once.
 */
export function expectNothingLostNothingTwice(c: Counts, chats: number, other: { messages?: number } = {}): void {
  expect(c).toMatchObject({
    messages: chats * 3 + (other.messages ?? 0),
    distinct: chats * 3 + (other.messages ?? 0),
    unanalysed: 0,
    analysisErrors: 0,
    customerMessages: chats * 2,
    countedCustomerMessages: chats * 2,
    priceNudges: chats,
    nudgedChats: chats,
    deliveries: { pending: 0, sending: 0, sent: c.nudges, failed: 0 },
  });
  if (c.platform) expect(c.platform).toMatchObject({ shown: c.platform.sent, missing: 0 });
}
