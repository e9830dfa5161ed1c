/**
 * A message whose analysis throws is marked with the error and skipped: the rest of its batch is
 * analysed and coached, and neither the next batch, a sweep nor a restart takes it again. The
 * real analysis job on PGlite; the analyzer is the real one except for the poisoned message.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeOnce } from '../../bots/analysis/analyze-job.ts';
import type { App } from '../../bots/app.ts';
import { partitionOf } from '../../bots/ingest/slots.ts';
import { analyzeMessage } from '../../analyzers/message.ts';
import { actions, messages, nudges } from '../../db/schema/index.ts';
import { analysisDepsOf, chat, startTestApp, type TestApp } from '../helpers/app.ts';

const POISON = '这条消息会让分析出错';

const depsOf = (app: App) =>
  analysisDepsOf(app, {
    analyze: (input) => {
      if (input.text === POISON) throw new RangeError('analyzer blew up on this text');
      return analyzeMessage(input);
    },
  });

describe('a message whose analysis throws', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: new Date('2026-11-23T10:05:00+08:00') });
  });
  afterAll(() => t.cleanup());

  const row = async (id: string) => (await t.app.database.db.select().from(messages).where(eq(messages.platformMessageId, id)))[0]!;

  it('is marked and skipped; the rest of its batch is analysed', async () => {
    const at = (min: number) => new Date(`2026-11-23T10:0${min}:00+08:00`);
    await t.app.sink.message(chat({ from: 'zhangsan', text: '王总您好，我是张三，方案的事情这个群里沟通。', at: at(0), id: 'p-hello' }));
    await t.app.sink.message(chat({ from: 'cust-wang', name: '王总', text: POISON, at: at(1), id: 'p-poison' }));
    await t.app.sink.message(chat({ from: 'cust-wang', name: '王总', text: '你们这个价格太贵了，超出我们预算了。', at: at(2), id: 'p-price' }));
    await t.app.sink.idle();

    const partition = partitionOf((await row('p-poison')).slot, t.config.ANALYSIS_PARTITIONS);
    const before = (await t.app.metrics.registry.getSingleMetricAsString('dealwise_messages_analyzed_total')).match(/outcome="error"} (\d+)/)?.[1];
    expect(await analyzeOnce(depsOf(t.app), partition)).toBe(3);

    const poison = await row('p-poison');
    expect(poison.analysisError).toBe('analyzer blew up on this text');
    expect(poison.analyzedAt).not.toBeNull();
    const price = await row('p-price');
    expect(price.analysisError).toBeNull();
    const db = t.app.database.db;
    expect((await db.select().from(actions).where(eq(actions.messageId, price.id))).map((a) => a.kind)).toContain('objection_raised');
    expect((await db.select().from(actions).where(eq(actions.messageId, poison.id))).length).toBe(0);
    expect((await db.select().from(nudges)).map((n) => n.ruleId)).toContain('price-objection');
    const after = (await t.app.metrics.registry.getSingleMetricAsString('dealwise_messages_analyzed_total')).match(/outcome="error"} (\d+)/)?.[1];
    expect(Number(after)).toBe(Number(before ?? 0) + 1);

    // Not taken again: by the next batch, by a sweep, or after a restart.
    expect(await analyzeOnce(depsOf(t.app), partition)).toBe(0);
    await t.app.sweep({ settleMs: 0 });
    await t.app.drain();
    await t.close();
    const again = await startTestApp({ dataDir: t.dataDir, start: new Date('2026-11-23T10:30:00+08:00') });
    try {
      await again.app.drain();
      expect(await analyzeOnce(depsOf(again.app), partition)).toBe(0);
      const [kept] = await again.app.database.db.select().from(messages).where(eq(messages.platformMessageId, 'p-poison'));
      expect(kept!.analysisError).toBe('analyzer blew up on this text');
      expect(kept!.analyzedAt?.getTime()).toBe(poison.analyzedAt!.getTime());
    } finally {
      await again.close();
    }
  });
});
