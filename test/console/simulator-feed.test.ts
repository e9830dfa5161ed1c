/**
 * The deliveries poller behind the simulator's streams (PGlite, the real queries): it starts from
 * "now", publishes each local send once to the listeners of its conversation, catches a row that
 * committed after a newer one (its sent_at older than the cursor), and leaves out what is not
 * sent, not local, or about another conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryFeed } from '../../bots/console/simulator/feed.ts';
import { newId } from '../../core/ids.ts';
import type { LocalSent } from '../../db/queries/simulator.ts';
import { deliveries } from '../../db/schema/index.ts';
import { eventually } from '../helpers/eventually.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
}, 60_000);
afterAll(() => t?.cleanup());

const T0 = new Date('2026-11-23T09:00:00+08:00').getTime();

async function sent(p: { conv: string; at: number; status?: 'sent' | 'pending'; platform?: 'local' | 'feishu' }): Promise<string> {
  const id = newId();
  await t.app.database.db.insert(deliveries).values({
    id,
    idempotencyKey: `test:${id}`,
    platform: p.platform ?? 'local',
    to: { conversationId: p.conv },
    message: { type: 'text', text: id },
    status: p.status ?? 'sent',
    createdAt: new Date(p.at),
    sentAt: p.status === 'pending' ? null : new Date(p.at),
  });
  return id;
}

const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('the deliveries feed', () => {
  it('publishes each new local send once, late commits included, to its conversation only', async () => {
    const before = await sent({ conv: 'local:c1', at: T0 });
    const feed = createDeliveryFeed({ db: t.app.database.db, intervalMs: 20, log: { warn: () => {} } });
    const got: LocalSent[] = [];
    const other: LocalSent[] = [];
    const stop = await feed.subscribe(['local:c1'], (s) => got.push(s));
    const stopOther = await feed.subscribe(['local:c2'], (s) => other.push(s));

    const a = await sent({ conv: 'local:c1', at: T0 + 60_000 });
    // Published, so the feed's cursor is past what comes next.
    await eventually(() => got.length === 1);
    // Committed after `a` but stamped before it, within the look-back.
    const late = await sent({ conv: 'local:c1', at: T0 + 50_000 });
    const elsewhere = await sent({ conv: 'local:c2', at: T0 + 61_000 });
    await sent({ conv: 'local:c1', at: T0 + 62_000, status: 'pending' });
    await sent({ conv: 'local:c1', at: T0 + 63_000, platform: 'feishu' });
    await eventually(() => got.length === 2 && other.length === 1);
    // A few more polls: the pending and the Feishu send are never published.
    await settle();

    expect(got.map((s) => s.id)).toEqual([a, late]);
    expect(got.map((s) => s.id)).not.toContain(before);
    expect(got[0]).toMatchObject({ about: 'local:c1', message: { type: 'text', text: a } });
    expect(other.map((s) => s.id)).toEqual([elsewhere]);

    // After unsubscribing nothing more arrives.
    stop();
    await sent({ conv: 'local:c1', at: T0 + 70_000 });
    await settle();
    expect(got).toHaveLength(2);
    stopOther();
    feed.stop();
  });
});
