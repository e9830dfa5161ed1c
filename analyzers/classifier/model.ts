/**
 * The model file (analyzers/model/model.json) and the in-memory model the message path scores
 * with. On disk: the kept hash buckets and one row of int8 weights per bucket (per-column scale),
 * base64-packed so the file stays a few hundred kB and loads in a few milliseconds, plus the
 * calibration (./calibrate.ts) and the thresholds on the calibrated probability. In memory:
 * a bitmap of the kept buckets with a running count (./rows.ts) and int8 rows, so scoring is a
 * lookup and a few additions per feature.
 */
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import { K, OBJ } from './labels.ts';
import { buildRowIndex, type RowIndex } from './rows.ts';

export const MODEL_FORMAT = 'dealwise-action-classifier';
export const MODEL_VERSION = 2;
const COLS = K + OBJ;

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
  /** base64 of the kept bucket ids, uint32 little-endian, ascending. */
  buckets: string;
  /** Per action: weight = int8 × scale. */
  scales: number[];
  /** base64 of rows × actions int8 weights, row-major. */
  weights: string;
  /** Per objection type: weight = int8 × scale. */
  objectionScales: number[];
  /** base64 of rows × objection types int8 weights, row-major. */
  objectionWeights: string;
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

/** Decoded base64 in its own 4-byte-aligned buffer (typed-array views need the alignment). */
function bytes(value: unknown, length: number, what: string): Buffer {
  if (typeof value !== 'string') throw new Error(`${what} must be a base64 string`);
  const buf = Buffer.from(Buffer.from(value, 'base64'));
  if (buf.length !== length) throw new Error(`${what} holds ${buf.length} bytes, expected ${length}`);
  return buf;
}

/** Builds the scoring model from parsed JSON; throws a plain Error naming the bad field. */
export function decodeModel(json: unknown): ActionModel {
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
  const bucketBytes = bytes(f.buckets, rows * 4, 'buckets');
  const weights = bytes(f.weights, rows * K, 'weights');
  const objectionWeights = bytes(f.objectionWeights, rows * OBJ, 'objectionWeights');

  const size = 2 ** hashBits;
  const buckets = littleEndian
    ? new Uint32Array(bucketBytes.buffer, bucketBytes.byteOffset, rows)
    : Uint32Array.from({ length: rows }, (_, r) => bucketBytes.readUInt32LE(r * 4));
  const rowIndex = buildRowIndex(buckets, size);
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
    weights: new Int8Array(weights.buffer, weights.byteOffset, weights.length),
    scales: Float64Array.from(scales),
    objectionWeights: new Int8Array(objectionWeights.buffer, objectionWeights.byteOffset, objectionWeights.length),
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
 * Reads and decodes a model file. Every failure (missing file, bad JSON, wrong format or
 * version, truncated arrays) is a ModelError that names the file and says what to do.
 */
export function loadModel(path: string): ActionModel {
  let raw: string;
  try {
    const file = readFileSync(path);
    // The file is JSON of numbers, ids and base64, so ASCII: decoded as Latin-1 it is the same
    // string, made in half the time of UTF-8's decoding (a third of the whole load). A file with
    // other text in it is read as UTF-8.
    raw = file.toString(isAscii(file) ? 'latin1' : 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelError(path, missing ? 'file not found; run `npm run train` to create it' : `cannot read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ModelError(path, `not valid JSON (${(error as Error).message}); run \`npm run train\` to rebuild it`, { cause: error });
  }
  try {
    return decodeModel(json);
  } catch (error) {
    throw new ModelError(path, `${(error as Error).message}`, { cause: error });
  }
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
}): ModelFile {
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
  const bucketBuf = Buffer.alloc(keptRows.length * 4);
  const weightBuf = Buffer.alloc(keptRows.length * K);
  const objectionBuf = Buffer.alloc(keptRows.length * OBJ);
  keptRows.forEach((r, i) => {
    bucketBuf.writeUInt32LE(input.buckets[r] ?? 0, i * 4);
    for (let c = 0; c < K; c++) weightBuf.writeInt8(q[r * COLS + c] ?? 0, i * K + c);
    for (let o = 0; o < OBJ; o++) objectionBuf.writeInt8(q[r * COLS + K + o] ?? 0, i * OBJ + o);
  });
  const round = (x: number): number => Number(x.toPrecision(6));
  return {
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
    buckets: bucketBuf.toString('base64'),
    scales: scales.slice(0, K),
    weights: weightBuf.toString('base64'),
    objectionScales: scales.slice(K),
    objectionWeights: objectionBuf.toString('base64'),
    ...(input.meta === undefined ? {} : { meta: input.meta }),
  };
}
