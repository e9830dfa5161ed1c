/**
 * Trains the action classifier on the training split and writes the model the runtime loads.
 *
 *   npm run train [-- --folds 4] [--out analyzers/model/model.json] [--cv-only] [--cv-without en-tr-i] [--options '{"epochs":40}']
 *                 [--per-language-thresholds] [--threshold-rule half-f1|argmax] [--show-errors deal_won,buying_signal]
 *                 [--labels team-labels.jsonl [--labels more.jsonl]] [--labels-weight 3]
 *
 * Reads analyzers/corpus/train.jsonl (and the team labels given with --labels, the JSONL of
 * `npx dealwise export-labels`, analyzers/corpus/team-labels.ts). Cross-validates inside the
 * training split, in folds of whole groups of lines, to fit the calibration and choose the
 * per-action thresholds on the calibrated probability, and prints the out-of-fold figures
 * (--show-errors lists the training lines it gets wrong on some actions); then fits on the whole
 * split and writes the model (the --out JSON and its weights file beside it, .bin), which records
 * what it was trained on (meta.trainedOn).
 *
 * With --labels, each label trains only its own action's classifier, with weight --labels-weight,
 * and the held-out figures (analyzers/corpus/test.jsonl and, when present, the independent set)
 * are printed for the model with and without them. That is a report, never a choice: nothing here
 * is tuned on a held-out line. Deterministic: the same inputs and options give the same files.
 */
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionKind } from '../core/types.ts';
import { readCorpus } from '../analyzers/corpus/schema.ts';
import type { CorpusLine } from '../analyzers/corpus/schema.ts';
import { countTeamLabels, readTeamLabels } from '../analyzers/corpus/team-labels.ts';
import type { TeamLabel } from '../analyzers/corpus/team-labels.ts';
import {
  calibrateOutOfFold,
  chooseThresholds,
  fitCalibration,
  judgeOutOfFold,
  outOfFold,
  outOfFoldReliability,
} from '../analyzers/classifier/cross-validate.ts';
import type { ThresholdRule } from '../analyzers/classifier/cross-validate.ts';
import { readCorpusDir, scoreLines } from '../analyzers/classifier/evaluate.ts';
import { formatReport, lowest, report } from '../analyzers/classifier/metrics.ts';
import { decodeModel, encodeModel, weightsPath, writeModel } from '../analyzers/classifier/model.ts';
import type { EncodedModel } from '../analyzers/classifier/model.ts';
import { ActionClassifier } from '../analyzers/classifier/predict.ts';
import { DEFAULT_OPTIONS, preciseRules, toExamples, toLabelExamples, train } from '../analyzers/classifier/train.ts';
import type { TrainOptions } from '../analyzers/classifier/train.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  folds: number;
  out: string;
  cvOnly: boolean;
  /** Also print the out-of-fold macro-F1 without these writing passes (so a new pass is compared on the old lines). */
  cvWithout: string[];
  perLanguage: boolean;
  /** How thresholds are read off the out-of-fold F1 curves (cross-validate.ts). */
  thresholdRule: ThresholdRule;
  /** Print the out-of-fold mistakes on these actions (training lines only). */
  showErrors: string[];
  labels: string[];
  labelsWeight: number;
  options: TrainOptions;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    folds: 4,
    out: join(ROOT, 'analyzers/model/model.json'),
    cvOnly: false,
    cvWithout: [],
    // Half the best out-of-fold F1, pooled over both languages: the thresholds that move least when
    // lines are added (analyzers/RESULTS.md, third pass); the committed model is trained with it.
    perLanguage: false,
    thresholdRule: 'half-f1',
    showErrors: [],
    labels: [],
    labelsWeight: 3,
    options: { ...DEFAULT_OPTIONS },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--folds') args.folds = Number(value());
    else if (arg === '--out') args.out = resolve(value());
    else if (arg === '--cv-only') args.cvOnly = true;
    else if (arg === '--cv-without') args.cvWithout.push(...value().split(','));
    else if (arg === '--global-thresholds') args.perLanguage = false;
    else if (arg === '--per-language-thresholds') args.perLanguage = true;
    else if (arg === '--threshold-rule') {
      const v = value();
      if (v !== 'argmax' && v !== 'half-f1') throw new Error('--threshold-rule must be argmax or half-f1');
      args.thresholdRule = v;
    } else if (arg === '--show-errors') args.showErrors.push(...value().split(','));
    else if (arg === '--labels') args.labels.push(resolve(value()));
    else if (arg === '--labels-weight') args.labelsWeight = Number(value());
    else if (arg === '--options') args.options = { ...args.options, ...(JSON.parse(value()) as Partial<TrainOptions>) };
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(args.folds) || args.folds < 2) throw new Error('--folds must be an integer ≥ 2');
  if (!(args.labelsWeight > 0) || !Number.isFinite(args.labelsWeight)) throw new Error('--labels-weight must be a positive number');
  return args;
}

