/**
 * What the simulator's stream says, as plain data: a chat line (`message`), a rep's private nudge
 * or card (`nudge`), the bot's answer to the viewer's command (`answer`). The page renders these;
 * tests read them.
 */
import type { OutboundMessage } from '../../../core/types.ts';
import type { ChatLine, LocalSent } from '../../../db/queries/simulator.ts';
import type { Catalog } from '../../catalog/catalog.ts';
import { stamp } from '../html.ts';

export interface MessageEvent {
  id: string;
  chat: 'sandbox' | 'bot';
  side: 'customer' | 'rep' | 'me';
  name: string;
  text: string;
  at: string;
  /** `12-03 14:05` on the organisation's wall clock. */
  time: string;
}

export interface SentEvent {
  id: string;
  /** Who got it: the rep's name for a nudge, the viewer's for an answer. */
  to: string;
  title: string | null;
  text: string;
  buttons: string[];
  at: string;
  time: string;
}

export type SimEvent = { event: 'message'; id: string; data: MessageEvent } | { event: 'nudge' | 'answer'; id: string; data: SentEvent };

function body(m: OutboundMessage): { title: string | null; text: string; buttons: string[] } {
  if (m.type === 'text') return { title: null, text: m.text, buttons: [] };
  return { title: m.title, text: m.text, buttons: m.type === 'card' ? m.buttons.map((b) => b.label) : [] };
}

/** A stored chat line as the stream's `message`. */
export function messageEvent(line: ChatLine, keys: { sandbox: string; bot: string }, catalog: Catalog, timeZone: string): SimEvent {
  const chat = line.conversationId === keys.bot ? 'bot' : 'sandbox';
  const side = chat === 'bot' ? 'me' : line.personId ? 'rep' : 'customer';
  const name = (line.personId ? catalog.person(line.personId)?.name : null) ?? line.senderName ?? (side === 'customer' ? '客户' : line.senderId);
  return {
    event: 'message',
    id: `m:${line.id}`,
    data: { id: `m:${line.id}`, chat, side, name, text: line.text, at: line.sentAt.toISOString(), time: stamp(line.sentAt, timeZone) },
  };
}

/** A sent delivery as the stream's `answer` (about the bot chat) or `nudge` (about the sandbox). */
export function sentEvent(sent: LocalSent, keys: { sandbox: string; bot: string }, catalog: Catalog, timeZone: string): SimEvent {
  const to = 'personId' in sent.to ? (catalog.person(sent.to.personId)?.name ?? sent.to.personId) : 'userId' in sent.to ? sent.to.userId : '群聊';
  const id = `d:${sent.id}`;
  return {
    event: sent.about === keys.bot ? 'answer' : 'nudge',
    id,
    data: { id, to, ...body(sent.message), at: sent.sentAt.toISOString(), time: stamp(sent.sentAt, timeZone) },
  };
}
