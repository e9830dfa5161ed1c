import { describe, expect, it } from 'vitest';
import { DEFAULT_POST_SALE, DEFAULT_WIN_PRIORS, funnelSchema, playbookFileSchema, ruleSchema, valueScoreSchema } from '../../bots/catalog/schema.ts';
import { postSaleTerms } from '../../bots/deals/deal-events.ts';
import { loadPlaybook, ruleById } from './config-files.ts';

const baseRule = { id: 'demo-followup', name: 'x', on: { action: 'meeting_scheduled' }, title: 't', hint: 'h' };
const baseFunnel = {
  stages: ['lead', 'contacted', 'proposal', 'won', 'lost'],
  closed: ['won', 'lost'],
  moves: [{ action: 'quote_sent', to: 'proposal' }],
};

describe('playbook schema: durations', () => {
  it.each([
    ['48h', 172_800_000],
    ['30m', 1_800_000],
    ['3d', 259_200_000],
    ['2h', 7_200_000],
    ['1.5h', 5_400_000],
  ])('within: %s → %i ms', (within, ms) => {
    const rule = ruleSchema.parse({ ...baseRule, expect: { action: 'material_sent' }, within });
    expect(rule.within).toBe(ms);
  });

  it('nudgeAt is read the same way', () => {
    expect(ruleSchema.parse({ ...baseRule, nudgeAt: '24h' }).nudgeAt).toBe(86_400_000);
  });

  it.each([['48'], ['48 h'], ['2w'], ['h'], ['-1h']])('rejects the duration %j', (within) => {
    expect(ruleSchema.safeParse({ ...baseRule, expect: { action: 'material_sent' }, within }).success).toBe(false);
  });
});

describe('playbook schema: rules', () => {
  it('fills the defaults of a minimal rule', () => {
    const rule = ruleSchema.parse(baseRule);
    expect(rule).toMatchObject({ startAt: 'message', workingHours: true, enabled: true });
    expect(rule.expect).toBeUndefined();
  });

  it('defaults expect.by to rep', () => {
    const rule = ruleSchema.parse({ ...baseRule, expect: { action: 'material_sent' }, within: '48h' });
    expect(rule.expect).toEqual({ action: 'material_sent', by: 'rep' });
  });

  it('rejects expect without within', () => {
    expect(ruleSchema.safeParse({ ...baseRule, expect: { action: 'material_sent' } }).success).toBe(false);
  });

  it('takes within without expect (a reminder), and refuses a commitment start without a commitment trigger', () => {
    expect(ruleSchema.safeParse({ ...baseRule, within: '48h' }).success).toBe(true);
    expect(ruleSchema.safeParse({ ...baseRule, startAt: 'commitment', nudgeAt: '0' }).success).toBe(false);
    expect(ruleSchema.safeParse({ ...baseRule, on: { commitment: 'any' }, startAt: 'commitment', nudgeAt: '0' }).success).toBe(true);
  });

  it('rejects an unknown action and an unknown objection', () => {
    expect(ruleSchema.safeParse({ ...baseRule, on: { action: 'quote_received' } }).success).toBe(false);
    expect(ruleSchema.safeParse({ ...baseRule, on: { action: 'objection_raised', objection: 'weather' } }).success).toBe(false);
  });

  it('takes after / before as a key action the deal has had or not, and refuses an unknown one or both naming the same', () => {
    const rule = ruleSchema.parse({ ...baseRule, after: { action: 'contract_sent' } });
    expect(rule.after).toEqual({ action: 'contract_sent' });
    expect(rule.before).toBeUndefined();
    expect(ruleSchema.safeParse({ ...baseRule, before: { action: 'contract_sent' } }).success).toBe(true);
    expect(ruleSchema.safeParse({ ...baseRule, after: { action: 'contract_signed' } }).success).toBe(false);
    expect(ruleSchema.safeParse({ ...baseRule, after: 'contract_sent' }).success).toBe(false);
    const never = ruleSchema.safeParse({ ...baseRule, after: { action: 'quote_sent' }, before: { action: 'quote_sent' } });
    expect(never.error?.issues.map((i) => i.path)).toEqual([['before']]);
    expect(ruleSchema.safeParse({ ...baseRule, after: { action: 'quote_sent' }, before: { action: 'contract_sent' } }).success).toBe(true);
  });

  it('rejects an id that is not kebab-case', () => {
    expect(ruleSchema.safeParse({ ...baseRule, id: 'Demo Followup' }).success).toBe(false);
  });
});

