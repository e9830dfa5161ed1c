/**
 * The manager's reports say what the deals' truth says, driven through the whole loop on the local
 * adapter: a close the owner has not confirmed (asked, rejected) is no 赢单 in /team, /rep or
 * /deal, one confirmed or precise is, and a win said again is still one.
 */
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../bots/reports/period.ts';
import { teamSummary } from '../../bots/reports/team.ts';
import type { InboundMessage } from '../../core/types.ts';
import { dealConfirmations, deliveries } from '../../db/schema/index.ts';
import { chat, dm, startTestApp, type TestApp } from '../helpers/app.ts';

const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ start: MONDAY });
}, 120_000);
afterAll(() => t.cleanup());

const say = async (m: InboundMessage) => {
  t.clock.set(m.sentAt);
  await t.app.sink.message(m);
  await t.app.drain();
};
/** A customer chat whose title names its deal. */
const inChat = (title: string, p: Parameters<typeof chat>[0]): InboundMessage => ({ ...chat({ ...p, conv: title }), conversationTitle: title });

/** The bot's answer to `text` from `who`, as its text. */
async function ask(who: string, text: string): Promise<string> {
  const sent = new Date(t.clock.now().getTime() + 60_000);
  await say(dm(who, text, sent));
  const [reply] = await t.app.database.db
    .select()
    .from(deliveries)
    .where(and(like(deliveries.idempotencyKey, 'reply:%'), eq(deliveries.createdAt, sent)))
    .orderBy(asc(deliveries.createdAt));
  const m = reply?.message;
  if (!m) throw new Error(`no answer to ${text}`);
  return m.type === 'text' ? m.text : `${m.title}\n${m.text}`;
}

/** The rep's block in a /team answer: their name's line and the lines under it. */
const block = (team: string, name: string) => team.split('\n\n').find((b) => b.startsWith(`**${name}**`)) ?? '';

/** This week's figures of each rep of 华东一组, up to a minute from now (the last message included). */
const thisWeek = async () => {
  const now = new Date(t.clock.now().getTime() + 60_000);
  const period = parsePeriod('本周', now, t.config.TIMEZONE);
  const [east] = await teamSummary(t.app.database.db, {
    teamIds: ['east'],
    from: period.from,
    to: period.to,
    now,
    funnel: t.app.catalog.current.playbook.funnel,
  });
  return (id: string) => east!.reps.find((r) => r.personId === id)!.metrics;
};

async function pendingClose(ownerId: string) {
  const [c] = await t.app.database.db
    .select()
    .from(dealConfirmations)
    .where(and(eq(dealConfirmations.personId, ownerId), eq(dealConfirmations.kind, 'stage'), eq(dealConfirmations.status, 'pending')));
  if (!c) throw new Error(`no close asked of ${ownerId}`);
  return c;
}

