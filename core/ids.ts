import { randomUUID } from 'node:crypto';

/** Row ids: random UUIDs, so web and worker processes can mint them without coordination. */
export const newId = (): string => randomUUID();

/** Conversation ids carry their platform: `feishu:oc_…`. */
export const conversationKey = (platform: string, chatId: string): string => `${platform}:${chatId}`;
