import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAnalyzer, DEFAULT_MODEL_PATH, loadModel, ModelError } from '../../analyzers/index.ts';
import { decodeModel, encodeModel, weightsPath } from '../../analyzers/classifier/model.ts';
import type { ModelFile } from '../../analyzers/classifier/model.ts';
import { K, OBJ } from '../../analyzers/classifier/labels.ts';
import { bucketBits, rowIndexOfBits, rowOf } from '../../analyzers/classifier/rows.ts';

const tmp = mkdtempSync(join(tmpdir(), 'dealwise-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const committed = JSON.parse(readFileSync(DEFAULT_MODEL_PATH, 'utf8')) as ModelFile;
const committedWeights = readFileSync(weightsPath(DEFAULT_MODEL_PATH));

/** A model file in the temporary folder, with the committed weights file beside it unless told. */
function write(name: string, body: string, weights: Uint8Array | null = committedWeights): string {
  const path = join(tmp, name);
  writeFileSync(path, body);
  if (weights) writeFileSync(weightsPath(path), weights);
  return path;
}

describe('the committed model file', () => {
  it('loads, in a few milliseconds, and stays small', () => {
    const start = performance.now();
    const model = loadModel(DEFAULT_MODEL_PATH);
    const ms = performance.now() - start;
    expect(model.weights.length).toBe(committed.rows * K);
    expect(model.objectionWeights.length).toBe(committed.rows * OBJ);
    expect(model.thresholds.zh).toHaveLength(K);
    // Generous bound for a loaded CI machine; typically a few ms.
    expect(ms).toBeLessThan(250);
    expect(readFileSync(DEFAULT_MODEL_PATH).length).toBeLessThan(64 * 1024);
    expect(committedWeights.length).toBe(committed.weightsBytes);
    expect(committedWeights.length).toBeLessThan(3 * 1024 * 1024);
  });

  it('records what and how it was trained, with thresholds inside 0..1', () => {
    expect(committed.meta).toMatchObject({ options: { seed: expect.any(Number) } });
    const trainedOn = committed.meta?.trainedOn;
    expect(trainedOn?.corpus.lines).toBe((trainedOn?.corpus.zh ?? 0) + (trainedOn?.corpus.en ?? 0));
    expect(trainedOn?.corpus.lines).toBeGreaterThan(1000);
    expect(trainedOn?.teamLabels.lines).toBe((trainedOn?.teamLabels.positive ?? -1) + (trainedOn?.teamLabels.negative ?? -1));
    for (const t of [...committed.thresholds.zh, ...committed.thresholds.en]) {
      expect(t).toBeGreaterThan(0);
      expect(t).toBeLessThan(1);
    }
  });
});

describe('reading the file', () => {
  it('keeps text that is not ASCII as written', () => {
    const path = write('cjk.json', JSON.stringify({ ...committed, preciseRules: [...committed.preciseRules, '规则-甲'] }));
    expect(loadModel(path).preciseRules.has('规则-甲')).toBe(true);
    expect(loadModel(DEFAULT_MODEL_PATH).preciseRules).toEqual(new Set(committed.preciseRules));
  });
});

describe('a bad model file gives a clear ModelError', () => {
  it('missing: says to run npm run train', () => {
    const path = join(tmp, 'absent.json');
    expect(() => loadModel(path)).toThrow(ModelError);
    expect(() => loadModel(path)).toThrow(/not found.*npm run train/);
  });

  it('its weights file missing: names it and says to run npm run train', () => {
    const path = write('alone.json', JSON.stringify(committed), null);
    expect(() => loadModel(path)).toThrow(/weights file .*alone\.bin not found.*npm run train/);
  });

  it('not JSON', () => {
    expect(() => loadModel(write('garbage.json', '{"format": '))).toThrow(/not valid JSON/);
  });

  it('another format or version', () => {
    expect(() => loadModel(write('other.json', JSON.stringify({ ...committed, format: 'something-else' })))).toThrow(/format/);
    expect(() => loadModel(write('old.json', JSON.stringify({ ...committed, version: 0 })))).toThrow(/version 0.*retrain/);
  });

  it('truncated weights, weights for other buckets, or a label list that no longer matches the code', () => {
    expect(() => loadModel(write('short.json', JSON.stringify(committed), committedWeights.subarray(0, 100)))).toThrow(/weights file holds 100 bytes/);
    // Bucket 0 flipped in the bitmap: one kept bucket more or fewer than the file has rows, and
    // every row after it would be read off by one.
    const shifted = Buffer.from(committedWeights);
    shifted.writeInt32LE(shifted.readInt32LE(0) ^ 1, 0);
    expect(() => loadModel(write('shifted.json', JSON.stringify(committed), shifted))).toThrow(/marks \d+ kept buckets, expected/);
    const relabelled = { ...committed, actions: [...committed.actions].reverse() };
    expect(() => loadModel(write('labels.json', JSON.stringify(relabelled)))).toThrow(/action list/);
  });

  it('names the file in the message', () => {
    const path = write('named.json', 'nope');
    expect(() => createAnalyzer(path)).toThrow(path);
  });
});

describe('encodeModel / decodeModel', () => {
  it('round-trips quantised weights, dropping rows that round to zero', () => {
    const cols = K + OBJ;
    const weights = new Float64Array(3 * cols);
    weights[0] = 2; // row 0, first action
    weights[cols + K] = -1; // row 1, first objection type
    // row 2 stays all zero and must be dropped
    const { file, weights: bytes } = encodeModel({
      hashBits: 10,
      scaleText: true,
      buckets: Uint32Array.from([5, 9, 700]),
      weights,
      bias: new Float64Array(K).fill(-1),
      objectionBias: new Float64Array(OBJ),
      preciseRules: ['zh.quote.doc_sent'],
      thresholds: { zh: new Array<number>(K).fill(0.5), en: new Array<number>(K).fill(0.4) },
      calibration: { zh: new Array(K).fill([1, 0, 0]), en: new Array(K).fill([0.5, -1, 2]) },
    });
    expect(file.rows).toBe(2);
    expect(bytes.length).toBe(2 ** 10 / 8 + 2 * (K + OBJ));
    const model = decodeModel(JSON.parse(JSON.stringify(file)), bytes);
    expect(rowOf(model.rows, 5)).toBe(0);
    expect(rowOf(model.rows, 9)).toBe(1);
    expect(rowOf(model.rows, 700)).toBe(-1);
    expect((model.weights[0] ?? 0) * (model.scales[0] ?? 0)).toBeCloseTo(2, 5);
    expect((model.objectionWeights[OBJ] ?? 0) * (model.objectionScales[0] ?? 0)).toBeCloseTo(-1, 5);
    expect(model.preciseRules.has('zh.quote.doc_sent')).toBe(true);
    expect(model.thresholds.en[3]).toBeCloseTo(0.4);
    expect([...model.calibration.en.slice(3, 6)]).toEqual([0.5, -1, 2]);
  });

  it('refuses buckets out of order, which would give features the wrong rows', () => {
    const weights = new Float64Array(2 * (K + OBJ)).fill(1);
    const input = { hashBits: 10, scaleText: true, weights, bias: new Float64Array(K), objectionBias: new Float64Array(OBJ), preciseRules: [] };
    const rest = { thresholds: committed.thresholds, calibration: committed.calibration };
    expect(() => encodeModel({ ...input, ...rest, buckets: Uint32Array.from([9, 5]) })).toThrow(/ascending/);
  });

  it('refuses a model without calibration', () => {
    const { calibration: _, ...uncalibrated } = committed;
    expect(() => decodeModel(JSON.parse(JSON.stringify(uncalibrated)), committedWeights)).toThrow(/calibration missing/);
  });
});

describe('the row index', () => {
  it('finds the row of every kept bucket and none for the others, at every bit of a word', () => {
    const size = 2 ** 12;
    // Seeded: about a third of the buckets kept, runs of kept and empty words included.
    let seed = 7;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const kept: number[] = [];
    for (let b = 0; b < size; b++) if (b < 64 || (b >= 128 && b < 160 ? false : random() < 0.33)) kept.push(b);
    kept.push(size - 1);
    const index = rowIndexOfBits(bucketBits(Uint32Array.from(new Set(kept)), size));
    const expected = new Map([...new Set(kept)].map((b, r) => [b, r]));
    for (let b = 0; b < size; b++) expect(rowOf(index, b)).toBe(expected.get(b) ?? -1);
  });

  it('refuses a bucket beyond the table', () => {
    expect(() => bucketBits([3, 256], 256)).toThrow(/out of range/);
  });
});
