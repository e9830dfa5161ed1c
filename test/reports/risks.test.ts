/**
 * Stalls and risks: thresholds from the team's won deals (the playbook's while they are few), the
 * flags with their evidence, the ranking, and who sees them in `/team` and `/deal`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogHolder } from '../../bots/catalog/watch.ts';
import { answerCommand } from '../../bots/commands/answer.ts';
import { parseCommand } from '../../bots/commands/parse.ts';
import { type DealRisk, dealRisks, silenceCutoff } from '../../bots/reports/risks.ts';
import { addWorkingDays } from '../../core/zoned-time.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { actions, conversations, messages, opportunities, stageChanges, timers } from '../../db/schema/index.ts';
import type { StoredActionKind } from '../../db/schema/enums.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';
import { createDocumentStorage } from '../../bots/documents/storage.ts';
import type { Config } from '../../core/config.ts';

/** What /share needs besides the database: the document storage and the working hours. */
const extras = (config: Config) => ({
  documents: { storage: createDocumentStorage(config), publicUrl: 'http://127.0.0.1:3000' },
  wh: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
});

const NOW = new Date('2026-11-27T10:00:00+08:00'); // a Friday
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const wh = { timeZone: 'Asia/Shanghai', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };

let copy: TestDb;
let dir: string;
let database: Database;
let catalog: CatalogHolder;

interface DealSeed {
  id: string;
  name: string;
  owner: string;
  stage: string;
  stageAt: Date;
  status?: 'open' | 'won' | 'lost';
  contacts?: string[];
  awaiting?: Date;
  lastRep?: Date;
  amount?: number;
  moves?: [string, string, Date][];
  msgs?: { id: string; who: 'rep' | 'customer'; text: string; at: Date; name?: string; acts?: StoredActionKind[]; attrs?: Record<string, unknown> }[];
}

async function insertDeal(d: DealSeed): Promise<void> {
  const { db } = database;
  const created = ago(200);
  await db.insert(opportunities).values({
    id: d.id,
    name: d.name,
    ownerId: d.owner,
    stage: d.stage,
    stageAt: d.stageAt,
    status: d.status ?? 'open',
    amount: d.amount ?? null,
    createdAt: d.moves ? created : ago(30),
    updatedAt: NOW,
    contacts: d.contacts ?? ['c1'],
    awaitingReplySince: d.awaiting ?? null,
    lastRepAt: d.lastRep ?? null,
  });
  await db
    .insert(conversations)
    .values({ id: `wecom:${d.id}`, platform: 'wecom', chatId: d.id, chatType: 'group', opportunityId: d.id, ownerId: d.owner, createdAt: created });
  if (d.moves) {
    await db.insert(stageChanges).values(d.moves.map(([fromStage, toStage, at], i) => ({ id: `${d.id}-s${i}`, opportunityId: d.id, fromStage, toStage, at })));
  }
  for (const m of d.msgs ?? []) {
    await db.insert(messages).values({
      id: m.id,
      platform: 'wecom',
      platformMessageId: m.id,
      conversationId: `wecom:${d.id}`,
      senderId: m.who === 'rep' ? d.owner : 'c1',
      senderName: m.name ?? null,
      personId: m.who === 'rep' ? d.owner : null,
      role: m.who,
      kind: 'text',
      text: m.text,
      sentAt: m.at,
      receivedAt: m.at,
      analyzedAt: m.at,
    });
    for (const kind of m.acts ?? []) {
      await db.insert(actions).values({
        id: `${m.id}-${kind}`,
        messageId: m.id,
        conversationId: `wecom:${d.id}`,
        opportunityId: d.id,
        personId: m.who === 'rep' ? d.owner : null,
        kind,
        confidence: 0.9,
        attrs: m.attrs ?? {},
        at: m.at,
      });
    }
  }
}

