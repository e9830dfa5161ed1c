/**
 * Deal truth and coaching that answers the message, replayed through the whole loop: each case is
 * a short conversation that went wrong before (a drive-by question closing a deal, a visit taken
 * for a demo, coaching on a lost deal, a security question answered with an invoice talk-track,
 * raw placeholders, an import of the past nudging, a silent customer after the contract, a day the
 * customer named, a negotiation without a contract told a contract went out), and the exact outcome
 * it must have now.
 */
import { and, asc, desc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo } from '../../bots/demo/replay.ts';
import type { InboundMessage } from '../../core/types.ts';
import { wallClock } from '../../core/zoned-time.ts';
import { conversations, dealConfirmations, deliveries, nudges, opportunities, stageChanges, timers } from '../../db/schema/index.ts';
import { teamLabelLines } from '../../bots/deals/labels.ts';
import { chat, dm, sayAt, startTestApp, type TestApp } from '../helpers/app.ts';

const MONDAY = new Date('2026-11-23T09:00:00+08:00');
const at = (minutes: number) => new Date(MONDAY.getTime() + minutes * 60_000);

describe('deal truth and coaching that answers the message', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: MONDAY });
  }, 120_000);
  afterAll(() => t.cleanup());

  const say = (m: InboundMessage) => sayAt(t, m);
  const dealOf = async (conv: string) => {
    const [c] = await t.app.database.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, `local:${conv}`));
    const [d] = await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, c!.opportunityId!));
    return d!;
  };
  const nudgesIn = (conv: string) =>
    t.app.database.db
      .select()
      .from(nudges)
      .where(eq(nudges.conversationId, `local:${conv}`))
      .orderBy(asc(nudges.createdAt), asc(nudges.ruleId));

  it('a drive-by question about on-site staff leaves the deal open', async () => {
    await say(chat({ conv: 'c-onsite', from: 'zhangsan', text: '王总好，方案和报价都在这个群里沟通。', at: at(0) }));
    await say(chat({ conv: 'c-onsite', from: 'cust-wang', name: '王总', text: '对了，实施团队能驻场吗？', at: at(5) }));
    const deal = await dealOf('c-onsite');
    expect(deal.status).toBe('open');
    const moves = await t.app.database.db.select().from(stageChanges).where(eq(stageChanges.opportunityId, deal.id));
    expect(moves.map((m) => m.toStage)).not.toContain('won');
    // It is coached as what it is: a question about implementation.
    expect((await nudgesIn('c-onsite')).map((n) => n.ruleId)).toContain('topic-implementation');
  });

  it("a rep's visit request keeps the deal before the demo stage", async () => {
    await say(chat({ conv: 'c-visit', from: 'lisi', text: '周经理您好，我是李四，负责贵司的项目。', at: at(10) }));
    await say(chat({ conv: 'c-visit', from: 'lisi', text: '明天上午我去您公司拜访一下？', at: at(12) }));
    await say(chat({ conv: 'c-visit', from: 'cust-zhou', name: '周经理', text: '好的，明天上午十点，来了给我打电话。', at: at(20) }));
    const deal = await dealOf('c-visit');
    expect(['lead', 'contacted', 'qualified']).toContain(deal.stage);
    expect(
      await t.app.database.db
        .select()
        .from(timers)
        .where(and(eq(timers.ruleId, 'demo-golden-48h'), eq(timers.conversationId, 'local:c-visit'))),
    ).toEqual([]);
  });

  it('after 「已经定了别家」 only the 复盘 nudge goes out', async () => {
    await say(
      chat({ conv: 'c-lost', from: 'zhangsan', text: '刘总，报价单发您了：首年 12 万，含实施。', at: at(30), attachments: [{ name: '报价单_v1.pdf' }] }),
    );
    await say(chat({ conv: 'c-lost', from: 'cust-liu', name: '刘总', text: '已经定了别家，不用再联系了。', at: at(40) }));
    await say(chat({ conv: 'c-lost', from: 'cust-liu', name: '刘总', text: '你们的价格太贵了，超出预算太多。', at: at(45) }));
    const deal = await dealOf('c-lost');
    expect(deal.status).toBe('lost');
    expect((await nudgesIn('c-lost')).map((n) => n.ruleId)).toEqual(['deal-lost-review']);
    // Its timers are over: no "quote unanswered" reminder later.
    await advanceTo(t.app, t.clock, new Date('2026-11-27T18:00:00+08:00'));
    expect((await nudgesIn('c-lost')).map((n) => n.ruleId)).toEqual(['deal-lost-review']);
  });

  it('a data-security question gets a security atom', async () => {
    await say(chat({ conv: 'c-sec', from: 'zhaomin', text: '何总监好，我是赵敏。', at: new Date('2026-11-30T09:00:00+08:00') }));
    await say(chat({ conv: 'c-sec', from: 'cust-he', name: '何总监', text: '你们数据存在哪里？要过等保吗？', at: new Date('2026-11-30T09:05:00+08:00') }));
    const [n] = (await nudgesIn('c-sec')).filter((x) => x.ruleId === 'topic-security');
    expect(n).toBeDefined();
    expect(n!.atomIds.length).toBeGreaterThan(0);
    const about = n!.atomIds.map((id) => t.app.catalog.current.atoms.get(id)?.about ?? []);
    for (const a of about) expect(a).toContain('security');
    expect(n!.body).not.toMatch(/专票|开票/);
  });

  it('no placeholder or 「未命名商机」 reaches a rep; an unnamed chat asks for the name, and the answer names the deal', async () => {
    const untitled = (m: InboundMessage): InboundMessage => {
      const { conversationTitle: _drop, ...rest } = m;
      return rest;
    };
    await say(untitled(chat({ conv: 'grp_7x', from: 'sunhao', text: '您好，我是孙浩。', at: new Date('2026-11-30T10:00:00+08:00') })));
    await say(untitled(chat({ conv: 'grp_7x', from: 'cust-x', name: '陈经理', text: '太贵了，超出我们的预算。', at: new Date('2026-11-30T10:05:00+08:00') })));
    const [n] = await nudgesIn('grp_7x');
    expect(n!.title + n!.body).not.toMatch(/\{|\}|未命名|grp_7x/);
    expect(n!.body).toContain('这个群对应哪个客户');
    await say(dm('sunhao', '鼎新集团', new Date('2026-11-30T10:10:00+08:00')));
    expect((await dealOf('grp_7x')).name).toBe('鼎新集团');
    const [q] = await t.app.database.db.select().from(dealConfirmations).where(eq(dealConfirmations.kind, 'name'));
    expect(q).toMatchObject({ status: 'confirmed', answer: '鼎新集团', answeredBy: 'sunhao' });
  });

  it('a sure buying signal with an unsure win moves the deal on and asks about the win', async () => {
    await say(chat({ conv: 'c-nod', from: 'zhangsan', text: '陈总好，我是张三，负责贵司的系统选型。', at: at(200) }));
    expect((await dealOf('c-nod')).stage).toBe('contacted');
    // Analysed alone: buying_signal 0.89, deal_won 0.76 (not a precise close).
    await say(chat({ conv: 'c-nod', from: 'cust-chen', name: '陈总', text: '老板同意做。合同流程怎么走？', at: at(210) }));
    const deal = await dealOf('c-nod');
    expect(deal.status).toBe('open');
    expect(deal.stage).toBe('qualified');
    const asked = await t.app.database.db
      .select()
      .from(dealConfirmations)
      .where(and(eq(dealConfirmations.opportunityId, deal.id), eq(dealConfirmations.kind, 'stage'), eq(dealConfirmations.status, 'pending')));
    expect(asked.map((c) => c.toStage)).toEqual(['won']);
  });

  it('a three-week-old import updates the deal and fires nothing', async () => {
    const old = new Date(t.clock.now().getTime() - 21 * 86_400_000);
    await say(chat({ conv: 'c-old', from: 'lisi', text: '王总，报价单发您了：首年 30 万。', at: old, attachments: [{ name: '报价单.pdf' }] }));
    await say(chat({ conv: 'c-old', from: 'cust-old', name: '王总', text: '太贵了，超出预算。', at: new Date(old.getTime() + 60_000) }));
    const deal = await dealOf('c-old');
    expect(deal.createdAt.getTime()).toBe(old.getTime());
    expect(['proposal', 'negotiation']).toContain(deal.stage);
    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + 7 * 86_400_000));
    expect(await nudgesIn('c-old')).toEqual([]);
    const windows = await t.app.database.db.select().from(timers).where(eq(timers.conversationId, 'local:c-old'));
    expect(windows.every((w) => w.silent)).toBe(true);
  });

  it('a contract left unanswered for the playbook’s working days gets one reminder, on a working day', async () => {
    // Friday afternoon: three working days later is Wednesday, not the weekend.
    const sent = new Date('2026-12-11T15:00:00+08:00');
    await say(chat({ conv: 'c-contract', from: 'zhaomin', text: '孙总，这是我们上周沟通的方案。', at: new Date('2026-12-11T10:00:00+08:00') }));
    await say(chat({ conv: 'c-contract', from: 'cust-sun', name: '孙总', text: '收到，可以。', at: new Date('2026-12-11T10:30:00+08:00') }));
    await say(chat({ conv: 'c-contract', from: 'zhaomin', text: '孙总，合同发您审一下。', at: sent, attachments: [{ name: '采购合同_2026.docx' }] }));
    expect((await dealOf('c-contract')).stage).toBe('negotiation');
    // The deal keeps the kinds its messages showed, each written by its own batch.
    expect((await dealOf('c-contract')).actionKinds).toEqual(['proposal_sent', 'contract_sent']);
    await advanceTo(t.app, t.clock, new Date('2026-12-18T18:00:00+08:00'));
    const reminders = (await nudgesIn('c-contract')).filter((n) => n.ruleId === 'silence-contract');
    expect(reminders).toHaveLength(1);
    const [d] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, reminders[0]!.id));
    const w = wallClock(d!.sentAt!, 'Asia/Shanghai');
    expect([1, 2, 3, 4, 5]).toContain(w.weekday);
    expect(d!.sentAt!.toISOString()).toBe(new Date('2026-12-16T15:00:00+08:00').toISOString());
  });

  it('「1月8号再聊」 comes back on 8 January’s morning, quoting the message', async () => {
    await say(chat({ conv: 'c-jan', from: 'lisi', text: '吴总，年底前还有什么需要我准备的吗？', at: new Date('2026-12-21T10:00:00+08:00') }));
    await say(chat({ conv: 'c-jan', from: 'cust-wu', name: '吴总', text: '年底太忙了，1月8号再聊吧。', at: new Date('2026-12-21T10:30:00+08:00') }));
    await advanceTo(t.app, t.clock, new Date('2027-01-08T12:00:00+08:00'));
    const promised = (await nudgesIn('c-jan')).filter((n) => n.ruleId === 'promised-date');
    expect(promised).toHaveLength(1);
    expect(promised[0]!.body).toContain('1月8号再聊');
    const [d] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, promised[0]!.id));
    expect(d!.sentAt!.toISOString()).toBe(new Date('2027-01-08T09:00:00+08:00').toISOString());
  });

  const silenceNudges = async (conv: string) => (await nudgesIn(conv)).filter((n) => n.ruleId.startsWith('silence-'));

  it('a negotiation reached through a price objection, no contract sent, is never told a contract went out', async () => {
    const quote = { name: '报价单.pdf' };
    await say(
      chat({
        conv: 'c-haggle',
        from: 'zhaomin',
        text: '钱总，报价单发您了：首年 20 万，含实施和培训。',
        at: new Date('2027-01-11T10:00:00+08:00'),
        attachments: [quote],
      }),
    );
    await say(
      chat({ conv: 'c-haggle', from: 'cust-qian', name: '钱总', text: '20 万？太贵了，超出我们今年的预算。', at: new Date('2027-01-11T10:30:00+08:00') }),
    );
    await say(
      chat({ conv: 'c-haggle', from: 'zhaomin', text: '理解。首期可以先上核心模块，费用能降不少，效果出来再扩。', at: new Date('2027-01-11T11:00:00+08:00') }),
    );
    expect((await dealOf('c-haggle')).stage).toBe('negotiation');
    await advanceTo(t.app, t.clock, new Date('2027-01-15T18:00:00+08:00'));
    const silences = await silenceNudges('c-haggle');
    // Three working days after the rep's last message, an honest follow-up: nothing about a contract.
    expect(silences.map((n) => n.ruleId)).toEqual(['silence-negotiation']);
    expect(`${silences[0]!.title}\n${silences[0]!.body}`).not.toContain('合同');
    const [d] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, silences[0]!.id));
    expect(d!.sentAt!.toISOString()).toBe(new Date('2027-01-14T11:00:00+08:00').toISOString());
  });

  it('a contract sent during the negotiation: one silence reminder, the contract’s', async () => {
    const quote = { name: '报价单.pdf' };
    await say(
      chat({
        conv: 'c-haggle-contract',
        from: 'lisi',
        text: '孙总，报价单发您了：首年 16 万。',
        at: new Date('2027-01-18T10:00:00+08:00'),
        attachments: [quote],
      }),
    );
    await say(chat({ conv: 'c-haggle-contract', from: 'cust-sun2', name: '孙总', text: '太贵了，超预算了。', at: new Date('2027-01-18T10:30:00+08:00') }));
    await say(chat({ conv: 'c-haggle-contract', from: 'lisi', text: '理解，首年可以分两期付款，压力小很多。', at: new Date('2027-01-18T11:00:00+08:00') }));
    expect((await dealOf('c-haggle-contract')).stage).toBe('negotiation');
    // The next day, before the customer answers, the contract goes out.
    const contract = { name: '采购合同_2027.docx' };
    await say(
      chat({ conv: 'c-haggle-contract', from: 'lisi', text: '孙总，合同发您审一下。', at: new Date('2027-01-19T10:00:00+08:00'), attachments: [contract] }),
    );
    await advanceTo(t.app, t.clock, new Date('2027-01-25T18:00:00+08:00'));
    const silences = await silenceNudges('c-haggle-contract');
    expect(silences.map((n) => n.ruleId)).toEqual(['silence-contract']);
    const [d] = await t.app.database.db.select().from(deliveries).where(eq(deliveries.nudgeId, silences[0]!.id));
    expect(d!.sentAt!.toISOString()).toBe(new Date('2027-01-22T10:00:00+08:00').toISOString());
  });
});

