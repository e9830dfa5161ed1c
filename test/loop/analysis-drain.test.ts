/**
 * Two runs of one partition in one process: the second, arriving while the first drains, does
 * not wait for the partition's lock beside it (holding a connection and a slot); it leaves a
 * mark, and the first takes one more batch, so what the second was dispatched for is analysed.
 * The real analysis job on PGlite.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeHandler } from '../../bots/analysis/analyze-job.ts';
import { partitionOf } from '../../bots/ingest/slots.ts';
import type { Lane } from '../../db/client.ts';
import { messages } from '../../db/schema/index.ts';
import { analysisDepsOf, chat, startTestApp, type TestApp } from '../helpers/app.ts';

describe('a second run of a partition this process is draining', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-23T10:05:00+08:00') });
  });
  afterAll(() => t.cleanup());

  const analysedAt = async (id: string) =>
    (await t.app.database.db.select({ at: messages.analyzedAt }).from(messages).where(eq(messages.platformMessageId, id)))[0]?.at ?? null;

  it('leaves its work to the first run, which takes one more batch', async () => {
    const { sink } = t.app;
    await sink.message(chat({ from: 'zhangsan', text: '王总您好，方案我整理好了。', at: '2026-11-23T10:00:00+08:00', id: 'd-1' }));
    await sink.idle();
    const [first] = await t.app.database.db.select({ slot: messages.slot }).from(messages).where(eq(messages.platformMessageId, 'd-1'));
    const partition = partitionOf(first!.slot, t.config.ANALYSIS_PARTITIONS);

    // After the first run's first batch commits: a message in the same chat is stored and its
    // partition's run dispatched, as the ingest does, while the first run is still draining.
    let second: { returned: boolean; analysedThen: Date | null } | null = null;
    let commits = 0;
    const database = {
      ...t.app.database,
      transaction: async <T>(fn: Parameters<Lane['transaction']>[0]) => {
        const out = (await t.app.database.transaction(fn)) as T;
        if (++commits === 1) {
          await sink.message(chat({ from: 'cust-wang', name: '王总', text: '价格太贵了，超预算了。', at: '2026-11-23T10:01:00+08:00', id: 'd-2' }));
          await sink.idle();
          await handler({ partition });
          second = { returned: true, analysedThen: await analysedAt('d-2') };
        }
        return out;
      },
    };
    const handler = analyzeHandler(analysisDepsOf(t.app, { database }));
    await handler({ partition });

    // The second run returned without analysing anything; the first took the new message.
    expect(second).toEqual({ returned: true, analysedThen: null });
    expect(await analysedAt('d-1')).not.toBeNull();
    expect(await analysedAt('d-2')).not.toBeNull();
    // Two batches: the first message, then the new one (taken because of the mark).
    expect(commits).toBe(2);
    // Afterwards a run of the partition drains on its own again (the first left no mark behind).
    await sink.message(chat({ from: 'cust-wang', name: '王总', text: '那你们最快什么时候能交付？', at: '2026-11-23T10:02:00+08:00', id: 'd-3' }));
    await sink.idle();
    await handler({ partition });
    expect(await analysedAt('d-3')).not.toBeNull();
  });
});
