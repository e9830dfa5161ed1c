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
