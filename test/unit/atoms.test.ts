import { describe, expect, it } from 'vitest';
import { chooseAtoms, searchAtoms } from '../../bots/coaching/atoms.ts';
import type { DetectedAction, Topic } from '../../core/types.ts';
import { loadCatalog, loadPlaybook, ruleById } from './config-files.ts';

const catalog = loadCatalog();
const playbook = loadPlaybook();
const ids = (list: { id: string }[]) => list.map((a) => a.id);
const priceObjection: DetectedAction = { kind: 'objection_raised', objection: 'price', confidence: 0.9 };
const none = new Set<string>();

const choose = (
  ruleId: string,
  o: { action?: DetectedAction | null; topics?: Topic[]; stage?: string; text?: string; valueScore?: number; exclude?: Set<string> },
) =>
  ids(
    chooseAtoms(catalog, {
      rule: ruleById(playbook, ruleId),
      action: o.action ?? null,
      topics: o.topics ?? [],
      stage: o.stage ?? 'proposal',
      valueScore: o.valueScore ?? 0,
      text: o.text ?? '',
      exclude: o.exclude ?? none,
    }),
  );

describe('searchAtoms (/kb) over config/atoms.yaml', () => {
  it('/kb 价格异议 returns price-objection atoms', () => {
    expect(ids(searchAtoms(catalog, '价格异议')).every((id) => id.startsWith('price-objection'))).toBe(true);
  });

  it('/kb 竞品异议 returns competitor atoms', () => {
    expect(ids(searchAtoms(catalog, '竞品异议')).every((id) => id.startsWith('competitor'))).toBe(true);
  });

  it('/kb 演示跟进 puts the demo follow-up atom first', () => {
    expect(searchAtoms(catalog, '演示跟进')[0]?.id).toBe('demo-followup-48h');
  });

  it('respects max', () => {
    expect(searchAtoms(catalog, '价格异议', 1)).toHaveLength(1);
  });

  it.each([['qwertyuiop'], ['火星旅游签证'], [''], ['   ']])('a query matching nothing (%j) → []', (q) => {
    expect(searchAtoms(catalog, q)).toEqual([]);
  });
});

describe('chooseAtoms with the default playbook', () => {
  it('a price objection at proposal ranks price-objection-proposal first', () => {
    expect(choose('price-objection', { action: priceObjection, stage: 'proposal', text: '太贵了' })[0]).toBe('price-objection-proposal');
  });

  it('a price objection at negotiation ranks price-objection-negotiation first', () => {
    expect(choose('price-objection', { action: priceObjection, stage: 'negotiation', text: '太贵了' })[0]).toBe('price-objection-negotiation');
  });

  it('a price objection at qualified ranks price-objection-early first', () => {
    expect(choose('price-objection', { action: priceObjection, stage: 'qualified', text: '太贵了' })[0]).toBe('price-objection-early');
  });

  it('a relevance rule with neither an action nor a topic attaches nothing', () => {
    expect(choose('price-objection', { stage: 'proposal', text: '你好' })).toEqual([]);
  });

  it('a data-security question gets a security atom, not the invoice talk-track', () => {
    const found = choose('topic-security', { topics: ['security'], text: '你们数据存在哪里？要过等保吗？' });
    expect(found.length).toBeGreaterThan(0);
    for (const id of found) expect(catalog.atoms.get(id)?.about).toContain('security');
  });

  it('a discount request gets a discount atom fitting the stage', () => {
    const found = choose('topic-discount', { topics: ['discount'], text: '能打个八折吗', stage: 'negotiation' });
    expect(catalog.atoms.get(found[0]!)?.about).toContain('discount');
  });

  it('never the same atom twice for a deal within the week: pushed ones are excluded', () => {
    const first = choose('price-objection', { action: priceObjection, stage: 'proposal', text: '太贵了' });
    const again = choose('price-objection', { action: priceObjection, stage: 'proposal', text: '太贵了', exclude: new Set(first) });
    expect(again.filter((id) => first.includes(id))).toEqual([]);
  });

  it('a value-score floor keeps strategic atoms from small deals', () => {
    const small = choose('topic-executive', { topics: ['executive'], text: '董事长想跟你们老板见个面', valueScore: 10 });
    expect(small).not.toContain('strategic-exec-sponsor');
  });

  it.each([
    ['demo-golden-48h', ['demo-followup-48h']],
    ['quote-no-reply-3d', ['quote-followup-silence']],
    ['question-unanswered-2h', ['unanswered-question-holding']],
    ['deal-lost-review', ['deal-lost-review']],
  ])('rule %s attaches exactly its atom ids %j, whatever the action and stage', (ruleId, expected) => {
    expect(choose(ruleId, { stage: 'lead' })).toEqual(expected);
    expect(choose(ruleId, { action: priceObjection, stage: 'negotiation' })).toEqual(expected);
  });

  it('every atom id the default playbook names exists in the default atoms', () => {
    const named = playbook.rules.flatMap((r) => (r.atoms && 'ids' in r.atoms ? r.atoms.ids : []));
    expect(named.filter((id) => !catalog.atoms.has(id))).toEqual([]);
  });
});
