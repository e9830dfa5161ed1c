/**
 * What the Feishu end-to-end tests share: events built from the recorded fixtures of the adapter
 * tests (only ids, sender, text and time changed), the people's open_ids read from the org file
 * the app loads, and readers for what the fake recorded of a send (a card, a post).
 */
import { createHash } from 'node:crypto';
import { and, count, eq, isNull } from 'drizzle-orm';
import { advanceTo } from '../../../bots/demo/replay.ts';
import { readOrgFile } from '../../../bots/catalog/org-file.ts';
import { deliveries } from '../../../db/schema/index.ts';
import type { TestApp } from '../../helpers/app.ts';
import type { RecordedSend } from '../../adapters/feishu/fake-feishu.ts';
import { fixture } from '../../adapters/feishu/helpers.ts';

/** person id → Feishu open_id, from ORG_FILE. */
export async function feishuOpenIds(orgFile: string): Promise<Map<string, string>> {
  const org = await readOrgFile(orgFile);
  const ids = new Map<string, string>();
  for (const p of org.people) if (p.ids.feishu) ids.set(p.id, p.ids.feishu);
  return ids;
}

export function openIdOf(ids: Map<string, string>, personId: string): string {
  const id = ids.get(personId);
  if (!id) throw new Error(`${personId} has no feishu id in the org file`);
  return id;
}

type Envelope = {
  header: { event_id: string; create_time: string; token?: string };
  event: {
    sender: { sender_id: { open_id: string; union_id: string; user_id: null } };
    message: Record<string, unknown>;
  };
};

export interface MessageEventInput {
  messageId: string;
  chatId: string;
  chatType: 'group' | 'p2p';
  /** The sender's open_id. */
  from: string;
  at: Date;
  text?: string;
  /** Which recorded fixture to start from: a text, an image or a sticker. */
  type?: 'text' | 'image' | 'sticker';
}

/**
 * An `im.message.receive_v1` v2 envelope as Feishu sends it. The event id is derived from the
 * message id, so building the same message twice gives the identical redelivery.
 */
export function messageEvent(p: MessageEventInput): Envelope {
  const base = fixture(p.type === 'image' ? 'image' : p.type === 'sticker' ? 'sticker' : 'text-group') as unknown as Envelope;
  const ms = String(p.at.getTime());
  base.header.event_id = createHash('sha256').update(p.messageId).digest('hex').slice(0, 32);
  base.header.create_time = ms;
  base.event.sender.sender_id = { open_id: p.from, union_id: `on_${p.from.slice(3)}`, user_id: null };
  const m = base.event.message;
  m.message_id = p.messageId;
  m.chat_id = p.chatId;
  m.chat_type = p.chatType;
  m.create_time = ms;
  m.update_time = ms;
  // The bot has im:message.group_msg, so group messages reach it without an @-mention.
  delete m.mentions;
  if ((p.type ?? 'text') === 'text') m.content = JSON.stringify({ text: p.text ?? '' });
  return base;
}

/** A `card.action.trigger` callback: `operator` pressed the button whose value is `value`. */
export function cardActionEvent(p: { operator: string; value: unknown; openMessageId: string; chatId: string }): Record<string, unknown> {
  const base = fixture('card-action') as {
    header: { event_id: string };
    event: { operator: Record<string, unknown>; action: { value: unknown }; context: Record<string, unknown> };
  };
  base.header.event_id = createHash('sha256')
    .update(`${p.openMessageId}:${p.operator}:${JSON.stringify(p.value)}`)
    .digest('hex')
    .slice(0, 32);
  base.event.operator = { ...base.event.operator, open_id: p.operator, union_id: `on_${p.operator.slice(3)}` };
  base.event.action.value = p.value;
  base.event.context = { open_message_id: p.openMessageId, open_chat_id: p.chatId };
  return base;
}

/** An interactive card as the fake recorded it (Feishu card JSON 1.0). */
export interface SentCard {
  title: string;
  text: string;
  buttons: Array<{ label: string; value: unknown }>;
}

export function cardOf(send: RecordedSend | undefined): SentCard {
  if (send?.msgType !== 'interactive') throw new Error(`not an interactive card: ${JSON.stringify(send?.msgType)}`);
  const card = send.content as {
    header?: { title?: { content?: string } };
    elements?: Array<{ tag: string; content?: string; actions?: Array<{ text?: { content?: string }; value?: unknown }> }>;
  };
  const elements = card.elements ?? [];
  return {
    title: card.header?.title?.content ?? '',
    text: elements
      .filter((e) => e.tag === 'markdown' || e.tag === 'div')
      .map((e) => e.content ?? '')
      .join('\n'),
    buttons: elements.flatMap((e) => e.actions ?? []).map((a) => ({ label: a.text?.content ?? '', value: a.value })),
  };
}

/** A `post` (our markdown) as the fake recorded it: its zh_cn title and the text of its runs. */
export function postOf(send: RecordedSend | undefined): { title: string; text: string } {
  if (send?.msgType !== 'post') throw new Error(`not a post: ${JSON.stringify(send?.msgType)}`);
  const post = (send.content as { zh_cn?: { title?: string; content?: Array<Array<{ text?: string }>> } }).zh_cn;
  return { title: post?.title ?? '', text: (post?.content ?? []).map((line) => line.map((run) => run.text ?? '').join('')).join('\n') };
}

/** `base` plus `minutes` (fractions allowed). */
export const plus = (base: Date, minutes: number): Date => new Date(base.getTime() + minutes * 60_000);

/**
 * For starting the app (PGlite, migrations, the long connection): a few seconds alone, far more
 * on the shared 2-core machine while other suites run, so above the 30 s default hook timeout.
 */
export const STARTUP_TIMEOUT_MS = 120_000;

/**
 * Runs the jobs now due, then lets Feishu's send pacing (5 a second, on the app's clock) release
 * what it held back, by moving the clock on half a second at a time until nothing is held back,
 * or, given `deliveryId`, until that delivery is sent or failed (which also lets its retry
 * backoff run out). A send Feishu refused is otherwise left to its backoff.
 */
export async function settle(t: TestApp, deliveryId?: string): Promise<void> {
  const waiting = () => (deliveryId ? unfinished(t, deliveryId) : heldBack(t));
  await t.app.drain();
  for (let i = 0; i < 40 && (await waiting()); i++) {
    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + 500));
  }
  if (await waiting()) throw new Error(`still waiting to send ${deliveryId ?? 'a paced delivery'} after 20 s of app time`);
}

async function heldBack(t: TestApp): Promise<boolean> {
  const [r] = await t.app.database.db
    .select({ n: count() })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'pending'), isNull(deliveries.lastError)));
  return (r?.n ?? 0) > 0;
}

async function unfinished(t: TestApp, deliveryId: string): Promise<boolean> {
  const [d] = await t.app.database.db.select({ status: deliveries.status }).from(deliveries).where(eq(deliveries.id, deliveryId));
  return d?.status === 'pending';
}
