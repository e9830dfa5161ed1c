import { describe, expect, it } from 'vitest';
import { atomsForRule, searchAtoms } from '../../bots/coach/atoms.ts';
import type { DetectedAction } from '../../core/types.ts';
import { loadAtoms, loadPlaybook, ruleById } from './config-files.ts';

const atoms = loadAtoms();
const playbook = loadPlaybook();
const ids = (list: { id: string }[]) => list.map((a) => a.id);
const priceObjection: DetectedAction = { kind: 'objection_raised', objection: 'price', confidence: 0.9 };

describe('searchAtoms (/kb) over config/atoms.yaml', () => {
  it('/kb 价格异议 returns the three price-objection atoms', () => {
    expect(ids(searchAtoms(atoms, '价格异议'))).toEqual(['price-objection-early', 'price-objection-negotiation', 'price-objection-proposal']);
  });

  it('/kb 竞品异议 returns the three competitor atoms', () => {
    expect(ids(searchAtoms(atoms, '竞品异议')).sort()).toEqual(['competitor-cheaper', 'competitor-incumbent', 'competitor-named']);
  });

  it('/kb 演示跟进 puts the demo follow-up atom first', () => {
    expect(searchAtoms(atoms, '演示跟进')[0]?.id).toBe('demo-followup-48h');
  });

  it('respects max', () => {
    expect(searchAtoms(atoms, '价格异议', 1)).toHaveLength(1);
  });

  it.each([['qwertyuiop'], ['火星旅游签证'], [''], ['   ']])('a query matching nothing (%j) → []', (q) => {
    expect(searchAtoms(atoms, q)).toEqual([]);
  });
});

describe('atomsForRule with the default playbook', () => {
  const rule = ruleById(playbook, 'price-objection');

  it('a price objection at proposal ranks price-objection-proposal first', () => {
    expect(ids(atomsForRule(atoms, rule, priceObjection, 'proposal'))).toEqual(['price-objection-proposal', 'price-objection-early']);
  });

  it('a price objection at negotiation ranks price-objection-negotiation first', () => {
    expect(atomsForRule(atoms, rule, priceObjection, 'negotiation')[0]?.id).toBe('price-objection-negotiation');
  });

  it('a price objection at qualified ranks price-objection-early first', () => {
    expect(atomsForRule(atoms, rule, priceObjection, 'qualified')[0]?.id).toBe('price-objection-early');
  });

  it('a trigger-matched rule without an action attaches nothing', () => {
    expect(atomsForRule(atoms, rule, null, 'proposal')).toEqual([]);
  });

  it('a competitor objection gets only competitor atoms', () => {
    const found = atomsForRule(
      atoms,
      ruleById(playbook, 'competitor-objection'),
      { kind: 'objection_raised', objection: 'competitor', confidence: 0.9 },
      'demo',
      3,
    );
    expect(ids(found).sort()).toEqual(['competitor-cheaper', 'competitor-incumbent', 'competitor-named']);
  });

  it.each([
    ['demo-golden-48h', ['demo-followup-48h']],
    ['quote-no-reply-3d', ['quote-followup-silence']],
    ['question-unanswered-2h', ['unanswered-question-holding']],
  ])('rule %s attaches exactly its atom ids %j, whatever the action and stage', (ruleId, expected) => {
    expect(ids(atomsForRule(atoms, ruleById(playbook, ruleId), null, 'lead'))).toEqual(expected);
    expect(ids(atomsForRule(atoms, ruleById(playbook, ruleId), priceObjection, 'negotiation'))).toEqual(expected);
  });

  it('every atom id the default playbook names exists in the default atoms', () => {
    const named = playbook.rules.flatMap((r) => (r.atoms && 'ids' in r.atoms ? r.atoms.ids : []));
    expect(named.filter((id) => !atoms.has(id))).toEqual([]);
  });
});
