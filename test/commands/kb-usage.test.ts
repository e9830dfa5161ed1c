/** `/kb` alone is answered with how to ask, not with a search for nothing. */
import { desc, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema/index.ts';
import { dm, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
}, 120_000);
afterAll(() => t?.cleanup());

/** The bot's answer to a 1:1 message: title and text. */
async function ask(from: string, text: string): Promise<string> {
  t.clock.set(new Date(t.clock.now().getTime() + 1000));
  await t.app.sink.message(dm(from, text, t.clock.now()));
  await t.app.drain();
  const [reply] = await t.app.database.db
    .select()
    .from(deliveries)
    .where(like(deliveries.idempotencyKey, 'reply:%'))
    .orderBy(desc(deliveries.createdAt))
    .limit(1);
  const m = reply!.message!;
  return m.type === 'markdown' ? `${m.title}\n${m.text}` : '';
}

describe('/kb without a topic', () => {
  it('answers how to ask, with an example that finds talk-tracks', async () => {
    for (const text of ['/kb', '/kb   ', '/话术']) {
      const answer = await ask('zhangsan', text);
      expect(answer, text).not.toContain('「」');
      expect(answer, text).not.toMatch(/知识库 · \n/);
      expect(answer, text).toContain('`/kb 价格异议`');
    }
    // The example given is one that answers.
    expect(await ask('zhangsan', '/kb 价格异议')).not.toContain('没有找到');
  });
});