/** The held-out figures of a model file: macro-F1 and lowest action per language, per set. */
function heldOut(model: EncodedModel, sets: [string, CorpusLine[]][]): string[] {
  const classifier = new ActionClassifier(decodeModel(JSON.parse(JSON.stringify(model.file)), model.weights));
  const out: string[] = [];
  for (const [name, lines] of sets) {
    const scored = scoreLines(lines, (input) => classifier.classify(input));
    const parts = (['zh', 'en'] as const).map((lang) => {
      const r = report(
        lang,
        scored.filter((s) => s.lang === lang),
      );
      return `${lang} macro-F1 ${r.macroF1.toFixed(3)}, lowest ${lowest(r)}`;
    });
    out.push(`  ${name.padEnd(22)} ${parts.join('   ')}`);
  }
  return out;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const corpusFile = 'analyzers/corpus/train.jsonl';
  const lines = readCorpus(join(ROOT, corpusFile));
  const examples = toExamples(lines, args.options.hashBits);
  const zh = lines.filter((l) => l.lang === 'zh').length;
  console.log(`train split: ${lines.length} lines (zh ${zh}, en ${lines.length - zh})`);
  const labels: TeamLabel[] = args.labels.flatMap((f) => readTeamLabels(f));
  const labelExamples = toLabelExamples(labels, args.options.hashBits, args.labelsWeight);
  const labelCounts = countTeamLabels(labels);
  if (args.labels.length > 0) {
    console.log(
      `team labels: ${labels.length} from ${args.labels.map((f) => relative(process.cwd(), f)).join(', ')} (${labelCounts.positive} true, ${labelCounts.negative} false), weight ${args.labelsWeight}`,
    );
  }

  const oof = outOfFold(examples, args.options, args.folds, labelExamples);
  const calibration = fitCalibration(examples, oof);
  const probs = calibrateOutOfFold(examples, oof, calibration);
  const all = examples.map((_, i) => i);
  const global = chooseThresholds(examples, probs, all, args.thresholdRule);
  // Per-language thresholds where a language has enough lines to choose them; else the global ones.
  const of = (lang: 'zh' | 'en'): number[] => {
    const idx = all.filter((i) => examples[i]?.lang === lang);
    return args.perLanguage && idx.length >= 300 ? chooseThresholds(examples, probs, idx, args.thresholdRule) : global;
  };
  const thresholds = { zh: of('zh'), en: of('en') };
  const judged = judgeOutOfFold(examples, oof, probs, thresholds);
  const cv: Record<string, { macroF1: number; lowestF1: number; ece: number }> = {};
  console.log(
    `\n${args.folds}-fold cross-validation on the training split, folds of whole groups (thresholds chosen on the same folds, so slightly optimistic):`,
  );
  for (const lang of ['zh', 'en'] as const) {
    const r = report(
      lang,
      judged.filter((j) => j.lang === lang),
    );
    const rel = outOfFoldReliability(examples, probs, lang);
    cv[lang] = { macroF1: round(r.macroF1), lowestF1: round(Math.min(...r.actions.map((a) => a.f1))), ece: round(rel.ece) };
    console.log(`\n${formatReport(r, 6)}\n  calibrated out-of-fold ECE over all (line, action) pairs: ${rel.ece.toFixed(4)}`);
  }
  if (args.cvWithout.length > 0) {
    const keep = judged.filter((_, i) => !args.cvWithout.includes(examples[i]?.group ?? ''));
    const f1 = (lang: 'zh' | 'en'): string =>
      report(
        lang,
        keep.filter((j) => j.lang === lang),
      ).macroF1.toFixed(3);
    console.log(`\nout-of-fold macro-F1 without ${args.cvWithout.join(', ')}: zh ${f1('zh')}, en ${f1('en')}`);
  }
  for (const kind of args.showErrors) {
    console.log(`\nout-of-fold mistakes on ${kind} (training split):`);
    for (const [i, j] of judged.entries()) {
      const g = j.gold.includes(kind as ActionKind);
      const p = j.predicted.includes(kind as ActionKind);
      if (g === p) continue;
      const line = lines[i];
      const files = line?.attachments ? ` [${line.attachments.map((a) => a.name).join(', ')}]` : '';
      console.log(`  ${g ? 'FN' : 'FP'} ${j.id} ${line?.role}: ${line?.text}${files}  gold=${j.gold.join(',')} predicted=${j.predicted.join(',')}`);
    }
  }
  if (args.cvOnly) return;

  const build = (withLabels: boolean): EncodedModel => {
    const model = train(withLabels ? [...examples, ...labelExamples] : examples, args.options);
    const precise = preciseRules(examples, args.options);
    return encodeModel({
      hashBits: args.options.hashBits,
      scaleText: args.options.scaleText,
      buckets: model.buckets,
      weights: model.weights,
      bias: model.bias,
      objectionBias: model.objectionBias,
      preciseRules: precise,
      thresholds,
      calibration,
      meta: {
        trainedOn: {
          corpus: { file: corpusFile, lines: lines.length, zh, en: lines.length - zh },
          teamLabels: withLabels
            ? { files: args.labels.map((f) => basename(f)), lines: labels.length, weight: args.labelsWeight, ...labelCounts }
            : { files: [], lines: 0, weight: args.labelsWeight, positive: 0, negative: 0, byAction: {} },
        },
        folds: args.folds,
        options: args.options,
        crossValidated: cv,
      },
    });
  };
  const model = build(true);
  const bytes = writeModel(args.out, model);
  console.log(
    `\nprecise rules (an input of the calibration): ${model.file.preciseRules.length}` +
      `\nwrote ${relative(process.cwd(), args.out)} (${(bytes.json / 1024).toFixed(0)} kB) and ${relative(process.cwd(), weightsPath(args.out))} ` +
      `(${(bytes.weights / 1024).toFixed(0)} kB): ${model.file.rows} feature rows, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  if (labels.length > 0) {
    // Evaluation only: the same calibration and thresholds, weights with and without the labels.
    const sets: [string, CorpusLine[]][] = [['held-out split', readCorpus(join(ROOT, 'analyzers/corpus/test.jsonl'))]];
    const independent = readCorpusDir(join(ROOT, 'analyzers/corpus/independent'));
    if (independent) sets.push(['independent set', independent]);
    console.log('\nheld-out figures without the team labels:');
    for (const l of heldOut(build(false), sets)) console.log(l);
    console.log(`with the ${labels.length} team labels (weight ${args.labelsWeight}):`);
    for (const l of heldOut(model, sets)) console.log(l);
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