describe('labels from the team', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ start: MONDAY });
  }, 120_000);
  afterAll(() => t.cleanup());

  it('exports a confirmed close as a positive label and a rejected one as a negative, with the message', async () => {
    const { app, clock } = t;
    const send = async (m: InboundMessage) => {
      clock.set(m.sentAt);
      await app.sink.message(m);
      await app.drain();
    };
    for (const [conv, answer] of [
      ['c-yes', 'yes'],
      ['c-no', 'no'],
    ] as const) {
      await send(chat({ conv, from: 'zhangsan', text: '王总好，方案和报价都在这个群里沟通。', at: clock.now() }));
      await send(chat({ conv, from: 'cust-wang', name: '王总', text: '我们决定选你们了，老板已经拍板', at: new Date(clock.now().getTime() + 60_000) }));
      const [c] = await app.database.db
        .select()
        .from(dealConfirmations)
        .where(and(eq(dealConfirmations.kind, 'stage'), eq(dealConfirmations.status, 'pending')));
      expect(await app.sink.press({ platform: 'local', senderId: 'zhangsan', action: { kind: 'confirm', confirmationId: c!.id, answer } })).toEqual({
        status: 'applied',
      });
    }
    const lines = (await teamLabelLines(app.database.sql)).map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.action, l.value, l.role, l.lang, l.source, l.text])).toEqual([
      ['deal_won', true, 'customer', 'zh', 'confirmation', '我们决定选你们了，老板已经拍板'],
      ['deal_won', false, 'customer', 'zh', 'confirmation', '我们决定选你们了，老板已经拍板'],
    ]);
  });
  it("a stage move cancels its own deal's timers for the stage it left, whichever batch opened them, and no other deal's", async () => {
    const { app, clock } = t;
    const later = () => new Date(clock.now().getTime() + 60_000);
    const post = async (m: InboundMessage) => {
      clock.set(m.sentAt);
      await app.sink.message(m);
    };
    const quote = { name: '报价单.pdf' };
    // Two deals wait for their customer's reply (an early-stage silence timer each).
    await post(chat({ conv: 'c-stay', from: 'lisi', text: '赵经理您好，我是李四，负责贵司的项目。', at: later() }));
    await post(chat({ conv: 'c-move', from: 'zhangsan', text: '钱总您好，我是张三，负责贵司的项目。', at: later() }));
    await app.drain();
    // One of them moves on to 方案报价; beside it a third deal opens and moves, its timer opened and
    // cancelled in the same run of the analysis (or the next one).
    await post(chat({ conv: 'c-move', from: 'zhangsan', text: '钱总，报价单发您了：首年 18 万，含实施。', at: later(), attachments: [quote] }));
    await post(chat({ conv: 'c-both', from: 'lisi', text: '孙总您好，我是李四，负责贵司的项目。', at: later() }));
    await post(chat({ conv: 'c-both', from: 'lisi', text: '孙总，报价单发您了：首年 9 万。', at: later(), attachments: [quote] }));
    await app.drain();
    const timersOf = (conv: string) =>
      app.database.db
        .select({ ruleId: timers.ruleId, status: timers.status })
        .from(timers)
        .where(eq(timers.conversationId, `local:${conv}`))
        .orderBy(asc(timers.ruleId));
    expect(await timersOf('c-stay')).toEqual([{ ruleId: 'silence-early', status: 'pending' }]);
    const moved = [
      { ruleId: 'quote-no-reply-3d', status: 'pending' },
      { ruleId: 'silence-demo-proposal', status: 'pending' },
      { ruleId: 'silence-early', status: 'cancelled' },
    ];
    expect(await timersOf('c-move')).toEqual(moved);
    expect(await timersOf('c-both')).toEqual(moved);
  });

  it('shows who corrected and who confirmed in /deal', async () => {
    const { app, clock } = t;
    const step = async (m: InboundMessage) => {
      clock.set(m.sentAt);
      await app.sink.message(m);
      await app.drain();
    };
    const later = () => new Date(clock.now().getTime() + 60_000);
    const title = '鸿远物流 · 采购';
    await step({ ...chat({ conv: 'c-hy', from: 'zhangsan', text: '刘总好，合同已经发您邮箱了。', at: later() }), conversationTitle: title });
    await step({ ...chat({ conv: 'c-hy', from: 'cust-liu', name: '刘总', text: '我们决定选你们了，老板已经拍板', at: later() }), conversationTitle: title });
    const [asked] = await app.database.db
      .select()
      .from(dealConfirmations)
      .where(and(eq(dealConfirmations.kind, 'stage'), eq(dealConfirmations.status, 'pending')));
    clock.set(later());
    await app.sink.press({ platform: 'local', senderId: 'zhangsan', action: { kind: 'confirm', confirmationId: asked!.id, answer: 'yes' } });
    await app.drain();
    await step(dm('zhangsan', '/deal 鸿远物流 金额 20万', later()));
    await step(dm('zhangsan', '/deal 鸿远物流', later()));
    const [answer] = await app.database.db
      .select()
      .from(deliveries)
      .where(like(deliveries.idempotencyKey, 'reply:%'))
      .orderBy(desc(deliveries.createdAt))
      .limit(1);
    const text = answer!.message!.type === 'markdown' ? answer!.message!.text : '';
    expect(text).toMatch(/\*\*更正与确认\*\*\n\d\d-\d\d \d\d:\d\d {2}张三确认赢单\n\d\d-\d\d \d\d:\d\d {2}张三更正金额：（空） → 20万\n\n\*\*价值分 \d+\*\*：/);
  });
  it('a price complaint naming a rival after the quote moves the deal to 商务谈判, with the message as evidence', async () => {
    const { app, clock } = t;
    const later = () => new Date(clock.now().getTime() + 60_000);
    const step = async (m: InboundMessage) => {
      clock.set(m.sentAt);
      await app.sink.message(m);
      await app.drain();
    };
    await step(
      chat({ conv: 'c-rival', from: 'zhangsan', text: '吴总，报价单发您了：首年 30 万，含实施。', at: later(), attachments: [{ name: '报价单.pdf' }] }),
    );
    const dealOf = async (conv: string) => {
      const [c] = await app.database.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, `local:${conv}`));
      const [d] = await app.database.db.select().from(opportunities).where(eq(opportunities.id, c!.opportunityId!));
      return d!;
    };
    expect((await dealOf('c-rival')).stage).toBe('proposal');
    const text = '30 万太贵了，别家同样的功能才 20 万，你们能不能便宜点？';
    await step(chat({ conv: 'c-rival', from: 'cust-wu', name: '吴总', text, at: later() }));
    const deal = await dealOf('c-rival');
    expect(deal.stage).toBe('negotiation');
    const [move] = await app.database.db.select().from(stageChanges).where(eq(stageChanges.opportunityId, deal.id)).orderBy(desc(stageChanges.at)).limit(1);
    expect([move!.fromStage, move!.toStage]).toEqual(['proposal', 'negotiation']);
  });
});
