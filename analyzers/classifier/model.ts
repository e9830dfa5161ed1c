/**
 * The model files (analyzers/model/model.json and model.bin beside it) and the in-memory model the
 * message path scores with. On disk: the JSON holds the shapes, scales, biases, the calibration
 * (./calibrate.ts), the thresholds on the calibrated probability and how the model was made; the
 * weights file holds the bitmap of kept hash buckets and one row of int8 weights per kept bucket
 * (per-column scale), as raw bytes the reader views in place: a process loads a model in a few
 * milliseconds, where decoding the same weights from base64 inside the JSON took 40–60 ms cold.
 * In memory: the bitmap with a running count (./rows.ts) and int8 rows, so scoring is a lookup and
 * a few additions per feature.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import { K, OBJ } from './labels.ts';
import { bucketBits, keptBuckets, rowIndexOfBits, type RowIndex } from './rows.ts';

export const MODEL_FORMAT = 'dealwise-action-classifier';
export const MODEL_VERSION = 3;
const COLS = K + OBJ;

/** The weights file of a model file: model.json → model.bin, in the same folder. */
export function weightsPath(path: string): string {
  return `${path.replace(/\.json$/i, '')}.bin`;
}

/** The JSON written by scripts/train.ts. */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  hashBits: number;
  scaleText: boolean;
  actions: string[];
  objections: string[];
  /** Per language, per action: the calibrated probability from which the action is reported. */
  thresholds: { zh: number[]; en: number[] };
  /** Per language, per action: Platt parameters [a, b, c] (./calibrate.ts). */
  calibration: { zh: number[][]; en: number[][] };
  bias: number[];
  objectionBias: number[];
  /** Ids of the precise rules: when one fires, the calibration's `c` term adds to its action. */
  preciseRules: string[];
  rows: number;
  /**
   * Bytes of the weights file (`weightsPath`): the kept buckets as a bitmap of 2^hashBits bits in
   * 32-bit little-endian words (bit b & 31 of word b >>> 5), then rows × actions int8 weights, then
   * rows × objection types int8 weights, both row-major in ascending bucket order.
   */
  weightsBytes: number;
  /** Per action: weight = int8 × scale. */
  scales: number[];
  /** Per objection type: weight = int8 × scale. */
  objectionScales: number[];
  /** How the model was made: what it was trained on, options, cross-validated figures. Informative only. */
  meta?: ModelMeta;
}

/** What a model was trained on and how; written by scripts/train.ts. */
export interface ModelMeta {
  trainedOn: {
    /** The corpus split file and its line counts. */
    corpus: { file: string; lines: number; zh: number; en: number };
    /** Team labels (../corpus/team-labels.ts): files, lines used, weight, counts per action and value. */
    teamLabels: {
      files: string[];
      lines: number;
      weight: number;
      positive: number;
      negative: number;
      byAction: Record<string, { true: number; false: number }>;
    };
  };
  folds: number;
  options: unknown;
  crossValidated: unknown;
  [key: string]: unknown;
}

/** A model file that is missing, unreadable or not a model this code can use. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`analyzer model ${path}: ${reason}`, options);
  }
}

/**
 * The model ready for scoring. Weights stay int8: the per-column scale is applied once to each
 * sum rather than to every weight, and 14-byte rows keep the whole table in a few hundred kB of cache.
 */
export interface ActionModel {
  hashBits: number;
  scaleText: boolean;
  /** Which buckets have a row, and where (./rows.ts `rowOf`). */
  rows: RowIndex;
  /** rows × K int8 action weights. */
  weights: Int8Array;
  scales: Float64Array;
  /** rows × OBJ int8 objection-type weights. */
  objectionWeights: Int8Array;
  objectionScales: Float64Array;
  bias: Float64Array;
  objectionBias: Float64Array;
  preciseRules: ReadonlySet<string>;
  thresholds: { zh: Float64Array; en: Float64Array };
  /** Per language: K × 3 Platt parameters, row-major. */
  calibration: { zh: Float64Array; en: Float64Array };
}

function numbers(value: unknown, length: number, what: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error(`${what} must be ${length} finite numbers`);
  }
  return value as number[];
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bitmap words at the start of a weights file, as the host reads them. */
function bitmapWords(weights: Uint8Array, words: number): Int32Array {
  if (littleEndian && weights.byteOffset % 4 === 0) return new Int32Array(weights.buffer, weights.byteOffset, words);
  const view = new DataView(weights.buffer, weights.byteOffset, words * 4);
  return Int32Array.from({ length: words }, (_, w) => view.getInt32(w * 4, true));
}

