/**
 * Replays chat conversations (YAML, see bots/demo/conversations/) through the whole loop on a
 * manual clock: time jumps from message to message, and every job that falls due in between
 * (timers, sends) runs at its due time. The demo and the end-to-end tests share it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ManualClock } from '../../core/clock.ts';
import type { InboundMessage } from '../../core/types.ts';
import type { App } from '../app.ts';

const conversationSchema = z.object({
  id: z.string(),
  title: z.string(),
  conversationId: z.string(),
  chatType: z.enum(['single', 'group']).default('group'),
  story: z.string().optional(),
  messages: z.array(
    z.object({
      at: z.iso.datetime({ offset: true }),
      from: z.string(),
      name: z.string().optional(),
      text: z.string().default(''),
      attachments: z.array(z.object({ name: z.string() })).default([]),
    }),
  ),
});
export type DemoConversation = z.infer<typeof conversationSchema>;

export async function loadConversations(dir: string): Promise<DemoConversation[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map(async (f) => conversationSchema.parse(parseYaml(await readFile(join(dir, f), 'utf8')))));
}

/** Every message of the conversations as the local adapter delivers it, in time order. */
export function toInbound(convs: DemoConversation[]): InboundMessage[] {
  const all = convs.flatMap((c) =>
    c.messages.map((m, i) => ({
      platform: 'local' as const,
      messageId: `${c.id}-${String(i + 1).padStart(2, '0')}`,
      conversationId: c.conversationId,
      conversationTitle: c.title,
      chatType: c.chatType,
      direct: false,
      senderId: m.from,
      ...(m.name ? { senderName: m.name } : {}),
      kind: m.text ? ('text' as const) : ('file' as const),
      text: m.text,
      attachments: m.attachments,
      sentAt: new Date(m.at),
    })),
  );
  return all.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime() || a.messageId.localeCompare(b.messageId));
}

/** Moves the clock to `t`, running every job due on the way at its own time. */
export async function advanceTo(app: App, clock: ManualClock, t: Date): Promise<void> {
  for (let next = await app.nextDueAt(); next && next.getTime() <= t.getTime(); next = await app.nextDueAt()) {
    // Something due now that nothing runs (a delivery waiting on nobody) must not stall the replay.
    if (next.getTime() <= clock.now().getTime()) {
      await app.drain();
      if ((await app.nextDueAt())?.getTime() === next.getTime()) break;
      continue;
    }
    clock.set(next);
    await app.drain();
  }
  clock.set(t);
  await app.drain();
}

/** Delivers the messages one by one at their own time. */
export async function replay(app: App, clock: ManualClock, msgs: InboundMessage[]): Promise<void> {
  for (const m of msgs) {
    await advanceTo(app, clock, m.sentAt);
    await app.sink.message(m);
    await app.drain();
  }
}