beforeAll(async () => {
  copy = await openTestDb();
  ({ database, dataDir: dir } = copy);
  catalog = await CatalogHolder.open(database.db, createLogger({ level: 'silent' }));
  // Twelve won deals of 华东一组 that spent 1..12 days in 方案报价 and 3 in 商务谈判:
  // the 75th percentile of 1..12 is 9.25 days.
  for (let k = 1; k <= 12; k++) {
    const t0 = ago(200).getTime();
    const at = (d: number) => new Date(t0 + d * DAY);
    await insertDeal({
      id: `won-${k}`,
      name: `赢单${k}`,
      owner: k % 2 ? 'zhangsan' : 'lisi',
      stage: 'won',
      stageAt: at(7 + k),
      status: 'won',
      moves: [
        ['lead', 'contacted', at(1)],
        ['contacted', 'qualified', at(2)],
        ['qualified', 'demo', at(3)],
        ['demo', 'proposal', at(4)],
        ['proposal', 'negotiation', at(4 + k)],
        ['negotiation', 'won', at(7 + k)],
      ],
    });
  }
  // 15 days in 方案报价, one contact, a price objection nobody answered.
  await insertDeal({
    id: 'opp-a',
    name: '华东医疗',
    owner: 'zhangsan',
    stage: 'proposal',
    stageAt: ago(15),
    amount: 480_000,
    msgs: [
      { id: 'a0', who: 'customer', text: '别家才 30 万', at: ago(5), acts: ['competitor_mentioned'] },
      {
        id: 'a1',
        who: 'customer',
        text: '48 万？太贵了，别家便宜两成',
        at: ago(3),
        acts: ['objection_raised', 'competitor_mentioned'],
        attrs: { objection: 'price' },
      },
    ],
  });
  // Healthy: two contacts, one of them 周院长 (a decision-maker), an objection handled within the hour.
  await insertDeal({
    id: 'opp-b',
    name: '苏州精密',
    owner: 'zhangsan',
    stage: 'proposal',
    stageAt: ago(3),
    contacts: ['c1', 'c2'],
    msgs: [
      { id: 'b1', who: 'customer', name: '周院长', text: '价格能不能再低一点', at: ago(2), acts: ['objection_raised'], attrs: { objection: 'price' } },
      { id: 'b2', who: 'rep', text: '我们按三年总成本算给您看', at: new Date(ago(2).getTime() + 3_600_000), acts: ['objection_handled'] },
    ],
  });
  // A competitor named and not answered; 院长周四开会 promised an answer by 11-26 and we stayed silent.
  await insertDeal({
    id: 'opp-c',
    name: '杭州制造',
    owner: 'lisi',
    stage: 'negotiation',
    stageAt: ago(2),
    contacts: ['c1', 'c2'],
    lastRep: ago(3),
    msgs: [
      { id: 'c1', who: 'customer', text: '院长周四开会，周四给您答复', at: ago(4), acts: ['next_step_agreed'] },
      { id: 'c2', who: 'customer', text: '别家便宜两成', at: ago(1), acts: ['competitor_mentioned'] },
    ],
  });
  await database.db.insert(timers).values({
    id: 't-promise',
    ruleId: 'promised-date',
    opportunityId: 'opp-c',
    conversationId: 'wecom:opp-c',
    repId: 'lisi',
    triggerMessageId: 'c1',
    triggerAt: ago(4),
    expect: {},
    startedAt: new Date('2026-11-26T09:00:00+08:00'),
    nudgeAt: new Date('2026-11-26T09:00:00+08:00'),
    dueAt: new Date('2026-11-26T09:00:00+08:00'),
    status: 'fired',
    firedAt: new Date('2026-11-26T09:00:00+08:00'),
  });
  // 华北二组 has no won deals: the playbook's 7 days for 演示 apply. Our message unanswered 8 days.
  await insertDeal({ id: 'opp-d', name: '北京物流', owner: 'zhaomin', stage: 'demo', stageAt: ago(10), awaiting: ago(8), lastRep: ago(8) });
  await insertDeal({ id: 'opp-e', name: '已输单客户', owner: 'zhangsan', stage: 'lost', stageAt: ago(40), status: 'lost' });
}, 120_000);

afterAll(async () => {
  await copy?.cleanup();
});

const params = () => ({ now: NOW, funnel: catalog.current.playbook.funnel, rules: catalog.current.playbook.rules, wh });
const kinds = (d: DealRisk | undefined) => d?.flags.map((f) => f.kind);
const text = (m: OutboundMessage) => (m.type === 'markdown' ? `${m.title}\n${m.text}` : m.type === 'text' ? m.text : JSON.stringify(m));

