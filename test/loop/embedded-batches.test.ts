/**
 * On the embedded database an analysis transaction takes at most EMBEDDED_BATCH_MAX messages,
 * whatever ANALYSIS_BATCH says: PGlite's one connection and the event loop are held for the
 * whole transaction, so a burst must not hold them for 500 messages at a time. Every message is
 * still analysed once.
 */
import { isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BATCH_MAX } from '../../bots/app.ts';
import { messages } from '../../db/schema/index.ts';
import { chat, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  // One partition, so every message waits for the same analysis job.
  t = await startTestApp({ start: new Date('2026-11-23T10:00:00+08:00'), env: { ANALYSIS_BATCH: '500', ANALYSIS_PARTITIONS: '1' } });
}, 120_000);
afterAll(async () => {
  await t?.cleanup();
});

describe('embedded analysis batches', () => {
  it(`are at most ${EMBEDDED_BATCH_MAX} messages a transaction, and every message is analysed`, async () => {
    const n = 2 * EMBEDDED_BATCH_MAX + 10;
    const sent = Array.from({ length: n }, (_, i) =>
      chat({ from: 'cust-1', text: `第${i}个问题：交付周期多久？`, at: new Date(Date.UTC(2026, 10, 23, 1, 0, i)), conv: `c-batch-${i % 7}`, id: `eb-${i}` }),
    );
    const results = await t.app.sink.messages(sent);
    expect(results.every((r) => r.status === 'stored')).toBe(true);
    await t.app.drain();
    const [hist] = (await t.app.metrics.analysisBatch.get()).values.filter((v) => v.metricName === 'dealwise_analysis_batch_messages_count');
    const [sum] = (await t.app.metrics.analysisBatch.get()).values.filter((v) => v.metricName === 'dealwise_analysis_batch_messages_sum');
    expect(sum!.value).toBe(n);
    expect(hist!.value).toBeGreaterThanOrEqual(Math.ceil(n / EMBEDDED_BATCH_MAX));
    const le = (await t.app.metrics.analysisBatch.get()).values.find(
      (v) => v.metricName === 'dealwise_analysis_batch_messages_bucket' && (v.labels as Record<string, unknown>).le === 100,
    );
    // Every batch fell in the buckets at or under 100 (none of 200 or 500).
    expect(le!.value).toBe(hist!.value);
    expect(await t.app.database.db.select({ id: messages.id }).from(messages).where(isNull(messages.analyzedAt))).toEqual([]);
  });
});
