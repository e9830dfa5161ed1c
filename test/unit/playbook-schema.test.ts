import { describe, expect, it } from 'vitest';
import { funnelSchema, playbookFileSchema, ruleSchema } from '../../bots/catalog/schema.ts';
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
});