/**
 * Builds the scoring model from the parsed JSON and the weights file's bytes (viewed in place, not
 * copied); throws a plain Error naming the bad field.
 */
export function decodeModel(json: unknown, weights: Uint8Array): ActionModel {
  if (typeof json !== 'object' || json === null) throw new Error('not a JSON object');
  const f = json as Partial<ModelFile>;
  if (f.format !== MODEL_FORMAT) throw new Error(`format is ${JSON.stringify(f.format)}, expected "${MODEL_FORMAT}"`);
  if (f.version !== MODEL_VERSION) throw new Error(`version ${String(f.version)}, this code reads version ${MODEL_VERSION}: retrain`);
  // The label lists must match the code's catalogue exactly, or weights would land on the wrong action.
  if (JSON.stringify(f.actions) !== JSON.stringify(ACTION_KINDS)) throw new Error('action list differs from ACTION_KINDS: retrain');
  if (JSON.stringify(f.objections) !== JSON.stringify(OBJECTION_TYPES)) throw new Error('objection list differs from OBJECTION_TYPES: retrain');
  const hashBits = f.hashBits;
  if (typeof hashBits !== 'number' || !Number.isInteger(hashBits) || hashBits < 8 || hashBits > 24) throw new Error('hashBits must be an integer in 8..24');
  const rows = f.rows;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0 || rows > 2 ** hashBits) throw new Error('rows must be a count of buckets');
  const scales = numbers(f.scales, K, 'scales');
  const objectionScales = numbers(f.objectionScales, OBJ, 'objectionScales');
  const bitmapBytes = 2 ** hashBits / 8;
  const expected = bitmapBytes + rows * COLS;
  if (weights.length !== expected) throw new Error(`weights file holds ${weights.length} bytes, expected ${expected}: retrain`);
  if (f.weightsBytes !== expected) throw new Error(`weightsBytes is ${String(f.weightsBytes)}, expected ${expected}`);
  const rowIndex = rowIndexOfBits(bitmapWords(weights, bitmapBytes / 4));
  const kept = keptBuckets(rowIndex);
  if (kept !== rows) throw new Error(`weights file marks ${kept} kept buckets, expected ${rows}: retrain`);
  const at = weights.byteOffset + bitmapBytes;
  const th = f.thresholds;
  if (typeof th !== 'object' || th === null) throw new Error('thresholds missing');
  const precise = f.preciseRules ?? [];
  if (!Array.isArray(precise) || !precise.every((o) => typeof o === 'string')) throw new Error('preciseRules must be rule ids');
  const cal = f.calibration;
  if (typeof cal !== 'object' || cal === null) throw new Error('calibration missing: retrain');
  const calibrationOf = (lang: 'zh' | 'en'): Float64Array => {
    const rowsOf = cal[lang];
    if (!Array.isArray(rowsOf) || rowsOf.length !== K) throw new Error(`calibration.${lang} must hold ${K} rows`);
    return Float64Array.from(rowsOf.flatMap((r, k) => numbers(r, 3, `calibration.${lang}[${k}]`)));
  };
  return {
    hashBits,
    scaleText: f.scaleText === true,
    rows: rowIndex,
    weights: new Int8Array(weights.buffer, at, rows * K),
    scales: Float64Array.from(scales),
    objectionWeights: new Int8Array(weights.buffer, at + rows * K, rows * OBJ),
    objectionScales: Float64Array.from(objectionScales),
    bias: Float64Array.from(numbers(f.bias, K, 'bias')),
    objectionBias: Float64Array.from(numbers(f.objectionBias, OBJ, 'objectionBias')),
    preciseRules: new Set(precise),
    thresholds: {
      zh: Float64Array.from(numbers(th.zh, K, 'thresholds.zh')),
      en: Float64Array.from(numbers(th.en, K, 'thresholds.en')),
    },
    calibration: { zh: calibrationOf('zh'), en: calibrationOf('en') },
  };
}

/**
 * Reads and decodes a model file and its weights file. Every failure (a missing file, bad JSON, a
 * wrong format or version, a truncated weights file) is a ModelError that names the file and says
 * what to do.
 */
export function loadModel(path: string): ActionModel {
  const json = parseModelJson(path);
  const bin = weightsPath(path);
  let weights: Buffer;
  try {
    weights = readFileSync(bin);
  } catch (error) {
    throw new ModelError(path, readFailure(error, `weights file ${bin}`), { cause: error });
  }
  try {
    return decodeModel(json, weights);
  } catch (error) {
    throw new ModelError(path, `${(error as Error).message}`, { cause: error });
  }
}

