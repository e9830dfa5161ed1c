import { describe, expect, it } from 'vitest';
import type { ActionKind, MeetingType, ObjectionType } from '../../core/types.ts';
import { firstContactStage, linkStage, movesForward, movesWithoutAsking } from '../../bots/deals/stages.ts';
import { loadPlaybook } from './config-files.ts';

const { funnel } = loadPlaybook();
const act = (kind: ActionKind, objection?: ObjectionType, meetingType?: MeetingType) => ({
  kind,
  confidence: 0.95,
  ...(objection ? { objection } : {}),
  ...(meetingType ? { meetingType } : {}),
});

describe('linkStage with the default funnel (config/playbooks.yaml)', () => {
  it('a quote moves a qualified deal to proposal', () => {
    expect(linkStage(funnel, 'qualified', [act('quote_sent')])).toEqual({ from: 'qualified', to: 'proposal', actionIndex: 0 });
  });

  it('a proposal moves a demo deal to proposal', () => {
    expect(linkStage(funnel, 'demo', [act('proposal_sent')])).toEqual({ from: 'demo', to: 'proposal', actionIndex: 0 });
  });

  it('a contract moves a proposal deal to negotiation', () => {
    expect(linkStage(funnel, 'proposal', [act('contract_sent')])).toEqual({ from: 'proposal', to: 'negotiation', actionIndex: 0 });
  });

  it('a demo meeting moves a contacted deal to demo; a visit or a call does not', () => {
    expect(linkStage(funnel, 'contacted', [act('meeting_scheduled', undefined, 'demo')])).toEqual({ from: 'contacted', to: 'demo', actionIndex: 0 });
    expect(linkStage(funnel, 'contacted', [act('meeting_scheduled', undefined, 'visit')])).toBeNull();
    expect(linkStage(funnel, 'contacted', [act('meeting_scheduled', undefined, 'call')])).toBeNull();
  });

  it('a price objection before the proposal moves a contacted deal only to qualified', () => {
    expect(linkStage(funnel, 'contacted', [act('objection_raised', 'price')])).toEqual({ from: 'contacted', to: 'qualified', actionIndex: 0 });
  });

  it('a price objection at demo (before the proposal) moves nothing', () => {
    expect(linkStage(funnel, 'demo', [act('objection_raised', 'price')])).toBeNull();
  });

  it('a price objection at proposal moves the deal to negotiation', () => {
    expect(linkStage(funnel, 'proposal', [act('objection_raised', 'price')])).toEqual({ from: 'proposal', to: 'negotiation', actionIndex: 0 });
  });

  it('a price objection at negotiation stays at negotiation', () => {
    expect(linkStage(funnel, 'negotiation', [act('objection_raised', 'price')])).toBeNull();
  });

  // 「30 万太贵了，别家同样的功能才 20 万」 is a competitor objection (ACTIONS.md: it rests on another
  // vendor), and after the proposal it is bargaining with a rival's offer, as a price objection is.
  it('a competitor objection at proposal moves the deal to negotiation', () => {
    expect(linkStage(funnel, 'proposal', [act('objection_raised', 'competitor')])).toEqual({ from: 'proposal', to: 'negotiation', actionIndex: 0 });
  });

  it('a competitor objection before the proposal moves only to qualified, at demo nothing', () => {
    expect(linkStage(funnel, 'contacted', [act('objection_raised', 'competitor')])).toEqual({ from: 'contacted', to: 'qualified', actionIndex: 0 });
    expect(linkStage(funnel, 'demo', [act('objection_raised', 'competitor')])).toBeNull();
  });

  it('other objections at proposal stay at proposal', () => {
    for (const o of ['timing', 'authority', 'need', 'trust'] as const) expect(linkStage(funnel, 'proposal', [act('objection_raised', o)])).toBeNull();
  });

  it('never moves backward: a price inquiry at proposal → null', () => {
    expect(linkStage(funnel, 'proposal', [act('price_inquiry')])).toBeNull();
  });

  it('never moves backward: a quote at negotiation → null', () => {
    expect(linkStage(funnel, 'negotiation', [act('quote_sent')])).toBeNull();
  });

  it('an action with no move (follow_up, material_sent) → null', () => {
    expect(linkStage(funnel, 'demo', [act('follow_up'), act('material_sent')])).toBeNull();
  });

  it('no actions → null', () => {
    expect(linkStage(funnel, 'lead', [])).toBeNull();
  });

  it.each([['lead'], ['contacted'], ['qualified'], ['demo'], ['proposal'], ['negotiation']])('deal_won from %s → won', (stage) => {
    expect(linkStage(funnel, stage, [act('deal_won')])).toEqual({ from: stage, to: 'won', actionIndex: 0 });
  });

  it('deal_lost from negotiation → lost', () => {
    expect(linkStage(funnel, 'negotiation', [act('deal_lost')])).toEqual({ from: 'negotiation', to: 'lost', actionIndex: 0 });
  });

  it('won is final: deal_lost after won → null', () => {
    expect(linkStage(funnel, 'won', [act('deal_lost')])).toBeNull();
  });

  it('lost is final: deal_won or a contract after lost → null', () => {
    expect(linkStage(funnel, 'lost', [act('deal_won')])).toBeNull();
    expect(linkStage(funnel, 'lost', [act('contract_sent')])).toBeNull();
  });

  it('several actions: the furthest stage wins, with the index of the action that caused it', () => {
    expect(linkStage(funnel, 'contacted', [act('price_inquiry'), act('quote_sent'), act('meeting_scheduled')])).toEqual({
      from: 'contacted',
      to: 'proposal',
      actionIndex: 1,
    });
  });

  it('several actions: a closing action beats an open stage wherever it is in the list', () => {
    expect(linkStage(funnel, 'proposal', [act('contract_sent'), act('deal_won')])).toEqual({ from: 'proposal', to: 'won', actionIndex: 1 });
    expect(linkStage(funnel, 'qualified', [act('deal_won'), act('contract_sent')])).toEqual({ from: 'qualified', to: 'won', actionIndex: 0 });
  });

  it('openOnly leaves the close out: the furthest open stage the same actions reach', () => {
    expect(linkStage(funnel, 'proposal', [act('contract_sent'), act('deal_won')], { openOnly: true })).toEqual({
      from: 'proposal',
      to: 'negotiation',
      actionIndex: 0,
    });
    expect(linkStage(funnel, 'contacted', [act('deal_won'), act('buying_signal')], { openOnly: true })).toEqual({
      from: 'contacted',
      to: 'qualified',
      actionIndex: 1,
    });
    expect(linkStage(funnel, 'proposal', [act('deal_won')], { openOnly: true })).toBeNull();
  });

  it('several actions where only the later one moves: index of the later one', () => {
    expect(linkStage(funnel, 'qualified', [act('follow_up'), act('buying_signal'), act('contract_sent')])).toEqual({
      from: 'qualified',
      to: 'negotiation',
      actionIndex: 2,
    });
  });
});

