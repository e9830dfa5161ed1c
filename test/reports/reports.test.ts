import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveVisibleTeamIds } from '../../bots/reports/access.ts';
import { dealTimeline, findOpportunities } from '../../bots/reports/deal.ts';
import { funnel } from '../../bots/reports/funnel.ts';
import { parsePeriod } from '../../bots/reports/period.ts';
import { findPeople, repSummary } from '../../bots/reports/rep.ts';
import { renderDealMatches, renderDealTimeline, renderFunnel, renderRepSummary, renderTeamSummary } from '../../bots/reports/render.ts';
import { teamSummary } from '../../bots/reports/team.ts';
import type { TeamSummary } from '../../bots/reports/team.ts';
import type { Database, Db } from '../../db/client.ts';
import { openEmptyDatabase } from '../helpers/app.ts';
import { loadPlaybook } from '../unit/config-files.ts';
import { NOW, TZ, VIEW, seed, t } from './fixture.ts';
import { eq } from 'drizzle-orm';
import { opportunities, people, stageChanges, teams } from '../../db/schema/index.ts';

const { funnel: playbookFunnel } = loadPlaybook();
let dir: string;
let database: Database;
let db: Db;

beforeAll(async () => {
  ({ database, dataDir: dir } = await openEmptyDatabase());
  db = database.db;
  await seed(db);
});

afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

const thisWeek = () => parsePeriod('本周', NOW, TZ);
const lastWeek = () => parsePeriod('上周', NOW, TZ);

async function east(period = thisWeek()): Promise<TeamSummary> {
  const [summary] = await teamSummary(db, { teamIds: ['east'], ...period, now: NOW, funnel: playbookFunnel });
  if (!summary) throw new Error('no summary for east');
  return summary;
}