describe('playbook schema: funnel', () => {
  it('accepts a funnel whose names are all stages', () => {
    expect(funnelSchema.parse(baseFunnel).moves).toEqual([{ action: 'quote_sent', to: 'proposal' }]);
  });

  it('rejects a move to an unknown stage, naming the path', () => {
    const r = funnelSchema.safeParse({ ...baseFunnel, moves: [{ action: 'quote_sent', to: 'quoted' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toEqual([['moves', 0, 'to']]);
  });

  it('rejects an unknown `after`, closed stage or firstRepMessage', () => {
    expect(funnelSchema.safeParse({ ...baseFunnel, moves: [{ action: 'quote_sent', to: 'proposal', after: 'demo' }] }).success).toBe(false);
    expect(funnelSchema.safeParse({ ...baseFunnel, closed: ['won', 'dead'] }).success).toBe(false);
    expect(funnelSchema.safeParse({ ...baseFunnel, firstRepMessage: 'touched' }).success).toBe(false);
  });

  it('takes aliases of known stages that name no other stage', () => {
    const labels = { lead: '线索', proposal: '方案报价', lost: '丢单' };
    expect(funnelSchema.parse({ ...baseFunnel, labels, aliases: { lost: ['输单', 'Dead'] } }).aliases).toEqual({ lost: ['输单', 'Dead'] });
    expect(funnelSchema.parse(baseFunnel).aliases).toEqual({});
    const unknown = funnelSchema.safeParse({ ...baseFunnel, aliases: { qualified: ['已确认需求'] } });
    expect(unknown.error?.issues.map((i) => i.path)).toEqual([['aliases', 'qualified']]);
    // 「方案报价」 is proposal's name, and ＬＥＡＤ (full-width) lead's id: either would move a deal elsewhere.
    const taken = funnelSchema.safeParse({ ...baseFunnel, labels, aliases: { lost: ['方案报价', 'ＬＥＡＤ'] } });
    expect(taken.error?.issues.map((i) => i.message)).toEqual(['方案报价 already names stage proposal', 'ＬＥＡＤ already names stage lead']);
  });

  it('rejects a playbook file whose funnel names an unknown stage', () => {
    expect(playbookFileSchema.safeParse({ funnel: { ...baseFunnel, firstRepMessage: 'touched' }, rules: [] }).success).toBe(false);
  });
});

describe('the default config/playbooks.yaml', () => {
  it('parses, with durations in milliseconds', () => {
    const playbook = loadPlaybook();
    expect(playbook.funnel.stages).toEqual(['lead', 'contacted', 'qualified', 'demo', 'proposal', 'negotiation', 'won', 'lost']);
    expect(ruleById(playbook, 'demo-golden-48h')).toMatchObject({ within: 172_800_000, nudgeAt: 86_400_000, startAt: 'meeting' });
    expect(ruleById(playbook, 'quote-no-reply-3d').within).toBe(259_200_000);
    expect(ruleById(playbook, 'question-unanswered-2h')).toMatchObject({ within: 7_200_000, workingHours: true });
  });

  it('speaks of a contract in the negotiation stage only after one was sent', () => {
    const playbook = loadPlaybook();
    expect(ruleById(playbook, 'silence-contract')).toMatchObject({ stages: ['negotiation'], after: { action: 'contract_sent' } });
    const without = ruleById(playbook, 'silence-negotiation');
    expect(without).toMatchObject({ stages: ['negotiation'], before: { action: 'contract_sent' }, within: ruleById(playbook, 'silence-contract').within });
    expect(`${without.title}${without.hint}`).not.toContain('合同');
    expect(without.atoms).toBeUndefined();
  });
});

describe('playbook schema: forecast priors and post-sale points', () => {
  const score = {
    weights: { amount: 35, engagement: 20, buyingSignals: 30, responsiveness: 15 },
    amountFull: 1,
    engagementFull: 1,
    buyingSignalsFull: 1,
    responsiveFullHours: 1,
  };

  it('takes win priors per known stage, between 0 and 1, and leaves them to the defaults when absent', () => {
    expect(funnelSchema.parse({ ...baseFunnel, winPriors: { lead: 0.1, proposal: 0.5 } }).winPriors).toEqual({ lead: 0.1, proposal: 0.5 });
    expect(funnelSchema.parse(baseFunnel).winPriors).toBeUndefined();
    const unknown = funnelSchema.safeParse({ ...baseFunnel, winPriors: { demo: 0.3 } });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(['winPriors', 'demo']);
    expect(funnelSchema.safeParse({ ...baseFunnel, winPriors: { lead: 1.5 } }).success).toBe(false);
  });

  it('fills the post-sale points with today’s values, and refuses bounds the wrong way round', () => {
    expect(valueScoreSchema.parse(score).postSale).toEqual(DEFAULT_POST_SALE);
    const own = { ...DEFAULT_POST_SALE, referral: 8, bounds: { ...DEFAULT_POST_SALE.bounds, referral: [0, 24] } };
    expect(valueScoreSchema.parse({ ...score, postSale: own }).postSale.referral).toBe(8);
    const wrong = { ...DEFAULT_POST_SALE, bounds: { ...DEFAULT_POST_SALE.bounds, ticket: [0, -15] } };
    expect(valueScoreSchema.safeParse({ ...score, postSale: wrong }).success).toBe(false);
  });

  it('the shipped playbook writes out the defaults, so an admin sees what to edit', () => {
    const pb = loadPlaybook();
    expect(pb.funnel.winPriors).toEqual(DEFAULT_WIN_PRIORS);
    expect(pb.valueScore?.postSale).toEqual(DEFAULT_POST_SALE);
  });

  it('the post-sale terms follow the playbook’s points', () => {
    const counts = { paymentsOnTime: 2, paymentsLate: 0, referrals: 2, ticketsLow: 0, ticketsMedium: 1, ticketsHigh: 0, renewals: 0 };
    expect(postSaleTerms(counts)).toMatchObject({ payment: 6, referral: 10, ticket: -3 });
    const own = { ...DEFAULT_POST_SALE, referral: 8, bounds: { ...DEFAULT_POST_SALE.bounds, referral: [0, 12] as [number, number] } };
    expect(postSaleTerms(counts, own)).toMatchObject({ payment: 6, referral: 12, ticket: -3 });
  });
});
