/**
 * The analysis vacuums `message_queue` itself, after every so many messages it claims: each claim
 * deletes queue rows, and until a vacuum removes them every later claim steps over them (on this
 * CI server autovacuum is off; elsewhere it comes once a minute). The real analysis job on the
 * real PostgreSQL; the threshold lowered so a few chats cross it.
 */
import { count, isNull } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeHandler } from '../../bots/analysis/analyze-job.ts';
import type { App } from '../../bots/app.ts';
import { messages } from '../../db/schema/index.ts';
import { analysisDepsOf, chat } from '../helpers/app.ts';
import { createStack, type Stack } from './stack.ts';

describe('the message queue after the analysis has claimed from it', () => {
  let stack: Stack;
  afterAll(() => stack?.teardown());

  const store = async (web: App, tag: string, chats: number) => {
    const t0 = Date.now();
    for (let i = 0; i < chats; i++) {
      const conv = `c-${tag}-${i}`;
      const a = await web.sink.message(chat({ from: 'zhangsan', text: '您好，方案和报价在这个群里沟通。', at: new Date(t0 + i), conv, id: `${conv}-a` }));
      const b = await web.sink.message(chat({ from: `cust-${tag}-${i}`, text: '价格太贵了，超出预算。', at: new Date(t0 + i + 1), conv, id: `${conv}-b` }));
      expect([a.status, b.status]).toEqual(['stored', 'stored']);
    }
  };
  const queueStats = async (web: App) => {
    // The vacuuming session writes its count to the server's statistics as it ends (the dead-row
    // counts are flushed later, a second or so apart, so they are not read here).
    const [row] = await web.database.sql.query<{ vacuums: number; at: Date | null }>(
      `select vacuum_count::int as vacuums, last_vacuum as at from pg_stat_user_tables where relname = 'message_queue'`,
    );
    return row!;
  };
  const drainAll = async (web: App, every: number) => {
    const deps = analysisDepsOf(web, { queueVacuumEvery: every });
    const run = analyzeHandler(deps);
    for (let p = 0; p < deps.partitions; p++) await run({ partition: p });
    const [left] = await web.database.db.select({ n: count() }).from(messages).where(isNull(messages.analyzedAt));
    expect(left!.n).toBe(0);
  };

  it('is vacuumed once the claims pass the threshold, and not before', async () => {
    stack = await createStack();
    // Stores and dispatches only: the test runs the analysis itself.
    const web = await stack.producer();

    await store(web, 'under', 10);
    await drainAll(web, 1_000);
    const under = await queueStats(web);
    expect(under).toEqual({ vacuums: 0, at: null });

    // 20 claimed with a threshold of 15: one vacuum (the handler's count starts at its creation).
    const before = new Date();
    await store(web, 'over', 10);
    await drainAll(web, 15);
    const over = await queueStats(web);
    expect(over.vacuums).toBe(1);
    expect(over.at!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1_000);
  });
});
