/**
 * One name per stage, the playbook's (`funnel.labels`), wherever a stage is shown (`/deal`,
 * `/funnel`, a correction's answer, the console) and understood by `/deal 华东医疗 阶段 <name>`,
 * with the names used before (`funnel.aliases`) still understood.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opportunities } from '../../db/schema/index.ts';
import { askBot, startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  const at = t.clock.now();
  await t.app.database.db
    .insert(opportunities)
    .values({ id: 'opp-hd', name: '华东医疗', ownerId: 'zhangsan', stage: 'lead', stageAt: at, amount: 450_000, createdAt: at, updatedAt: at });
}, 120_000);
afterAll(() => t?.cleanup());

/** The bot's answer to a 1:1 message. */
const ask = async (from: string, text: string): Promise<string> => (await askBot(t, from, text)).text;

const stageOf = async () => (await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, 'opp-hd')))[0]!.stage;
const label = (stage: string) => t.app.catalog.current.stageLabel(stage);

describe('stage names', () => {
  it('are one per stage', () => {
    expect(t.app.catalog.current.playbook.funnel.labels).toEqual({
      lead: '线索',
      contacted: '已接触',
      qualified: '需求确认',
      demo: '演示',
      proposal: '方案报价',
      negotiation: '商务谈判',
      won: '赢单',
      lost: '丢单',
    });
  });

  it('/deal 阶段 takes the name every stage is shown by, and answers and shows it', async () => {
    const stages = t.app.catalog.current.playbook.funnel.stages;
    for (const [i, stage] of stages.entries()) {
      const answer = await ask('zhangsan', `/deal 华东医疗 阶段 ${label(stage)}`);
      expect(answer, stage).toContain(`→ ${label(stage)}。`);
      if (i > 0) expect(answer, stage).toContain(`：${label(stages[i - 1]!)} →`);
      expect(await stageOf()).toBe(stage);
      expect(await ask('zhangsan', '/deal 华东医疗'), stage).toContain(`阶段 ${label(stage)}`);
    }
  });

  it('/deal 阶段 still takes the names used before', async () => {
    for (const [name, stage] of [
      ['已确认需求', 'qualified'],
      ['输单', 'lost'],
    ] as const) {
      await t.app.database.db.update(opportunities).set({ stage: 'lead', status: 'open', closedAt: null }).where(eq(opportunities.id, 'opp-hd'));
      expect(await ask('zhangsan', `/deal 华东医疗 阶段 ${name}`)).toContain(`→ ${label(stage)}。`);
      expect(await stageOf()).toBe(stage);
    }
  });

  it('lists the names it takes when it does not know one', async () => {
    const answer = await ask('zhangsan', '/deal 华东医疗 阶段 谈判中');
    expect(answer).toContain('不认识的阶段「谈判中」');
    for (const stage of t.app.catalog.current.playbook.funnel.stages) expect(answer).toContain(label(stage));
  });

  it('/funnel and /deal timelines name the stages as the playbook does', async () => {
    const funnel = await ask('wangjing', '/funnel 本月');
    for (const stage of ['lead', 'contacted', 'qualified', 'demo', 'proposal', 'negotiation', 'won', 'lost']) expect(funnel).toContain(`**${label(stage)}**`);
    const timeline = await ask('zhangsan', '/deal 华东医疗');
    expect(timeline).toContain(`阶段 ${label('contacted')} → ${label('qualified')}`);
  });
});