describe('firstContactStage', () => {
  it("a rep's first message moves a lead to contacted", () => {
    expect(firstContactStage(funnel, 'lead')).toBe('contacted');
  });

  it.each([['contacted'], ['qualified'], ['proposal'], ['won'], ['lost']])('does nothing at %s', (stage) => {
    expect(firstContactStage(funnel, stage)).toBeNull();
  });
});

describe('movesWithoutAsking: a close or a jump over stages needs a precise signal', () => {
  const move = (from: string, to: string) => ({ from, to, actionIndex: 0 });

  it('a close on a guess is asked, a close on a precise signal is taken', () => {
    expect(movesWithoutAsking(funnel, move('proposal', 'won'), { kind: 'deal_won', confidence: 0.51 })).toBe(false);
    expect(movesWithoutAsking(funnel, move('proposal', 'won'), { kind: 'deal_won', confidence: 0.9, precise: true })).toBe(true);
    expect(movesWithoutAsking(funnel, move('demo', 'lost'), { kind: 'deal_lost', confidence: 0.6 })).toBe(false);
  });

  it('the next stage, or one stage over, is taken; a longer jump needs a confident action', () => {
    expect(movesWithoutAsking(funnel, move('qualified', 'demo'), { kind: 'meeting_scheduled', confidence: 0.55 })).toBe(true);
    expect(movesWithoutAsking(funnel, move('qualified', 'proposal'), { kind: 'quote_sent', confidence: 0.55 })).toBe(true);
    expect(movesWithoutAsking(funnel, move('qualified', 'negotiation'), { kind: 'contract_sent', confidence: 0.6 })).toBe(false);
    expect(movesWithoutAsking(funnel, move('qualified', 'negotiation'), { kind: 'contract_sent', confidence: 0.95 })).toBe(true);
  });

  it('a fresh lead may pass contact and qualification without question', () => {
    expect(movesWithoutAsking(funnel, move('contacted', 'proposal'), { kind: 'quote_sent', confidence: 0.55 })).toBe(true);
    expect(movesWithoutAsking(funnel, move('lead', 'negotiation'), { kind: 'contract_sent', confidence: 0.55 })).toBe(false);
  });
});

describe('movesForward: what the reports count as 推进', () => {
  it.each([
    ['lead', 'contacted'],
    ['contacted', 'negotiation'],
    ['negotiation', 'won'],
    ['demo', 'lost'],
  ])('%s → %s goes forward', (from, to) => {
    expect(movesForward(funnel, from, to)).toBe(true);
  });

  it.each([
    ['negotiation', 'qualified'],
    ['proposal', 'proposal'],
    ['lost', 'negotiation'],
    ['won', 'lost'],
    ['lost', 'won'],
  ])('%s → %s does not (a correction back, a reopening, a close changed)', (from, to) => {
    expect(movesForward(funnel, from, to)).toBe(false);
  });
});
