/**
 * The session webhooks seen on inbound messages, so a reply into the same conversation can skip
 * the token and the proactive-send quota. Only an optimisation: in memory, bounded, forgotten on
 * restart, and the adapter falls back to the OpenAPI whenever an entry is missing or stale.
 */
import type { Recipient } from '../../core/types.ts';
import type { SessionWebhook } from './parse.ts';

/** Stop using a webhook this long before DingTalk says it expires: a send takes time too. */
const EXPIRY_MARGIN_MS = 60_000;
const MAX_ENTRIES = 5_000;

export class SessionWebhooks {
  private readonly entries = new Map<string, SessionWebhook>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records the webhook of a message: under its conversation, and for a 1:1 chat also under the
   * sender, since `{userId}` addresses that same chat.
   */
  remember(conversationId: string, single: boolean, senderId: string, session: SessionWebhook): void {
    this.put(`chat:${conversationId}`, session);
    if (single) this.put(`user:${senderId}`, session);
  }

  /** The webhook URL still usable for this recipient, if any. */
  lookup(to: Recipient): string | null {
    const key = keyOf(to);
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.now() >= entry.expiresAt - EXPIRY_MARGIN_MS) {
      this.entries.delete(key);
      return null;
    }
    return entry.url;
  }

  /** Drops a recipient's webhook after it failed. */
  forget(to: Recipient): void {
    this.entries.delete(keyOf(to));
  }

  get size(): number {
    return this.entries.size;
  }

  private put(key: string, session: SessionWebhook): void {
    // Re-inserting moves the key to the end, so eviction below drops the least recently seen.
    this.entries.delete(key);
    this.entries.set(key, session);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

function keyOf(to: Recipient): string {
  return 'chatId' in to ? `chat:${to.chatId}` : `user:${to.userId}`;
}
