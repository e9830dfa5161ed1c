/**
 * The benchmark's traffic: chats of two messages, a rep's greeting and then the customer's price
 * objection, so every chat ends in exactly one nudge to the rep (the `price-objection` rule). Each
 * chat is its own conversation (and deal), so no cooldown or daily limit hides a nudge: the worst
 * case, a new deal and a nudge every two messages. `longChat` puts acknowledgements between the
 * two (a deal's chat is mostly such lines): the same one nudge and one new deal over more
 * messages. The texts vary a little; `checkTexts` confirms each still reads as the bench expects.
 */
import { analyzeMessage } from '../../analyzers/message.ts';
import type { LocalMessage } from '../../adapters/local/parse.ts';
import type { InboundMessage } from '../../core/types.ts';

export const REPS = ['zhangsan', 'lisi', 'zhaomin', 'sunhao'];
const GREETINGS = [
  '王总您好，方案和报价我们在这个群里沟通。',
  '李经理好，我是负责贵司项目的销售，有问题随时在群里说。',
  // Was 「…后续实施安排…」, which the fourteenth pass's model reads as deal_won (analyzers/RESULTS.md, "Fifteenth pass").
  '各位好，后续的安排我会在这里同步。',
];
/** Lines the coach does nothing with (no action, question, topic, meeting or date), the customer's and the rep's in turn. */
const CUSTOMER_LINES = ['好的，收到。', '明白了，谢谢。', '嗯嗯，好的。', '收到，辛苦了。'];
const REP_LINES = ['好的王总，有需要随时找我。', '收到，我这边记一下。', '不客气，应该的。', '好的，感谢您的反馈。'];
const OBJECTIONS = ['你们这个价格太贵了，超出我们今年的预算。', '报价比我们预期高了不少，这个价格我们很难接受。', '费用超预算了，老板说太贵。'];

/** Stands for the moment a message is posted: the load client writes the time in its place. */
export const SENT_AT = '@@SENT_AT@@';

/** Conversation ids of a phase's chats: `bench-<tag>-<i>` (stored as `local:bench-<tag>-<i>`). */
export const conversationsOf = (tag: string): string => `local:bench-${tag}-%`;

/** Chat `i` of a phase as the HTTP ingest takes it, sentAt left to the sender; `again` tells a later chat in the same conversation. */
export function chat(tag: string, i: number, sentAt: string = SENT_AT, again = ''): [LocalMessage, LocalMessage] {
  const conversationId = `bench-${tag}-${i}`;
  const base = { platform: 'local', conversationId, conversationTitle: `客户${i} · 项目`, chatType: 'group' as const, sentAt };
  return [
    { ...base, messageId: `${conversationId}-a${again}`, senderId: REPS[i % REPS.length]!, text: GREETINGS[i % GREETINGS.length]! },
    { ...base, messageId: `${conversationId}-b${again}`, senderId: `cust-${i}`, senderName: '王总', text: OBJECTIONS[i % OBJECTIONS.length]! },
  ];
}

/**
 * Chat `i` as `length` messages: the greeting, acknowledgements (the customer's first, then in
 * turn), and the objection last. Length 2 is `chat`; the middle messages' ids are `…-m<k>`.
 */
export function longChat(tag: string, i: number, length: number, sentAt: string = SENT_AT): LocalMessage[] {
  const [greeting, objection] = chat(tag, i, sentAt);
  const middle = Array.from({ length: Math.max(0, length - 2) }, (_, k): LocalMessage => {
    const customer = k % 2 === 0;
    const lines = customer ? CUSTOMER_LINES : REP_LINES;
    return {
      ...greeting,
      messageId: `${greeting.conversationId}-m${k}`,
      senderId: customer ? objection.senderId : greeting.senderId,
      ...(customer ? { senderName: objection.senderName! } : {}),
      text: lines[(i + k) % lines.length]!,
    };
  });
  return [greeting, ...middle, objection];
}

/** The same chat as the sink takes it (for a backlog stored without HTTP), the objection 1 ms after the greeting. */
export function inboundChat(tag: string, i: number, at: Date, again = ''): InboundMessage[] {
  return chat(tag, i, SENT_AT, again).map((m, k) => ({
    platform: 'local',
    messageId: m.messageId,
    conversationId: m.conversationId,
    conversationTitle: m.conversationTitle!,
    chatType: 'group',
    direct: false,
    senderId: m.senderId,
    ...(m.senderName ? { senderName: m.senderName } : {}),
    kind: 'text',
    text: m.text!,
    attachments: [],
    sentAt: new Date(at.getTime() + k),
    raw: { ...m, sentAt: new Date(at.getTime() + k).toISOString() },
  }));
}

/** Throws if a greeting says anything the coach acts on or an objection is not a price objection. */
export function checkTexts(timeZone: string): void {
  const read = (role: 'rep' | 'customer', text: string) => analyzeMessage({ role, text, sentAt: new Date(), timeZone }).actions;
  for (const g of GREETINGS) if (read('rep', g).length > 0) throw new Error(`greeting has actions: ${g}`);
  const idle = (role: 'rep' | 'customer', text: string) => {
    const a = analyzeMessage({ role, text, sentAt: new Date(), timeZone });
    return a.actions.length === 0 && !a.question && a.topics.length === 0 && !a.meeting && !a.meetingAt && !a.commitment;
  };
  for (const l of CUSTOMER_LINES) if (!idle('customer', l)) throw new Error(`customer line is not idle: ${l}`);
  for (const l of REP_LINES) if (!idle('rep', l)) throw new Error(`rep line is not idle: ${l}`);
  for (const o of OBJECTIONS) {
    if (!read('customer', o).some((a) => a.kind === 'objection_raised' && a.objection === 'price')) throw new Error(`not a price objection: ${o}`);
  }
}
