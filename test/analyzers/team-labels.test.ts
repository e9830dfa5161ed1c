import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { K } from '../../analyzers/classifier/labels.ts';
import { decodeModel, encodeModel } from '../../analyzers/classifier/model.ts';
import { ActionClassifier } from '../../analyzers/classifier/predict.ts';
import { DEFAULT_OPTIONS, toExamples, toLabelExamples, train } from '../../analyzers/classifier/train.ts';
import type { Example } from '../../analyzers/classifier/train.ts';
import { readCorpus } from '../../analyzers/corpus/schema.ts';
import { countTeamLabels, readTeamLabels, TeamLabelFormatError } from '../../analyzers/corpus/team-labels.ts';
import { ACTION_KINDS } from '../../core/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = join(ROOT, 'test/analyzers/fixtures/team-labels.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'team-labels-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ok = {
  id: 'lbl-1',
  lang: 'zh',
  role: 'customer',
  text: '合同盖好章寄出了',
  action: 'deal_won',
  value: true,
  source: 'confirmation',
  at: '2026-11-20T09:15:00.000Z',
};
function write(lines: unknown[]): string {
  const path = join(tmp, `l${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(path, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return path;
}

describe('team-label files (npx dealwise export-labels)', () => {
  it('reads the fixture; of two labels on one message and action the later one wins', () => {
    const labels = readTeamLabels(FIXTURE);
    expect(labels.map((l) => l.id)).toEqual(['lbl-0001', 'lbl-0002', 'lbl-0003', 'lbl-0004', 'lbl-0005', 'lbl-0007', 'lbl-0008', 'lbl-0009']);
    expect(labels.find((l) => l.text === '能打个八折吗' && l.action === 'objection_raised')).toMatchObject({ value: false, source: 'correction' });
    expect(countTeamLabels(labels)).toMatchObject({ positive: 6, negative: 2, byAction: { deal_won: { true: 3, false: 1 } } });
  });

  const bad: [string, unknown][] = [
    ['a rep-only action said by a customer, as true', { ...ok, action: 'quote_sent' }],
    ['an objection type without objection_raised', { ...ok, objection: 'price' }],
    ['an unknown source', { ...ok, source: 'guess' }],
    ['a date that is not ISO', { ...ok, at: 'yesterday' }],
    ['an id without lbl-', { ...ok, id: 'x-1' }],
    ['an unknown field', { ...ok, labels: ['deal_won'] }],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}, naming file and line`, () => {
      const path = write([ok, value]);
      expect(() => readTeamLabels(path)).toThrow(TeamLabelFormatError);
      expect(() => readTeamLabels(path)).toThrow(`${path}:2:`);
    });
  }

  it('accepts a false label of an action the role cannot carry (it says nothing new, but is not wrong)', () => {
    expect(readTeamLabels(write([{ ...ok, action: 'quote_sent', value: false }]))).toHaveLength(1);
  });
});

describe('training with team labels', () => {
  // A small, fast model: a third of the training split, fewer epochs; identity calibration, threshold 0.5.
  const lines = readCorpus(join(ROOT, 'analyzers/corpus/train.jsonl')).filter((_, i) => i % 3 === 0);
  const options = { ...DEFAULT_OPTIONS, epochs: 10, ensemble: 1 };
  const examples = toExamples(lines, options.hashBits);
  const classifierOf = (extra: Example[]): ActionClassifier => {
    const m = train([...examples, ...extra], options);
    const encoded = encodeModel({
      hashBits: options.hashBits,
      scaleText: options.scaleText,
      buckets: m.buckets,
      weights: m.weights,
      bias: m.bias,
      objectionBias: m.objectionBias,
      preciseRules: [],
      thresholds: { zh: new Array<number>(K).fill(0.5), en: new Array<number>(K).fill(0.5) },
      calibration: { zh: new Array(K).fill([1, 0, 0]), en: new Array(K).fill([1, 0, 0]) },
    });
    return new ActionClassifier(decodeModel(JSON.parse(JSON.stringify(encoded.file)), encoded.weights));
  };
  const labels = readTeamLabels(FIXTURE);
  const withLabels = classifierOf(toLabelExamples(labels, options.hashBits, 3));
  // The control, the model without the labels: the same label lines at weight 0, so both models
  // keep the same features (minDf counts the label lines too) and differ only by what the labels
  // teach. (Each training is about two seconds, run while the file is collected.)
  const control = classifierOf(toLabelExamples(labels, options.hashBits, 0));
  // Where the model already agrees with a label beyond this, a weight-3 label has nothing left to
  // move: "we're going with the other shop" is deal_lost at 0.9993 without it, and with it came
  // out 0.9990 (int8 rounding of the column and AdaGrad's step sizes, not the label's direction).
  const SURE = 0.99;

  it('moves each labelled action of each labelled message the way its label says', () => {
    let moved = 0;
    for (const label of labels) {
      const input = { role: label.role, text: label.text };
      const k = ACTION_KINDS.indexOf(label.action);
      const before = control.raw(input).probs[k] ?? NaN;
      const after = withLabels.raw(input).probs[k] ?? NaN;
      if (Number.isNaN(before)) continue;
      const agreed = label.value ? before >= SURE : before <= 1 - SURE;
      if (agreed) {
        // Already decided the label's way: it must stay decided that way.
        if (label.value) expect(after, `${label.text} ${label.action}`).toBeGreaterThanOrEqual(SURE);
        else expect(after, `${label.text} ${label.action}`).toBeLessThanOrEqual(1 - SURE);
        continue;
      }
      moved++;
      if (label.value) expect(after, `${label.text} ${label.action}`).toBeGreaterThan(before);
      else expect(after, `${label.text} ${label.action}`).toBeLessThan(before);
    }
    // Most of the fixture's labels have room to move; the check above is not allowed to pass empty.
    expect(moved, 'labels the model was not already sure of').toBeGreaterThanOrEqual(4);
  });

  // The fixture's last two labels are team jargon ("老规矩，走起": same as always, go) that no
  // corpus line teaches: the model without them cannot know, the model with them must.
  it('changes the prediction on a message the model got wrong', () => {
    const wrong = labels.filter((l) => {
      const kinds = control.classify({ role: l.role, text: l.text }).map((a) => a.kind);
      return kinds.includes(l.action) !== l.value;
    });
    expect(wrong.length, 'the fixture holds a label the small model gets wrong').toBeGreaterThan(0);
    for (const l of wrong) {
      const kinds = withLabels.classify({ role: l.role, text: l.text }).map((a) => a.kind);
      expect(kinds.includes(l.action), `${l.text}: ${l.action} should be ${l.value}`).toBe(l.value);
    }
  });
});
