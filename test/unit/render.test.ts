import { describe, expect, it } from 'vitest';
import { customerOf, fillTrack, renderNudge } from '../../bots/coaching/render.ts';
import { parseCardValue } from '../../core/card-actions.ts';
import { atomById, loadAtoms } from './config-files.ts';

const atoms = loadAtoms();

describe('customerOf', () => {
  it.each([
    ['华东医疗 · 患者随访平台项目', '华东医疗'],
    ['华东医疗·HIS 升级', '华东医疗'],
    ['华东医疗 | 二期', '华东医疗'],
    ['华东医疗', '华东医疗'],
    [null, null],
    ['', null],
  ])('%j → %j', (name, expected) => {
    expect(customerOf(name)).toBe(expected);
  });
});

describe('fillTrack', () => {
  it('fills {客户} {称呼} {竞品} with what is known, every occurrence', () => {
    expect(fillTrack('{称呼}，{竞品}也不错；{客户}和{客户}的同行', { customer: '华东医疗', contact: '李主任', competitor: '销售易' })).toBe(
      '李主任，销售易也不错；华东医疗和华东医疗的同行',
    );
  });

  it('falls back to neutral words when a value is unknown', () => {
    expect(fillTrack('{称呼}，{竞品}的方案和{客户}的需求', { customer: null })).toBe('您好，对方的方案和贵司的需求');
  });

  it('does not write a track with a placeholder the deal cannot fill', () => {
    expect(fillTrack('{称呼}，{日期}前定下来', { contact: '王总' })).toBeNull();
    expect(fillTrack('我是{销售}', {})).toBeNull();
    expect(fillTrack('我是{销售}', { rep: '张三' })).toBe('我是张三');
  });
});

describe('renderNudge', () => {
  const card = renderNudge({
    nudgeId: 'nudge-42',
    title: '客户提出价格异议',
    hint: '先确认顾虑，再谈价值。',
    dealName: '华东医疗 · 患者随访平台项目',
    evidence: { text: '你们这个价格太贵了，超出预算不少', label: '客户原话' },
    atoms: [atomById(atoms, 'price-objection-proposal'), atomById(atoms, 'price-objection-early')],
    vars: { contact: '李主任' },
  });

  it('is a card with the three feedback buttons, each parsing back to the nudge id', () => {
    if (card.type !== 'card') throw new Error(`expected a card, got ${card.type}`);
    expect(card.title).toBe('💡 客户提出价格异议');
    expect(card.buttons.map((b) => b.label)).toEqual(['有用', '没用', '已使用']);
    expect(card.buttons.map((b) => parseCardValue(b.value))).toEqual([
      { kind: 'feedback', nudgeId: 'nudge-42', value: 'useful' },
      { kind: 'feedback', nudgeId: 'nudge-42', value: 'not_useful' },
      { kind: 'feedback', nudgeId: 'nudge-42', value: 'used' },
    ]);
  });

  it("shows the deal, the customer's words, the hint, the first atom and a pointer to the second", () => {
    if (card.type !== 'card') throw new Error('expected a card');
    expect(card.text).toContain('**商机**：华东医疗 · 患者随访平台项目');
    expect(card.text).toContain('**客户原话**：「你们这个价格太贵了，超出预算不少」');
    expect(card.text).toContain('**建议**：先确认顾虑，再谈价值。');
    expect(card.text).toContain('**话术 · 价格异议（方案阶段）：把总价拆成单位价值和总拥有成本**');
    expect(card.text).toContain('**也可参考**：价格异议（需求确认/演示阶段）：先对齐价值，再谈价格（/kb 价格异议）');
  });

  it('fills the talk-tracks with the contact and the customer taken from the deal name', () => {
    if (card.type !== 'card') throw new Error('expected a card');
    expect(card.text).toContain('1. 李主任，总价看着确实不小');
    expect(card.text).toContain('和华东医疗现在的做法放在一起比');
    expect(card.text).not.toMatch(/\{客户\}|\{称呼\}/);
  });

  it('clips a long customer quote to 80 characters', () => {
    const long = '贵'.repeat(100);
    const m = renderNudge({ nudgeId: 'n', title: 't', hint: 'h', dealName: null, evidence: { text: long, label: '客户原话' }, atoms: [] });
    if (m.type !== 'card') throw new Error('expected a card');
    expect(m.text).toContain(`「${'贵'.repeat(79)}…」`);
    expect(m.text).not.toContain('**商机**');
  });

  it('a nudge with no atoms still has its hint and buttons', () => {
    const m = renderNudge({ nudgeId: 'n-7', title: 't', hint: '先回一句确认收到。', dealName: null, evidence: null, atoms: [] });
    if (m.type !== 'card') throw new Error('expected a card');
    expect(m.text).toBe('**建议**：先回一句确认收到。');
    expect(m.buttons).toHaveLength(3);
  });

  // The quote follow-up atom's second track starts "{称呼}好，…": with no contact name known
  // (fire-timer passes contact: null when the conversation has none) the rep is handed "您好好，…".
  it('quote follow-up with no known contact does not greet the customer with "您好好"', () => {
    const m = renderNudge({
      nudgeId: 'n-3d',
      title: '报价三天没有回音',
      hint: '换个角度跟进。',
      dealName: '华东医疗 · 患者随访平台项目',
      evidence: null,
      atoms: [atomById(atoms, 'quote-followup-silence')],
      vars: { contact: null },
    });
    if (m.type !== 'card') throw new Error('expected a card');
    expect(m.text).not.toContain('您好好');
  });
});
