import { randomUUID } from 'node:crypto';

/** Row ids: random UUIDs, so web and worker processes can mint them without coordination. */
export const newId = (): string => randomUUID();

/** Conversation ids carry their platform: `feishu:oc_…`. */
export const conversationKey = (platform: string, chatId: string): string => `${platform}:${chatId}`;

/**
 * The conversations an HTTP filter's `conversationId` may mean (`/v1/deals`, `/v1/outbox`): the full
 * id (`local:c-1`, as `/v1/deals/:id` lists it) or the chat id a `platform: "local"` message was
 * posted with (`c-1`). Both are taken, since a caller holds one or the other and an empty answer
 * for the other form looks like no data.
 */
export const conversationKeysFor = (id: string): string[] => [id, conversationKey('local', id)];