describe('teamSummary', () => {
  it('lists the active reps of the team by name, not the inactive one or the manager', async () => {
    const s = await east();
    expect(s.teamName).toBe('华东一组');
    expect(s.reps.map((r) => r.name)).toEqual(['张三', '李四']);
  });

  it("counts a rep's conversations, actions of both sides, moves, overdue, nudges and atoms", async () => {
    const m = (await east()).reps.find((r) => r.personId === 'zhangsan')!.metrics;
    // 华东医疗 and 苏州精密; not the 1:1 chat with the bot.
    expect(m.conversations).toBe(2);
    expect(m.actions).toEqual({
      total: 7,
      ours: 4,
      customer: 3,
      byKind: {
        price_inquiry: 1,
        quote_sent: 1,
        objection_raised: 1,
        competitor_mentioned: 1,
        objection_handled: 1,
        contract_sent: 1,
        meeting_scheduled: 1,
      },
    });
    expect(m.stageMoves.map((x) => `${x.opportunityName} ${x.fromStage}>${x.toStage}`)).toEqual([
      '华东医疗 demo>proposal',
      '苏州精密 lead>demo',
      '华东医疗 proposal>negotiation',
    ]);
    // t1 pending past due, t2 fulfilled late, t7 fired with no rep (the owner's); not the
    // cancelled t3, the on-time t4, the not-yet-due t5 or last week's t6.
    expect(m.overdue.count).toBe(3);
    expect(m.overdue.open).toBe(2);
    expect(m.overdue.late).toBe(1);
    expect(m.overdue.byRule).toEqual([
      { ruleId: 'demo-material-48h', ruleName: '演示后48小时内发资料', count: 1 },
      { ruleId: 'quote-follow-up-3d', ruleName: 'quote-follow-up-3d', count: 1 },
      { ruleId: 'unanswered-2h', ruleName: 'unanswered-2h', count: 1 },
    ]);
    expect(m.nudges).toEqual({ received: 4, useful: 1, used: 1, notUseful: 1 });
    expect(m.atomIds).toEqual(['atom-a', 'atom-b']);
  });

  it('includes what happened at the first instant of the period and excludes the second before', async () => {
    const m = (await east()).reps.find((r) => r.personId === 'lisi')!.metrics;
    expect(m.conversations).toBe(2);
    expect(m.actions.byKind).toEqual({ next_step_agreed: 1 });
    expect(m.actions.customer).toBe(1);
    expect(m.stageMoves).toHaveLength(3);
    expect(m.overdue.count).toBe(0);
    expect(m.nudges.received).toBe(0);
  });

  it('sums the team, counting an atom used by two reps once', async () => {
    const totals = (await east()).totals;
    expect(totals.conversations).toBe(4);
    expect(totals.actions.total).toBe(8);
    expect(totals.stageMoves).toHaveLength(6);
    expect(totals.overdue.count).toBe(3);
    expect(totals.nudges.received).toBe(4);
    expect(totals.atomIds).toEqual(['atom-a', 'atom-b']);
  });

  it('last week has its own figures', async () => {
    const s = await east(lastWeek());
    const zs = s.reps.find((r) => r.personId === 'zhangsan')!.metrics;
    expect(zs.conversations).toBe(1);
    expect(zs.actions.byKind).toEqual({ buying_signal: 1 });
    expect(zs.stageMoves).toHaveLength(1);
    expect(zs.overdue).toMatchObject({ count: 1, open: 1, late: 0 });
    expect(zs.nudges).toMatchObject({ received: 1, useful: 1 });
    expect(zs.atomIds).toEqual(['atom-d']);
    const ls = s.reps.find((r) => r.personId === 'lisi')!.metrics;
    expect(ls.actions.byKind).toEqual({ follow_up: 1 });
  });

  it('answers several teams in the order asked and skips unknown ones', async () => {
    const all = await teamSummary(db, { teamIds: ['north', 'nowhere', 'east'], ...thisWeek(), now: NOW, funnel: playbookFunnel });
    expect(all.map((s) => s.teamId)).toEqual(['north', 'east']);
    expect(all[0]!.reps.map((r) => r.name)).toEqual(['赵敏']);
    expect(all[0]!.totals.actions.byKind).toEqual({ quote_sent: 1 });
    expect(await teamSummary(db, { teamIds: [], ...thisWeek(), now: NOW, funnel: playbookFunnel })).toEqual([]);
  });

  it('renders a compact Chinese markdown block per rep', async () => {
    const msg = renderTeamSummary(await east(), thisWeek(), VIEW);
    expect(msg.type).toBe('markdown');
    if (msg.type !== 'markdown') return;
    expect(msg.title).toBe('华东一组 · 本周团队概览');
    expect(msg.text).toContain('11-23 至 11-27 10:00');
    expect(msg.text).toContain('**合计** 会话 4 · 关键动作 8（');
    expect(msg.text).toContain('**张三**\n会话 2 · 关键动作 7（');
    expect(msg.text).toContain('阶段推进 3 · 超时未跟进 3 · 提醒 4（有用 2）· 采用话术 2');
    expect(msg.text).toContain('推进：华东医疗 演示→方案报价；苏州精密 线索→演示；华东医疗 方案报价→商务谈判');
    expect(msg.text).toContain('**李四**\n会话 2 · 关键动作 1（约定下一步 1）· 阶段推进 3 · 超时未跟进 0 · 提醒 0 · 采用话术 1');
    expect(msg.text).not.toContain('王五');
  });

  it('says so plainly when there is nothing', async () => {
    const empty = renderTeamSummary(await east(parsePeriod('上月', NOW, TZ)), parsePeriod('上月', NOW, TZ), VIEW);
    expect(empty).toMatchObject({ type: 'markdown', title: '华东一组 · 上月团队概览' });
    expect(empty.text).toContain('10-01 至 10-31');
    expect(empty.text).toContain('上月暂无数据');
    const [west] = await teamSummary(db, { teamIds: ['west'], ...thisWeek(), now: NOW, funnel: playbookFunnel });
    expect(renderTeamSummary(west!, thisWeek(), VIEW).text).toContain('西南三组暂无在职销售');
  });
});

describe('repSummary', () => {
  it('gives one rep the same figures and their open deals', async () => {
    const s = await repSummary(db, { personId: 'zhangsan', ...thisWeek(), now: NOW, funnel: playbookFunnel });
    expect(s).not.toBeNull();
    expect(s!.person).toMatchObject({ name: '张三', teamName: '华东一组' });
    expect(s!.metrics.actions.total).toBe(7);
    expect(s!.metrics.overdue.count).toBe(3);
    // Most recently updated first; ACME Robotics is won, so not open.
    expect(s!.openDeals.map((d) => `${d.name}:${d.stage}`)).toEqual(['华东医疗二期:lead', '华东医疗:negotiation', '苏州精密:demo']);
    expect(await repSummary(db, { personId: 'nobody', ...thisWeek(), now: NOW, funnel: playbookFunnel })).toBeNull();
  });

  it('renders the figures in full', async () => {
    const s = (await repSummary(db, { personId: 'zhangsan', ...thisWeek(), now: NOW, funnel: playbookFunnel }))!;
    const msg = renderRepSummary(s, thisWeek(), VIEW);
    expect(msg).toMatchObject({ type: 'markdown', title: '张三 · 本周个人概览' });
    expect(msg.text).toContain('关键动作 7（');
    expect(msg.text).not.toContain('、…');
    expect(msg.text).toContain('**关键动作** 我方 4 · 客户 3');
    expect(msg.text).toContain('- 11-24 10:05 华东医疗 演示 → 方案报价');
    expect(msg.text).toContain('**超时未跟进** 3（仍未跟进 2 · 迟到完成 1）');
    expect(msg.text).toContain('- 演示后48小时内发资料 1');
    expect(msg.text).toContain('- 华东医疗 · 商务谈判 · 12.8万');
  });

  it('finds people by part of their name within scope', async () => {
    expect((await findPeople(db, '张', { teamIds: ['east'] })).map((p) => p.id)).toEqual(['zhangsan']);
    expect(await findPeople(db, '赵敏', { teamIds: ['east'] })).toEqual([]);
    expect((await findPeople(db, '赵敏', { all: true })).map((p) => p.id)).toEqual(['zhaomin']);
  });
});