describe('a close the owner did not confirm', () => {
  it('is no 赢单 while it waits for the answer, nor after the owner says 不是', async () => {
    await say(inChat('恒锐精密', { from: 'lisi', text: '周总好，我是李四，负责贵司的经销商管理项目。', at: at(0) }));
    // A sure buying signal and an unsure win (deal_won 0.76, not a precise signal): the owner is asked.
    await say(inChat('恒锐精密', { from: 'cust-zhou', name: '周总', text: '老板同意做。合同流程怎么走？', at: at(5) }));
    const asked = await pendingClose('lisi');
    expect(asked.toStage).toBe('won');

    const waiting = (await thisWeek())('lisi');
    expect(waiting.actions.byKind.deal_won).toBeUndefined();
    expect(block(await ask('wangjing', '/team 本周'), '李四')).not.toContain('赢单');

    expect(await t.app.sink.press({ platform: 'local', senderId: 'lisi', action: { kind: 'confirm', confirmationId: asked.id, answer: 'no' } })).toEqual({
      status: 'applied',
    });
    const rejected = (await thisWeek())('lisi');
    expect(rejected.actions.byKind.deal_won).toBeUndefined();
    // What else the message showed still counts, and the total is the sum of what is shown.
    expect(rejected.actions.byKind.buying_signal).toBe(1);
    expect(rejected.actions.total).toBe(Object.values(rejected.actions.byKind).reduce((a, b) => a + b, 0));
    expect(block(await ask('wangjing', '/team 本周'), '李四')).not.toContain('赢单');
    expect(await ask('wangjing', '/rep 李四')).not.toContain('赢单');
    expect(await ask('wangjing', '/deal 恒锐精密')).not.toMatch(/\d\d:\d\d {2}赢单/);
  });

  it('is 赢单 once the owner confirms it, and a precise close is one on its own', async () => {
    await say(inChat('鼎新集团', { from: 'zhangsan', text: '王总好，方案和报价都在这个群里沟通。', at: at(30) }));
    await say(inChat('鼎新集团', { from: 'cust-wang', name: '王总', text: '我们决定选你们了，老板已经拍板', at: at(35) }));
    const asked = await pendingClose('zhangsan');
    await t.app.sink.press({ platform: 'local', senderId: 'zhangsan', action: { kind: 'confirm', confirmationId: asked.id, answer: 'yes' } });
    await t.app.drain();
    expect((await thisWeek())('zhangsan').actions.byKind.deal_won).toBe(1);

    await say(inChat('华信物流', { from: 'zhangsan', text: '刘总好，合同发您审一下。', at: at(60), attachments: [{ name: '采购合同.docx' }] }));
    await say(inChat('华信物流', { from: 'cust-liu', name: '刘总', text: '合同已盖章，原件今天寄回给你们。', at: at(65) }));
    expect((await thisWeek())('zhangsan').actions.byKind.deal_won).toBe(2);
    // Said again of the won deal: the same win, not a second one.
    await say(inChat('华信物流', { from: 'cust-liu', name: '刘总', text: '合同已盖章，原件今天寄回给你们。', at: at(70) }));
    expect((await thisWeek())('zhangsan').actions.byKind.deal_won).toBe(2);
    expect(await ask('wangjing', '/rep 张三')).toContain('赢单 2');
    expect(await ask('wangjing', '/deal 华信物流')).toMatch(/\d\d:\d\d {2}赢单/);
  });
});

describe('a stage corrected backwards', () => {
  it('is no 推进 in /team or /rep: it is shown as a 回退', async () => {
    await say(inChat('华东医疗', { from: 'zhangsan', text: '李主任好，这是我们上周沟通的方案。', at: at(120) }));
    await say(inChat('华东医疗', { from: 'cust-li', name: '李主任', text: '收到，可以。', at: at(125) }));
    await say(inChat('华东医疗', { from: 'zhangsan', text: '李主任，合同发您审一下。', at: at(130), attachments: [{ name: '采购合同_2026.docx' }] }));
    const before = (await thisWeek())('zhangsan').stageMoves.filter((m) => m.opportunityName === '华东医疗');
    expect(before.at(-1)?.toStage).toBe('negotiation');

    expect(await ask('zhangsan', '/deal 华东医疗 阶段 需求确认')).toContain('商务谈判 → 需求确认');
    const m = (await thisWeek())('zhangsan');
    expect(m.stageMoves.filter((x) => x.opportunityName === '华东医疗')).toEqual(before);
    expect(m.stageMovesBack.map((x) => `${x.opportunityName} ${x.fromStage}>${x.toStage}`)).toEqual(['华东医疗 negotiation>qualified']);

    const team = block(await ask('wangjing', '/team 本周'), '张三');
    expect(team).toContain(`阶段推进 ${m.stageMoves.length} ·`);
    expect(team).not.toMatch(/推进：[^\n]*商务谈判→需求确认/);
    expect(team).toContain('回退：华东医疗 商务谈判→需求确认');
    const rep = await ask('wangjing', '/rep 张三');
    const forward = rep.split('\n\n').find((b) => b.startsWith('**阶段推进**')) ?? '';
    expect(forward).not.toContain('商务谈判 → 需求确认');
    expect(rep).toMatch(/\*\*阶段回退\*\*\n- \d\d-\d\d \d\d:\d\d 华东医疗 商务谈判 → 需求确认/);
  });
});