describe('dealRisks', () => {
  it('ranks the open deals by their flags, each flag with its evidence', async () => {
    const list = await dealRisks(database.db, { ...params(), scope: { all: true } });
    expect(list.map((d) => d.id)).toEqual(['opp-a', 'opp-c', 'opp-d', 'opp-b']);
    const [a, c, d, b] = list;
    expect(kinds(a)).toEqual(['objection_unhandled', 'competitor_unanswered', 'stalled', 'no_decision_maker', 'single_threaded']);
    // The latest unanswered mention, the same message as the objection: quoted once, with the objection.
    expect(a!.flags[0]!.evidence).toBe('客户异议未回应 「48 万？太贵了，别家便宜两成」');
    expect(a!.flags[1]!.evidence).toBe('客户提到竞品未回应（同一条消息）');
    expect(a!.nextAction).toContain('/kb 价格异议');
    expect(kinds(c)).toEqual(['promise_passed', 'competitor_unanswered', 'no_decision_maker']);
    // 院长 is talked about, not in the chat: the flag quotes where the customer said so.
    expect(c!.flags[2]!.evidence).toBe('还没有决策人参与沟通；客户提到「院长周四开会，周四给您答复」');
    expect(c!.flags[0]!.evidence).toBe('约定的日子已过（11-26）「院长周四开会，周四给您答复」');
    expect(c!.flags[1]!.evidence).toBe('客户提到竞品未回应 「别家便宜两成」');
    expect(kinds(d)).toEqual(['silent', 'stalled', 'no_decision_maker', 'single_threaded']);
    expect(d!.flags[0]!.evidence).toBe('客户 8 天未回复（我方 11-19 发出后）');
    expect(kinds(b)).toEqual([]);
    expect(b!.nextAction).toBeNull();
  });

  it('leaves a promised day to its day: passed only once the whole day went by', async () => {
    const sameDay = await dealRisks(database.db, { ...params(), now: new Date('2026-11-26T17:00:00+08:00'), scope: { all: true }, dealId: 'opp-c' });
    expect(kinds(sameDay[0])).not.toContain('promise_passed');
  });

  it("stalls on the 75th percentile of the team's won deals, on the playbook's days while they are few", async () => {
    const list = await dealRisks(database.db, { ...params(), scope: { all: true } });
    const a = list.find((x) => x.id === 'opp-a')!;
    expect(a.threshold).toEqual({ days: 9.25, source: 'team', wonDeals: 12 });
    expect(a.flags.find((f) => f.kind === 'stalled')!.evidence).toBe('在「方案报价」已停留 15 天，超过团队赢单商机在此阶段的第75百分位 9.3 天');
    // Three days in 商务谈判 is what the won deals needed: two days is no stall.
    expect(list.find((x) => x.id === 'opp-c')!.threshold).toMatchObject({ days: 3, source: 'team' });
    expect(list.find((x) => x.id === 'opp-d')!.threshold).toEqual({ days: 7, source: 'playbook', wonDeals: 0 });
    const strict = await dealRisks(database.db, { ...params(), scope: { all: true }, dealId: 'opp-a', minWon: 13 });
    expect(strict.map((x) => x.threshold)).toEqual([{ days: 14, source: 'playbook', wonDeals: 12 }]);
  });

  it('keeps to its scope: a team, an owner, one deal; closed deals are not at risk', async () => {
    const east = await dealRisks(database.db, { ...params(), scope: { teamIds: ['east'] } });
    expect(east.map((d) => d.id).sort()).toEqual(['opp-a', 'opp-b', 'opp-c']);
    const lisi = await dealRisks(database.db, { ...params(), scope: { ownerId: 'lisi' } });
    expect(lisi.map((d) => d.id)).toEqual(['opp-c']);
    expect(await dealRisks(database.db, { ...params(), scope: { all: true }, dealId: 'opp-e' })).toEqual([]);
  });
});

describe('silenceCutoff', () => {
  it('agrees with working-day arithmetic for every message time of the last three weeks', () => {
    for (const days of [1, 3, 4]) {
      const cutoff = silenceCutoff(days, NOW, wh);
      for (let t = NOW.getTime() - 21 * DAY; t <= NOW.getTime(); t += 47 * 60_000) {
        const since = new Date(t);
        expect(since.getTime() <= cutoff, `${days} days from ${since.toISOString()}`).toBe(addWorkingDays(since, days, wh).getTime() <= NOW.getTime());
      }
    }
  });
});

