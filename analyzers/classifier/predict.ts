/**
 * The message path: features (./features.ts) → sparse scoring against the loaded model
 * (./model.ts) → calibration (./calibrate.ts) → per-action thresholds → ACTIONS.md's conventions
 * → attributes from the rule hits. One classifier owns its buffers and is reused for every message; it is synchronous and
 * not re-entrant, which is all a single-threaded Node process needs.
 */
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import type { AnalyzerInput, DetectedAction, ObjectionType } from '../../core/types.ts';
import { isUnitPrice, pickAmount } from '../rules/amount.ts';
import type { RuleHit } from '../rules/index.ts';
import { materialTypeOf } from '../rules/sending.ts';
import { extractFeatures, FeatureBuffer, MAX_ATTACHMENT_NAME, MAX_ATTACHMENTS } from './features.ts';
import { decide } from './decide.ts';
import { ALLOWED, IDX, K, KIND_INDEX, OBJ } from './labels.ts';
import { sigmoid } from './calibrate.ts';
import type { ActionModel } from './model.ts';
import { rowOf } from './rows.ts';

/** What the model thinks of one message before thresholds: for evaluation and tuning tools. */
export interface RawScores {
  /** Calibrated probability per action; NaN where the role cannot carry the action. */
  probs: Float64Array;
  /** The logistic regression's own probability, before calibration. */
  uncalibrated: Float64Array;
  /** The threshold per action (on the calibrated probability) for the message's language. */
  thresholds: Float64Array;
  /** The most likely objection type, should the message be an objection. */
  objection: ObjectionType;
}

function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if ((xs[i] ?? -Infinity) > (xs[best] ?? -Infinity)) best = i;
  return best;
}

/** Logits are clamped as ./calibrate.ts clamps them when fitting. */
const Z_CLAMP = 30;

/**
 * Sums int8 rows `rows[from, to)` of width 14 into `out`. Unrolled into locals: this loop is
 * most of the scoring time, and locals keep V8 from storing to the output on every feature.
 */
