import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ActionClassifier, analyze, DEFAULT_MODEL_PATH, loadModel } from '../../analyzers/index.ts';
import { readCorpus } from '../../analyzers/corpus/schema.ts';
import { CUSTOMER_ONLY, REP_ONLY } from '../../analyzers/classifier/labels.ts';
import { CUSTOMER_ONLY_LABELS, REP_ONLY_LABELS } from '../../analyzers/corpus/schema.ts';
import { ACTION_KINDS } from '../../core/types.ts';
import type { ActionKind, AnalyzerRole } from '../../core/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const classifier = new ActionClassifier(loadModel(DEFAULT_MODEL_PATH));
const kinds = (role: AnalyzerRole, text: string, files?: string[]): ActionKind[] =>
  analyze({ role, text, ...(files ? { attachments: files.map((name) => ({ name })) } : {}) }).map((a) => a.kind);

describe('role-dependence', () => {
  it('the same words are a quote from a rep and a receipt or an ask from a customer', () => {
    expect(kinds('rep', '报价单发您了，请查收')).toContain('quote_sent');
    expect(kinds('customer', '报价单发您了，请查收')).not.toContain('quote_sent');
    expect(kinds('customer', '能给我们报个价吗？')).toContain('price_inquiry');
    expect(kinds('rep', '能给我们报个价吗？')).not.toContain('price_inquiry');
    expect(kinds('rep', "I've attached our quote for the 20 units.")).toContain('quote_sent');
    expect(kinds('customer', 'Can you send us a quote for 20 units?')).toEqual(['price_inquiry']);
  });

  it('never gives a rep-only action to a customer or a customer-only action to a rep', () => {
    const lines = readCorpus(join(ROOT, 'analyzers/corpus/train.jsonl')).filter((_, i) => i % 5 === 0);
    for (const line of lines) {
      const files = line.attachments?.map((a) => a.name);
      for (const k of kinds('customer', line.text, files)) expect(REP_ONLY, `${line.id} as customer`).not.toContain(k);
      for (const k of kinds('rep', line.text, files)) expect(CUSTOMER_ONLY, `${line.id} as rep`).not.toContain(k);
    }
  });

  it('uses the same role lists as the corpus schema', () => {
    expect([...REP_ONLY]).toEqual([...REP_ONLY_LABELS]);
    expect([...CUSTOMER_ONLY]).toEqual([...CUSTOMER_ONLY_LABELS]);
  });
});

describe('attachments', () => {
  it('decide when the text is generic', () => {
    expect(kinds('rep', '见附件', ['报价单_华东医疗_v2.pdf'])).toEqual(['quote_sent']);
    expect(kinds('rep', '', ['智慧仓储解决方案.pptx'])).toEqual(['proposal_sent']);
    expect(kinds('rep', '请查收', ['设备参数表_X200.xlsx'])).toEqual(['material_sent']);
    expect(kinds('rep', 'pls find attached', ['Service_Agreement_2024.docx'])).toEqual(['contract_sent']);
  });

  it('give nothing for screenshots, photos, minutes and invoices', () => {
    expect(kinds('rep', '见附件', ['IMG_20240611_1030.jpg'])).toEqual([]);
    expect(kinds('rep', 'see attached', ['Invoice_2291.pdf'])).toEqual([]);
    expect(kinds('rep', '会议纪要见附件', ['会议纪要_0611.docx'])).toEqual([]);
  });

  it("a customer's file never makes a rep action, but a customer's PO wins the deal", () => {
    expect(kinds('customer', '见附件', ['报价单_v2.pdf'])).not.toContain('quote_sent');
    expect(kinds('customer', 'PO attached', ['PO_4500123.pdf'])).toContain('deal_won');
  });

  it('carries the material type of the file', () => {
    const [action] = analyze({ role: 'rep', text: '发您看看', attachments: [{ name: '产品演示视频.mp4' }] });
    expect(action).toMatchObject({ kind: 'material_sent', materialType: 'video' });
  });
});

describe('the output', () => {
  it('lists actions once each, in catalogue order, each with its calibrated probability as confidence', () => {
    const input = { role: 'customer' as const, text: '你们比销售易贵太多了，他们才8万，我们再考虑考虑' };
    const out = analyze(input);
    expect(out.length).toBeGreaterThan(0);
    const order = out.map((a) => ACTION_KINDS.indexOf(a.kind));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(out.map((a) => a.kind)).size).toBe(out.length);
    const raw = classifier.raw(input);
    for (const a of out) {
      const k = ACTION_KINDS.indexOf(a.kind);
      expect(a.confidence).toBeLessThanOrEqual(1);
      // The confidence is the probability, not a rescaled score: at or above the action's threshold.
      if (a.kind !== 'competitor_mentioned') expect(a.confidence).toBeCloseTo(raw.probs[k] ?? NaN, 3);
      expect(a.confidence).toBeGreaterThanOrEqual((raw.thresholds[k] ?? 1) - 1e-3);
    }
  });

  it('types every objection, and a competitor objection also mentions the competitor', () => {
    const out = analyze({ role: 'customer', text: 'Salesforce quoted us 20% less for the same seats.' });
    const raised = out.find((a) => a.kind === 'objection_raised');
    expect(raised?.objection).toBe('competitor');
    expect(out.find((a) => a.kind === 'competitor_mentioned')).toMatchObject({ competitor: 'Salesforce' });
  });

  it('reads the amount of a quote', () => {
    const quote = analyze({ role: 'rep', text: '这套含税落地价是86.5万' }).find((a) => a.kind === 'quote_sent');
    expect(quote?.amount).toBe(865000);
    expect(quote?.perUnit).toBeUndefined();
  });

  it.each([
    ['每台八千块，十台起订', 8000, true],
    ['800元/人，含教材', 800, true],
    ['3.5k per seat per year', 3500, true],
    ['It comes to $12k a year.', 12000, false],
    ['年费三万五，含培训', 35000, false],
  ])('marks a price per unit, head, day or month, not a year: %s', (text, amount, perUnit) => {
    const quote = analyze({ role: 'rep', text }).find((a) => a.kind === 'quote_sent');
    expect(quote?.amount).toBe(amount);
    expect(quote?.perUnit === true).toBe(perUnit);
  });

  it('is deterministic and handles empty or odd text', () => {
    const input = { role: 'rep' as const, text: '明天上午十点到贵司演示，会议室麻烦帮忙订一下' };
    expect(analyze(input)).toEqual(analyze(input));
    expect(analyze({ role: 'customer', text: '' })).toEqual([]);
    expect(analyze({ role: 'customer', text: '👍👍' })).toEqual([]);
    expect(() => analyze({ role: 'rep', text: 'x'.repeat(20_000) })).not.toThrow();
  });

  it('a lost deal is not also won, nor an objection', () => {
    const out = kinds('customer', '我们决定不续约了，已经换成别家了');
    expect(out).toContain('deal_lost');
    expect(out).not.toContain('deal_won');
    expect(out).not.toContain('objection_raised');
  });
});
