/**
 * Sandbox chats of the simulator: local-adapter conversations whose chat id names the console
 * user who opened them (`sim~<person>~<8 hex>`), so whose a sandbox is needs no table, and the
 * user's own 1:1 chat with the bot (`sim~<person>~bot`). Who plays the rep: a rep plays
 * themselves, a manager the reps of the teams they manage, an admin any rep.
 */
import { randomBytes } from 'node:crypto';
import { conversationKey } from '../../../core/ids.ts';
import type { Catalog, Person } from '../../catalog/catalog.ts';
import { ownersFor } from '../pages.ts';

const SUFFIX = /^[0-9a-f]{8}$/;

const prefixOf = (personId: string) => `sim~${personId}~`;

/** A new sandbox chat id for `personId`. */
export const newSandboxId = (personId: string): string => `${prefixOf(personId)}${randomBytes(4).toString('hex')}`;

/** The chat id prefix of a person's sandboxes (for listing them). */
export const sandboxPrefix = prefixOf;

/** Whether `chatId` is one of `personId`'s sandboxes (an exact shape, so ids with `~` cannot cross). */
export function isSandboxOf(chatId: string, personId: string): boolean {
  const prefix = prefixOf(personId);
  return chatId.startsWith(prefix) && SUFFIX.test(chatId.slice(prefix.length));
}

/** The person's 1:1 chat with the bot in the simulator. */
export const botChatId = (personId: string): string => `${prefixOf(personId)}bot`;

/** The customer of a sandbox: a sender id no directory person has. */
export const customerIdOf = (chatId: string): string => `${chatId}~customer`;

/** The conversation keys a sandbox's stream follows: the sandbox chat and the viewer's bot chat. */
export const streamKeys = (chatId: string, personId: string): { sandbox: string; bot: string } => ({
  sandbox: conversationKey('local', chatId),
  bot: conversationKey('local', botChatId(personId)),
});

/** The reps `viewer` may play in a sandbox, each with their local adapter id. */
export function playableReps(catalog: Catalog, viewer: Person): Array<{ person: Person; localId: string }> {
  return ownersFor(catalog, viewer).flatMap((p) => {
    const localId = catalog.platformIds(p.id).get('local');
    return localId ? [{ person: p, localId }] : [];
  });
}
