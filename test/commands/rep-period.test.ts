import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askBot, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
}, 120_000);
afterAll(() => t?.cleanup());

/** The bot's answer to a 1:1 message: title and text. */
async function ask(from: string, text: string): Promise<string> {
  const r = await askBot(t, from, text);
  return `${r.title}\n${r.text}`;
}

describe('/rep with a period it does not know', () => {
  it('says the period is not recognised, as /team does', async () => {
    const team = await ask('wangjing', '/team 下周');
    expect(team).toContain('不认识的时间范围「下周」');
    for (const [text, period] of [
      ['/rep 张三 去年', '去年'],
      ['/rep 张三 下周', '下周'],
      ['/rep 张三 昨天', '昨天'],
      ['/rep 去年', '去年'],
    ] as const) {
      const answer = await ask('wangjing', text);
      expect(answer, text).toContain(`不认识的时间范围「${period}」`);
      expect(answer, text).not.toContain('没有找到');
    }
  });

  it('still reads a known period, a quarter too, and still says when a person is not found', async () => {
    expect(await ask('wangjing', '/rep 张三 上周')).toContain('上周');
    expect(await ask('wangjing', '/rep 张三 本季度')).not.toContain('没有找到');
    expect(await ask('wangjing', '/rep 赵六')).toContain('没有找到你能查看的「赵六」');
  });
});