describe('deals', () => {
  it('finds deals by name, case-insensitive, within the scope', async () => {
    expect((await findOpportunities(db, '物流', { teamIds: ['east'] })).map((d) => d.name)).toEqual(['李四物流']);
    expect((await findOpportunities(db, '物流', { all: true })).map((d) => d.name).sort()).toEqual(['北京物流', '李四物流']);
    expect((await findOpportunities(db, '物流', { ownerId: 'zhaomin' })).map((d) => d.name)).toEqual(['北京物流']);
    expect((await findOpportunities(db, 'acme', { ownerId: 'zhangsan' })).map((d) => d.name)).toEqual(['ACME Robotics']);
    // The exact name first, although 华东医疗二期 was updated later.
    expect((await findOpportunities(db, '华东医疗', { teamIds: ['east'] })).map((d) => d.name)).toEqual(['华东医疗', '华东医疗二期']);
    // LIKE wildcards in the query match themselves.
    expect(await findOpportunities(db, '%', { all: true })).toEqual([]);
    expect(await findOpportunities(db, '物流', { teamIds: [] })).toEqual([]);
  });

  it('builds a time-ordered timeline with evidence', async () => {
    const tl = await dealTimeline(db, 'opp-hd');
    expect(tl).not.toBeNull();
    expect(tl!.deal).toMatchObject({ name: '华东医疗', ownerName: '张三', ownerTeamId: 'east', stage: 'negotiation', amount: 128000 });
    const rows = tl!.entries.map((e) => (e.type === 'action' ? e.kind : `${e.fromStage}>${e.toStage}`));
    expect(rows).toEqual([
      'buying_signal',
      'contacted>demo',
      'price_inquiry',
      'quote_sent',
      'demo>proposal',
      'objection_raised',
      'competitor_mentioned',
      'objection_handled',
      'contract_sent',
      'proposal>negotiation',
    ]);
    const times = tl!.entries.map((e) => e.at.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const quote = tl!.entries[3]!;
    expect(quote.evidence).toMatchObject({ speaker: '张三', role: 'rep', messageId: 'm2' });
    expect(Array.from(quote.evidence!.text)).toHaveLength(60);
    expect(quote.evidence!.text.endsWith('…')).toBe(true);
    const ask = tl!.entries[2]!;
    expect(ask.evidence).toMatchObject({ speaker: '客户', text: '能报个价吗？我们预算有限' });
    expect(ask.at).toEqual(t('11-24 09:00'));
    // A bare file is its own evidence.
    expect(tl!.entries[9]!.evidence!.text).toBe('【文件】采购合同.docx');

    expect(await dealTimeline(db, 'opp-none')).toBeNull();
  });

  it('renders the timeline as dated lines', async () => {
    const msg = renderDealTimeline((await dealTimeline(db, 'opp-hd'))!, VIEW);
    expect(msg).toMatchObject({ type: 'markdown', title: '华东医疗 · 商机时间线' });
    expect(msg.text).toContain('负责人 张三 · 阶段 商务谈判 · 金额 12.8万');
    expect(msg.text).toContain('11-24 09:00  询价 · 客户「能报个价吗？我们预算有限」');
    expect(msg.text).toContain('11-24 10:05  报价（12.8万）· 张三「王总，这套是 12.8 万');
    expect(msg.text).toContain('11-25 14:00  提出异议（价格）· 客户「价格还是太高了，别家便宜两成」');
    expect(msg.text).toContain('11-26 11:00  阶段 方案报价 → 商务谈判 ·「【文件】采购合同.docx」');
    // Markup in chat text cannot restyle the message.
    expect(msg.text).toContain('报价单＿v2＿final.pdf');
    expect(msg.text.indexOf('11-24 10:05  报价')).toBeLessThan(msg.text.indexOf('11-24 10:05  阶段 演示 → 方案报价'));
    expect(msg.text.split('\n').filter((l) => /^\d\d-\d\d \d\d:\d\d {2}/.test(l))).toHaveLength(10);
  });

  it('lists several matches, or none', async () => {
    const msg = renderDealMatches('华东', await findOpportunities(db, '华东', { teamIds: ['east'] }), VIEW);
    expect(msg.text).toContain('找到 2 个商机');
    expect(msg.text).toContain('- 华东医疗 · 张三 · 商务谈判 · 12.8万');
    expect(renderDealMatches('不存在', [], VIEW).text).toContain('没有找到名称包含「不存在」的商机');
  });
});

describe('funnel', () => {
  it('counts every stage a deal passed and converts along the same deals', async () => {
    const f = await funnel(db, { teamIds: ['east'], ...thisWeek() });
    const byStage = Object.fromEntries(f.rows.map((r) => [r.stage, [r.reached, r.advanced, r.conversion]]));
    expect(byStage).toEqual({
      lead: [1, 1, 1], // 苏州精密, created this week
      contacted: [1, 1, 1], // passed by 苏州精密's jump to demo
      qualified: [1, 1, 1],
      demo: [2, 1, 0.5], // 苏州精密 stopped there, 杭州制造 went on
      proposal: [3, 1, 1 / 3], // 华东医疗 and 王五教育 entered from demo, 杭州制造 too
      negotiation: [1, 0, 0],
      won: [0, 0, null],
    });
    expect(f.lost).toBe(1);
    expect(f.deals).toBe(5);
  });

  it('keeps teams apart and periods apart', async () => {
    const north = await funnel(db, { teamIds: ['north'], ...thisWeek() });
    expect(north.rows.map((r) => r.reached)).toEqual([1, 1, 1, 1, 1, 0, 0]);
    const last = await funnel(db, { teamIds: ['east'], ...lastWeek() });
    expect(last.rows.find((r) => r.stage === 'demo')!.reached).toBe(1);
    expect(last.deals).toBe(1);
    expect((await funnel(db, { teamIds: [], ...thisWeek() })).deals).toBe(0);
  });

  it('starts a deal where the first of its same-instant moves started, whatever their row ids', async () => {
    const at = thisWeek().from;
    const later = new Date(at.getTime() + 3_600_000);
    await db.insert(teams).values({ id: 'south', name: '华南四组' });
    await db.insert(people).values({ id: 'chenliu', name: '陈六', role: 'rep', teamId: 'south' });
    await db
      .insert(opportunities)
      .values({ id: 'opp-gz', name: '广州仪器', ownerId: 'chenliu', stage: 'demo', stageAt: later, createdAt: at, updatedAt: later });
    // Row ids sort against the chain: the second step's id comes first.
    await db.insert(stageChanges).values([
      { id: 'a-second', opportunityId: 'opp-gz', fromStage: 'qualified', toStage: 'demo', at: later, source: 'auto' },
      { id: 'z-first', opportunityId: 'opp-gz', fromStage: 'lead', toStage: 'qualified', at: later, source: 'auto' },
    ]);
    try {
      const f = await funnel(db, { teamIds: ['south'], ...thisWeek() });
      expect(f.rows.map((r) => r.reached)).toEqual([1, 1, 1, 1, 0, 0, 0]);
    } finally {
      await db.delete(stageChanges).where(eq(stageChanges.opportunityId, 'opp-gz'));
      await db.delete(opportunities).where(eq(opportunities.id, 'opp-gz'));
      await db.delete(people).where(eq(people.id, 'chenliu'));
      await db.delete(teams).where(eq(teams.id, 'south'));
    }
  });

  it('renders stages with conversion', async () => {
    const f = await funnel(db, { teamIds: ['east'], ...thisWeek() });
    const msg = renderFunnel(f, thisWeek(), { ...VIEW, scopeName: '华东一组' });
    expect(msg).toMatchObject({ type: 'markdown', title: '华东一组 · 本周销售漏斗' });
    expect(msg.text).toContain('共 5 个商机');
    expect(msg.text).toContain('**演示** 2 · 转化 50%（1）');
    expect(msg.text).toContain('**方案报价** 3 · 转化 33.3%（1）');
    expect(msg.text).toContain('**赢单** 0\n**丢单** 1');
    const empty = renderFunnel(await funnel(db, { teamIds: ['west'], ...thisWeek() }), thisWeek(), { ...VIEW, scopeName: '西南三组' });
    expect(empty.text).toContain('本周暂无数据');
  });
});

describe('access against the directory', () => {
  it('spells out all teams for an admin, only their own for a manager', async () => {
    const admin = await resolveVisibleTeamIds(db, { id: 'ops', role: 'admin', teamId: null, manages: [], active: true });
    expect([...admin].sort()).toEqual(['east', 'north', 'west']);
    expect(await resolveVisibleTeamIds(db, { id: 'wangjing', role: 'manager', teamId: 'east', manages: ['east'], active: true })).toEqual(['east']);
  });
});