function sum14(q: Int8Array, rows: Int32Array, from: number, to: number, out: Float64Array): void {
  let a0 = 0,
    a1 = 0,
    a2 = 0,
    a3 = 0,
    a4 = 0,
    a5 = 0,
    a6 = 0,
    a7 = 0,
    a8 = 0,
    a9 = 0,
    a10 = 0,
    a11 = 0,
    a12 = 0,
    a13 = 0;
  for (let i = from; i < to; i++) {
    const b = (rows[i] as number) * 14;
    a0 += q[b] as number;
    a1 += q[b + 1] as number;
    a2 += q[b + 2] as number;
    a3 += q[b + 3] as number;
    a4 += q[b + 4] as number;
    a5 += q[b + 5] as number;
    a6 += q[b + 6] as number;
    a7 += q[b + 7] as number;
    a8 += q[b + 8] as number;
    a9 += q[b + 9] as number;
    a10 += q[b + 10] as number;
    a11 += q[b + 11] as number;
    a12 += q[b + 12] as number;
    a13 += q[b + 13] as number;
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
  out[4] = a4;
  out[5] = a5;
  out[6] = a6;
  out[7] = a7;
  out[8] = a8;
  out[9] = a9;
  out[10] = a10;
  out[11] = a11;
  out[12] = a12;
  out[13] = a13;
}

/** The same for any row width (the objection columns; actions if the catalogue ever changes size). */
function sumRows(q: Int8Array, width: number, rows: Int32Array, from: number, to: number, out: Float64Array): void {
  if (width === 14) {
    sum14(q, rows, from, to, out);
    return;
  }
  out.fill(0, 0, width);
  for (let i = from; i < to; i++) {
    const b = (rows[i] as number) * width;
    for (let c = 0; c < width; c++) out[c] = (out[c] as number) + (q[b + c] as number);
  }
}

/** A trained action classifier over one loaded model. */
export class ActionClassifier {
  private readonly buf = new FeatureBuffer();
  /** Model rows of the last message: text features in [0, nText), the rest up to nRows. */
  private rows = new Int32Array(512);
  private nText = 0;
  private nRows = 0;
  private readonly text = new Float64Array(Math.max(K, OBJ));
  private readonly meta = new Float64Array(Math.max(K, OBJ));
  /** Calibrated probabilities of the last scored message (NaN: the role cannot carry the action). */
  private readonly probs = new Float64Array(K);
  /** Uncalibrated logits of the last scored message. */
  private readonly logits = new Float64Array(K);
  private readonly objectionZ = new Float64Array(OBJ);
  /** Whether a precise rule fired for each action, on the last scored message. */
  private readonly forced = new Uint8Array(K);
  /** The text-feature scaling of the last scored message, reused by the objection pass. */
  private textScale = 1;

  constructor(readonly model: ActionModel) {}

  /** Features → model rows → action probabilities. */
  private score(input: AnalyzerInput): void {
    const { model, buf } = this;
    extractFeatures(input, buf);
    const shift = 32 - model.hashBits;
    if (this.rows.length < buf.count) this.rows = new Int32Array(buf.count * 2);
    const rows = this.rows;
    const index = model.rows;
    const hashes = buf.hashes;
    let n = 0;
    for (let i = 0; i < buf.textEnd; i++) {
      const r = rowOf(index, (hashes[i] as number) >>> shift);
      if (r >= 0) rows[n++] = r;
    }
    this.nText = n;
    for (let i = buf.textEnd; i < buf.count; i++) {
      const r = rowOf(index, (hashes[i] as number) >>> shift);
      if (r >= 0) rows[n++] = r;
    }
    this.nRows = n;
    const s = model.scaleText && this.nText > 0 ? 1 / Math.sqrt(this.nText) : 1;
    this.textScale = s;
    sumRows(model.weights, K, rows, 0, this.nText, this.text);
    sumRows(model.weights, K, rows, this.nText, n, this.meta);
    this.markForced();
    const allowed = ALLOWED[input.role];
    const cal = model.calibration[buf.lang];
    for (let k = 0; k < K; k++) {
      let z = (s * (this.text[k] as number) + (this.meta[k] as number)) * (model.scales[k] as number) + (model.bias[k] as number);
      z = Math.min(Z_CLAMP, Math.max(-Z_CLAMP, z));
      this.logits[k] = z;
      if (!allowed[k]) {
        this.probs[k] = NaN;
        continue;
      }
      const c = 3 * k;
      this.probs[k] = sigmoid((cal[c] as number) * z + (cal[c + 1] as number) + (this.forced[k] ? (cal[c + 2] as number) : 0));
    }
  }

  /** The objection-type scores of the last scored message (in `objectionZ`). */
  private objectionScores(): Float64Array {
    const { model } = this;
    sumRows(model.objectionWeights, OBJ, this.rows, 0, this.nText, this.text);
    sumRows(model.objectionWeights, OBJ, this.rows, this.nText, this.nRows, this.meta);
    for (let o = 0; o < OBJ; o++) {
      this.objectionZ[o] =
        (this.textScale * (this.text[o] as number) + (this.meta[o] as number)) * (model.objectionScales[o] as number) + (model.objectionBias[o] as number);
    }
    return this.objectionZ;
  }

  /** Marks the actions whose precise rules fired on the last scored message (an input of the calibration). */
  private markForced(): void {
    this.forced.fill(0);
    const precise = this.model.preciseRules;
    if (precise.size === 0) return;
    for (const h of this.buf.hits) {
      if (!precise.has(h.id)) continue;
      const k = KIND_INDEX.get(h.kind);
      if (k !== undefined) this.forced[k] = 1;
    }
  }

  /** Probabilities and thresholds without the conventions applied (tools only). */
  raw(input: AnalyzerInput): RawScores {
    this.score(input);
    return {
      probs: Float64Array.from(this.probs),
      uncalibrated: Float64Array.from(this.logits, (z, k) => (Number.isNaN(this.probs[k] ?? NaN) ? NaN : sigmoid(z))),
      thresholds: Float64Array.from(this.model.thresholds[this.buf.lang]),
      objection: OBJECTION_TYPES[argmax(this.objectionScores())] ?? 'price',
    };
  }

  /** The normalised text (../text.ts) of the last classified message's analysed window (./features.ts). */
  get lastText(): string {
    return this.buf.text;
  }

  /**
   * The key actions in one message, in catalogue order, each with its calibrated probability as
   * the confidence (at least the action's threshold, see RESULTS.md for the thresholds).
   */
  classify(input: AnalyzerInput): DetectedAction[] {
    this.score(input);
    const { probs, buf } = this;
    const th = this.model.thresholds[buf.lang];
    const { on, objection } = decide(probs, th, () => this.objectionScores());
    const out: DetectedAction[] = [];
    for (let k = 0; k < K; k++) {
      const kind = ACTION_KINDS[k];
      if (!on[k] || kind === undefined) continue;
      // competitor_mentioned switched on by a competitor objection is as likely as the objection.
      const p = k === IDX.competitorMentioned && objection === 'competitor' ? Math.max(probs[k] ?? 0, probs[IDX.objectionRaised] ?? 0) : (probs[k] ?? 0);
      const action: DetectedAction = { kind, confidence: Math.round(p * 1000) / 1000 };
      if (kind === 'objection_raised' && objection) action.objection = objection;
      attachAttributes(action, buf.hits, buf.text, input);
      out.push(action);
    }
    return out;
  }
}

/**
 * Amount, material type and competitor name: each from the most confident rule hit of the kind
 * that has it (as the rules-only merge does), else read from the text or the file names.
 */
function attachAttributes(action: DetectedAction, hits: readonly RuleHit[], text: string, input: AnalyzerInput): void {
  let amountFrom = -1;
  let typeFrom = -1;
  let competitorFrom = -1;
  for (const h of hits) {
    if (h.kind !== action.kind) continue;
    if (h.amount !== undefined && h.confidence > amountFrom) {
      action.amount = h.amount;
      amountFrom = h.confidence;
    }
    if (h.materialType !== undefined && h.confidence > typeFrom) {
      action.materialType = h.materialType;
      typeFrom = h.confidence;
    }
    if (h.competitor !== undefined && h.confidence > competitorFrom) {
      action.competitor = h.competitor;
      competitorFrom = h.confidence;
    }
  }
  if (action.kind === 'quote_sent' && action.amount === undefined) {
    const amount = pickAmount(text);
    if (amount !== undefined) action.amount = amount;
  }
  if (action.kind === 'quote_sent' && action.amount !== undefined && isUnitPrice(text, action.amount)) action.perUnit = true;
  if (action.kind === 'material_sent' && action.materialType === undefined) {
    for (const a of (input.attachments ?? []).slice(0, MAX_ATTACHMENTS)) {
      const t = materialTypeOf(a.name.slice(0, MAX_ATTACHMENT_NAME).toLowerCase());
      if (t) {
        action.materialType = t;
        break;
      }
    }
    if (action.materialType === undefined) {
      const t = materialTypeOf(text);
      if (t) action.materialType = t;
    }
  }
}
