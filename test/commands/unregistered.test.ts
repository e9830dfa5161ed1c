/**
 * Someone outside the org directory who writes to the bot 1:1 is told, once a day, that they are
 * not registered and to ask their admin; nothing about the team or its deals is in the answer.
 */
import { asc, like, not } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema/index.ts';
import { dm, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ start: new Date('2026-11-23T09:00:00+08:00') });
}, 120_000);
afterAll(() => t?.cleanup());

const say = async (from: string, text: string, minutes: number) => {
  t.clock.set(new Date(t.clock.now().getTime() + minutes * 60_000));
  await t.app.sink.message(dm(from, text, t.clock.now()));
  await t.app.drain();
};
const answers = () =>
  t.app.database.db
    .select()
    .from(deliveries)
    .where(not(like(deliveries.idempotencyKey, 'reply:%')))
    .orderBy(asc(deliveries.createdAt));

describe('a stranger writing to the bot', () => {
  it('gets one polite answer in Chinese, sent, naming no data', async () => {
    await say('stranger-1', '/team 本周', 1);
    const [a, ...more] = await answers();
    expect(more).toEqual([]);
    expect(a!.to).toEqual({ userId: 'stranger-1', conversationId: 'local:dm-stranger-1' });
    expect(a!.status).toBe('sent');
    const text = a!.message!.type === 'markdown' ? a!.message!.text : '';
    expect(text).toContain('还没有在 dealwise 登记');
    expect(text).toContain('管理员');
    // No names, stages or figures of the team.
    expect(text).not.toMatch(/张三|李四|华东|商机|\d/);
  });

  it('is not answered again the same day, whatever they write', async () => {
    await say('stranger-1', '你好？', 5);
    await say('stranger-1', '/rep 张三', 60);
    expect(await answers()).toHaveLength(1);
  });

  it('each stranger gets their own answer, and again the next day', async () => {
    await say('stranger-2', '在吗', 1);
    expect((await answers()).map((a) => a.to)).toEqual([
      { userId: 'stranger-1', conversationId: 'local:dm-stranger-1' },
      { userId: 'stranger-2', conversationId: 'local:dm-stranger-2' },
    ]);
    t.clock.set(new Date('2026-11-24T09:00:00+08:00'));
    await say('stranger-1', '你好', 0);
    expect((await answers()).map((a) => (a.to as { userId: string }).userId)).toEqual(['stranger-1', 'stranger-2', 'stranger-1']);
  });

  it('a rep still gets the help, as a reply', async () => {
    await say('zhangsan', '你好', 1);
    const [reply] = await t.app.database.db.select().from(deliveries).where(like(deliveries.idempotencyKey, 'reply:%'));
    expect(reply!.to).toEqual({ personId: 'zhangsan' });
    expect(await answers()).toHaveLength(3);
  });
});
