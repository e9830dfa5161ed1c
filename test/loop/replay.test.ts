/**
 * The whole loop end to end: the six demo conversations (bots/demo/conversations/) replayed on a
 * simulated clock through ingest, the analyzer, the stage linker and the coach, then two weeks of
 * timers. Asserts exactly which nudges each rep got, when and why, each deal's stage path, and
 * that a manager's /team and /deal answers come back. Each conversation's `story` says what it
 * is meant to show (a price objection, the 48-hour window after a demo missed and kept, a quote
 * left unanswered, a question unanswered for 2 working hours, a competitor, a won and a lost deal).
 */
import { asc, eq, like } from 'drizzle-orm';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo, loadConversations, replay, toInbound } from '../../bots/demo/replay.ts';
import { dealConfirmations, deliveries, nudges, opportunities, stageChanges, timers } from '../../db/schema/index.ts';
import { dm, startTestApp, type TestApp } from '../helpers/app.ts';

const CONVERSATIONS = fileURLToPath(new URL('../../bots/demo/conversations', import.meta.url));

describe('the demo conversations through the whole loop', () => {
  let t: TestApp;
  beforeAll(async () => {
    const msgs = toInbound(await loadConversations(CONVERSATIONS));
    t = await startTestApp({ start: msgs[0]!.sentAt });
    await replay(t.app, t.clock, msgs);
    await advanceTo(t.app, t.clock, new Date('2026-12-04T18:30:00+08:00'));
  }, 120_000);
  afterAll(() => t.cleanup());

  it('nudges exactly these reps, at these times, for these reasons', async () => {
    const sent = await t.app.database.db
      .select({ at: deliveries.sentAt, person: nudges.personId, rule: nudges.ruleId, to: deliveries.to })
      .from(nudges)
      .innerJoin(deliveries, eq(deliveries.nudgeId, nudges.id))
      // Two reminders go out at the same 09:00: by person then, or their order is the send's.
      .orderBy(asc(deliveries.sentAt), asc(nudges.personId));
    expect(sent.map((s) => [s.at!.toISOString(), s.person, s.rule])).toEqual([
      // e. 津港物流: 「几家的方案一起过一遍」 — the customer is comparing vendors.
      ['2026-11-23T02:30:00.000Z', 'sunhao', 'topic-competitor'],
      // e. its ERP question at Tue 10:12 gets the integration talk-track at once, and a reminder
      // after 2 working hours without an answer.
      ['2026-11-24T02:12:00.000Z', 'sunhao', 'topic-integration'],
      ['2026-11-24T04:12:00.000Z', 'sunhao', 'question-unanswered-2h'],
      // g. 悦居家居: the legal redlines, the invoice and payment questions.
      ['2026-11-24T06:20:00.000Z', 'lisi', 'topic-legal'],
      ['2026-11-25T02:12:00.000Z', 'zhaomin', 'topic-training'],
      ['2026-11-25T03:15:00.000Z', 'lisi', 'buying-signal'],
      ['2026-11-25T03:20:00.000Z', 'lisi', 'topic-payment'],
      // a. 华东医疗: 48 万？太贵了 — at once; then 「分期这个思路可以。我回去跟院长汇报一下」: the
      // director takes the instalment idea upstairs (a report, not a refusal), so the payment-terms atom.
      ['2026-11-25T07:32:00.000Z', 'zhangsan', 'price-objection'],
      ['2026-11-25T08:10:00.000Z', 'zhangsan', 'topic-payment'],
      // b. 华东医疗: the demo was Wed 14:00 and no material followed: reminded one working day after it.
      ['2026-11-26T06:00:00.000Z', 'zhangsan', 'demo-golden-48h'],
      // d. 恒锐精密: the quote of Mon 14:25 had no customer reply for 3 working days.
      ['2026-11-26T06:25:00.000Z', 'lisi', 'quote-no-reply-3d'],
      ['2026-11-27T03:32:00.000Z', 'lisi', 'topic-payment'],
      // g. 悦居家居: 「合同已盖章」 closes the deal on its own: one handover nudge.
      ['2026-11-27T08:40:00.000Z', 'lisi', 'deal-won-handover'],
      // Days committed to (「下周一中午前给您答复」…) come back on that working day's morning.
      ['2026-11-30T01:00:00.000Z', 'lisi', 'promised-date'],
      ['2026-11-30T01:00:00.000Z', 'zhaomin', 'promised-date'],
      // f. 瑞达仪器: 销售易 is 20% cheaper.
      ['2026-11-30T01:50:00.000Z', 'zhaomin', 'competitor-objection'],
      ['2026-11-30T02:45:00.000Z', 'zhaomin', 'topic-integration'],
      ['2026-11-30T03:46:00.000Z', 'lisi', 'topic-implementation'],
      ['2026-11-30T09:10:00.000Z', 'zhaomin', 'buying-signal'],
      // e. 津港物流 went quiet for 3 working days after the rep's answer.
      ['2026-12-01T03:26:00.000Z', 'sunhao', 'silence-early'],
      ['2026-12-02T01:00:00.000Z', 'zhaomin', 'promised-date'],
      // f. 瑞达仪器: 「价格上还有没有优惠空间？」 asks for a discount (not an objection).
      ['2026-12-02T08:20:00.000Z', 'zhaomin', 'topic-discount'],
      // 华东医疗: 「院长这周四开办公会，会上一起讨论预算的事」 (Mon 11-30) comes back on Thursday's morning.
      ['2026-12-03T01:00:00.000Z', 'zhangsan', 'promised-date'],
      // h. 津港物流: 「我们最后选了别家」 — lost on an explicit refusal: only the 复盘 nudge.
      ['2026-12-03T02:30:00.000Z', 'sunhao', 'deal-lost-review'],
      // 华东医疗 in negotiation (through the price objection): no reply for 3 working days after the
      // case study. No contract was ever sent, so not the contract's silence.
      ['2026-12-03T03:08:00.000Z', 'zhangsan', 'silence-negotiation'],
      ['2026-12-04T09:25:00.000Z', 'zhaomin', 'silence-demo-proposal'],
    ]);
    // Always privately to the rep, never into a customer's chat.
    expect(sent.every((s) => 'personId' in s.to && s.to.personId === s.person)).toBe(true);
  });

  it('moves each deal forward only, keeping the evidence of every move', async () => {
    const db = t.app.database.db;
    const deals = await db.select().from(opportunities).orderBy(asc(opportunities.name));
    const paths: Record<string, string[]> = {};
    for (const d of deals) {
      const moves = await db.select().from(stageChanges).where(eq(stageChanges.opportunityId, d.id)).orderBy(asc(stageChanges.at));
      expect(moves.every((m) => (m.messageId ?? '').length > 0)).toBe(true);
      paths[d.name ?? d.id] = [...moves.map((m) => `${m.fromStage}→${m.toStage}`), `now ${d.stage}`];
    }
    expect(paths).toEqual({
      '华东医疗 · 患者随访平台项目': ['lead→contacted', 'contacted→demo', 'demo→proposal', 'proposal→negotiation', 'now negotiation'],
      '康源大药房 · 慢病会员复购项目': ['lead→contacted', 'contacted→demo', 'demo→proposal', 'now proposal'],
      // 「12 月中旬签约」 is a plan, not a signature: the deal stays open and its owner is asked instead.
      '恒锐精密 · 经销商报备与销售过程管理': ['lead→contacted', 'contacted→qualified', 'qualified→proposal', 'now proposal'],
      '悦居家居 · 门店导购数字化项目': ['lead→qualified', 'qualified→negotiation', 'negotiation→won', 'now won'],
      '津港物流 · 客户管理系统选型': ['lead→contacted', 'contacted→lost', 'now lost'],
      // 「销售易那边同样 150 个账号，报价比你们便宜 20%」 after the quote: bargaining with a rival's offer.
      '瑞达仪器 · CRM 选型': ['lead→contacted', 'contacted→proposal', 'proposal→negotiation', 'now negotiation'],
    });
    const asked = await db.select().from(dealConfirmations);
    expect(asked.map((c) => [c.kind, c.fromStage, c.toStage, c.status, c.personId])).toEqual([['stage', 'proposal', 'won', 'pending', 'lisi']]);
  });

  it('closes the 48-hour window after a demo on time (c. 康源大药房) or late (b. 华东医疗)', async () => {
    const rows = await t.app.database.db.select().from(timers).where(eq(timers.ruleId, 'demo-golden-48h'));
    const windows = Object.fromEntries(rows.map((r) => [r.conversationId, { status: r.status, late: r.resolvedAt! > r.dueAt, nudged: r.firedAt !== null }]));
    expect(windows).toEqual({
      'local:c-huadong-medical': { status: 'fulfilled', late: true, nudged: true },
      'local:c-kangyuan-pharmacy': { status: 'fulfilled', late: false, nudged: false },
    });
  });

  it('sends each manager the weekly digest on Monday at 09:00', async () => {
    const digests = await t.app.database.db
      .select()
      .from(deliveries)
      .where(like(deliveries.idempotencyKey, 'digest-%'))
      .orderBy(asc(deliveries.idempotencyKey));
    expect(digests.map((d) => [d.to, d.sentAt!.toISOString(), d.message!.type === 'text' ? '' : d.message!.title])).toEqual([
      [{ personId: 'liuqiang' }, '2026-11-30T01:00:00.000Z', '华北二组 · 上周简报'],
      [{ personId: 'wangjing' }, '2026-11-30T01:00:00.000Z', '华东一组 · 上周简报'],
    ]);
  });

  it("answers a manager's /team and /deal, and refuses a rep's /team", async () => {
    const { app, clock } = t;
    for (const [who, text] of [
      ['wangjing', '/team 上周'],
      ['wangjing', '/deal 华东医疗'],
      ['lisi', '/team 本周'],
    ] as const) {
      clock.set(new Date(clock.now().getTime() + 60_000));
      await app.sink.message(dm(who, text, clock.now()));
      await app.drain();
    }
    const answers = await app.database.db.select().from(deliveries).where(like(deliveries.idempotencyKey, 'reply:%')).orderBy(asc(deliveries.createdAt));
    expect(answers.every((d) => d.status === 'sent')).toBe(true);
    const replies = answers.map((d) => ({ to: d.to, message: d.message }));
    expect(replies).toHaveLength(3);
    const [team, deal, refused] = replies.map((r) => ({
      ...r,
      text: r.message!.type === 'text' ? r.message!.text : `${r.message!.title}\n${r.message!.text}`,
    }));
    expect(team!.to).toEqual({ personId: 'wangjing' });
    expect(team!.text).toContain('华东一组 · 上周团队概览');
    expect(team!.text).toMatch(/\*\*张三\*\*\n会话 1 · 关键动作 \d+/);
    expect(deal!.text).toContain('华东医疗 · 患者随访平台项目');
    expect(deal!.text).toContain('48 万？太贵了');
    expect(refused!.to).toEqual({ personId: 'lisi' });
    expect(refused!.text).toContain('只对销售经理开放');
  });
});