describe('risks in /team and /deal', () => {
  const ask = async (personId: string, command: string) => {
    const person = catalog.current.person(personId)!;
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    return text(await answerCommand({ tx: database.db, catalog, config, person, platform: 'local', now: NOW, ...extras(config) }, parseCommand(command)!));
  };

  it("/team lists a manager's risky deals, riskiest first, each with one next action", async () => {
    const east = await ask('wangjing', '/team 本周');
    const block = east.slice(east.indexOf('**风险商机**'));
    expect(block).toContain('1. 华东医疗 · 张三 · 方案报价 · 48万');
    expect(block).toContain('2. 杭州制造 · 李四 · 商务谈判');
    expect(block).toContain('→ 回应客户的价格异议');
    expect(block).not.toContain('北京物流');
    expect(block).not.toContain('苏州精密');
    expect(block).toContain('还没有决策人参与沟通；客户提到「院长周四开会，周四给您答复」');
    const north = await ask('liuqiang', '/team');
    expect(north).toContain('1. 北京物流 · 赵敏 · 演示');
    expect(north).toContain('剧本默认 7 天');
    expect(north).not.toContain('华东医疗');
  });

  it("/rep lists the risks of that person's deals, to themselves and their manager", async () => {
    const own = await ask('zhangsan', '/rep');
    expect(own).toContain('1. 华东医疗 · 方案报价 · 48万');
    expect(own).not.toContain('杭州制造');
    const lisi = await ask('wangjing', '/rep 李四');
    expect(lisi).toContain('1. 杭州制造 · 商务谈判');
    expect(lisi).not.toContain('华东医疗');
    const refused = await ask('zhangsan', '/rep 李四');
    expect(refused).not.toContain('杭州制造');
  });

  it('a rep gets no team list, and sees the risks of their own deals only', async () => {
    expect(await ask('zhangsan', '/team')).toContain('团队概览只对销售经理开放');
    const own = await ask('zhangsan', '/deal 华东医疗');
    expect(own).toContain('**风险**（在「方案报价」15 天）');
    expect(own).toContain('- 客户异议未回应 「48 万？太贵了，别家便宜两成」');
    expect(own).toContain('→ 建议：回应客户的价格异议');
    expect(own).toContain('- 还没有决策人参与沟通');
    expect(await ask('zhangsan', '/deal 苏州精密')).toContain('**风险** 暂无风险信号');
    const other = await ask('zhangsan', '/deal 杭州制造');
    expect(other).toContain('没有找到');
    expect(other).not.toContain('风险');
    expect(await ask('wangjing', '/deal 北京物流')).toContain('没有找到');
    expect(await ask('liuqiang', '/deal 北京物流')).toContain('- 客户 8 天未回复');
  });
});

describe('the decision-maker flag', () => {
  it('is lifted by a decision-maker who speaks, by name or title or in their own words', async () => {
    const seen = async (id: string, msg: { text: string; name?: string }) => {
      await insertDeal({
        id,
        name: id,
        owner: 'zhaomin',
        stage: 'proposal',
        stageAt: ago(1),
        contacts: ['c1', 'c2'],
        msgs: [{ id: `${id}-m`, who: 'customer', at: ago(1), ...msg }],
      });
      const [d] = await dealRisks(database.db, { ...params(), scope: { all: true }, dealId: id });
      return !kinds(d)!.includes('no_decision_maker');
    };
    expect(await seen('dm-title', { name: '李总监', text: '好的' })).toBe(true);
    expect(await seen('dm-boss', { name: '王总', text: '收到' })).toBe(true);
    expect(await seen('dm-ceo', { name: 'Amy (CEO)', text: 'ok' })).toBe(true);
    expect(await seen('dm-self', { name: '小陈', text: '我是这边的采购负责人，方案发我就行' })).toBe(true);
    expect(await seen('dm-none', { name: '小陈', text: '我回去和领导汇报一下' })).toBe(false);
    const [d] = await dealRisks(database.db, { ...params(), scope: { all: true }, dealId: 'dm-none' });
    expect(d!.flags.find((f) => f.kind === 'no_decision_maker')!.evidence).toBe('还没有决策人参与沟通（客户联系人：小陈）；客户提到「我回去和领导汇报一下」');
  });
});