function parseModelJson(path: string): unknown {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelError(path, readFailure(error, 'file'), { cause: error });
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ModelError(path, `not valid JSON (${(error as Error).message}); run \`npm run train\` to rebuild it`, { cause: error });
  }
}

function readFailure(error: unknown, what: string): string {
  const e = error as NodeJS.ErrnoException;
  return e.code === 'ENOENT' ? `${what} not found; run \`npm run train\` to create it` : `cannot read ${what}: ${e.message}`;
}

/** A model in its file form: the JSON and the weights file's bytes. */
export interface EncodedModel {
  file: ModelFile;
  weights: Uint8Array;
}

/** Writes a model file at `path` (.json) and its weights file beside it; returns their sizes in bytes. */
export function writeModel(path: string, model: EncodedModel): { json: number; weights: number } {
  const json = `${JSON.stringify(model.file)}\n`;
  writeFileSync(path, json);
  writeFileSync(weightsPath(path), model.weights);
  return { json: Buffer.byteLength(json), weights: model.weights.length };
}

/**
 * Quantises trained weights (rows × (K + OBJ), actions then objection types) into the file form:
 * int8 per column, rows whose weights all round to 0 dropped.
 */
export function encodeModel(input: {
  hashBits: number;
  scaleText: boolean;
  buckets: Uint32Array;
  weights: Float64Array;
  bias: Float64Array;
  objectionBias: Float64Array;
  preciseRules: string[];
  thresholds: { zh: number[]; en: number[] };
  calibration: { zh: readonly (readonly number[])[]; en: readonly (readonly number[])[] };
  meta?: ModelMeta;
}): EncodedModel {
  const n = input.buckets.length;
  // The reader finds a bucket's row by counting the kept buckets below it (./rows.ts).
  for (let r = 1; r < n; r++) if ((input.buckets[r] ?? 0) <= (input.buckets[r - 1] ?? 0)) throw new Error('encodeModel: buckets must be ascending');
  const colScale = (c: number): number => {
    let max = 0;
    for (let r = 0; r < n; r++) max = Math.max(max, Math.abs(input.weights[r * COLS + c] ?? 0));
    return max / 127 || 1;
  };
  const scales = Array.from({ length: COLS }, (_, c) => Number(colScale(c).toPrecision(8)));
  const q = new Int8Array(n * COLS);
  const keptRows: number[] = [];
  for (let r = 0; r < n; r++) {
    let any = false;
    for (let c = 0; c < COLS; c++) {
      const v = Math.round((input.weights[r * COLS + c] ?? 0) / (scales[c] ?? 1));
      q[r * COLS + c] = v;
      if (v !== 0) any = true;
    }
    if (any) keptRows.push(r);
  }
  const bitmapBytes = 2 ** input.hashBits / 8;
  const bytes = Buffer.alloc(bitmapBytes + keptRows.length * COLS);
  const bits = bucketBits(
    keptRows.map((r) => input.buckets[r] ?? 0),
    2 ** input.hashBits,
  );
  for (let w = 0; w < bits.length; w++) bytes.writeInt32LE(bits[w] as number, w * 4);
  const weightsAt = bitmapBytes;
  const objectionsAt = bitmapBytes + keptRows.length * K;
  keptRows.forEach((r, i) => {
    for (let c = 0; c < K; c++) bytes.writeInt8(q[r * COLS + c] ?? 0, weightsAt + i * K + c);
    for (let o = 0; o < OBJ; o++) bytes.writeInt8(q[r * COLS + K + o] ?? 0, objectionsAt + i * OBJ + o);
  });
  const round = (x: number): number => Number(x.toPrecision(6));
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    hashBits: input.hashBits,
    scaleText: input.scaleText,
    actions: [...ACTION_KINDS],
    objections: [...OBJECTION_TYPES],
    thresholds: { zh: input.thresholds.zh.map(round), en: input.thresholds.en.map(round) },
    calibration: { zh: input.calibration.zh.map((r) => r.map(round)), en: input.calibration.en.map((r) => r.map(round)) },
    bias: [...input.bias].map(round),
    objectionBias: [...input.objectionBias].map(round),
    preciseRules: input.preciseRules,
    rows: keptRows.length,
    weightsBytes: bytes.length,
    scales: scales.slice(0, K),
    objectionScales: scales.slice(K),
    ...(input.meta === undefined ? {} : { meta: input.meta }),
  };
  return { file, weights: bytes };
}
