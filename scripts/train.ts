/**
 * Trains the action classifier on the training split and writes the model the runtime loads.
 *
 *   npm run train [-- --folds 5] [--out analyzers/model/model.json] [--cv-only] [--options '{"epochs":40}']
 *                 [--global-thresholds] [--show-errors deal_won,buying_signal]
 *
 * Reads analyzers/corpus/train.jsonl only (the test split is held out: scripts/eval.ts reads it).
 * Cross-validates inside the training split to choose the per-action thresholds and prints the
 * out-of-fold figures (--show-errors lists the training lines it gets wrong on some actions),
 * then fits on the whole split and writes the model. Deterministic: the same corpus and options
 * give the same file.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionKind } from '../core/types.ts';
import { readCorpus } from '../analyzers/corpus/schema.ts';
import { chooseThresholds, judgeOutOfFold, outOfFold } from '../analyzers/classifier/cross-validate.ts';
import { formatReport, report } from '../analyzers/classifier/metrics.ts';
import { encodeModel } from '../analyzers/classifier/model.ts';
import { DEFAULT_OPTIONS, preciseRules, toExamples, train } from '../analyzers/classifier/train.ts';
import type { TrainOptions } from '../analyzers/classifier/train.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  folds: number;
  out: string;
  cvOnly: boolean;
  perLanguage: boolean;
  /** Print the out-of-fold mistakes on these actions (training lines only). */
  showErrors: string[];
  options: TrainOptions;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    folds: 5,
    out: join(ROOT, 'analyzers/model/model.json'),
    cvOnly: false,
    perLanguage: true,
    showErrors: [],
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
    else if (arg === '--global-thresholds') args.perLanguage = false;
    else if (arg === '--show-errors') args.showErrors.push(...value().split(','));
    else if (arg === '--options') args.options = { ...args.options, ...(JSON.parse(value()) as Partial<TrainOptions>) };
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(args.folds) || args.folds < 2) throw new Error('--folds must be an integer ≥ 2');
  return args;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const lines = readCorpus(join(ROOT, 'analyzers/corpus/train.jsonl'));
  const examples = toExamples(lines, args.options.hashBits);
  console.log(`train split: ${lines.length} lines (zh ${lines.filter((l) => l.lang === 'zh').length}, en ${lines.filter((l) => l.lang === 'en').length})`);

  const oof = outOfFold(examples, args.options, args.folds);
  const all = examples.map((_, i) => i);
  const global = chooseThresholds(examples, oof, all);
  // Per-language thresholds where a language has enough lines to choose them; else the global ones.
  const of = (lang: 'zh' | 'en'): number[] => {
    const idx = all.filter((i) => examples[i]?.lang === lang);
    return args.perLanguage && idx.length >= 300 ? chooseThresholds(examples, oof, idx) : global;
  };
  const thresholds = { zh: of('zh'), en: of('en') };
  const judged = judgeOutOfFold(examples, oof, thresholds);
  const cv: Record<string, { macroF1: number; lowestF1: number }> = {};
  console.log(`\n${args.folds}-fold cross-validation on the training split (thresholds chosen on the same folds, so slightly optimistic):`);
  for (const lang of ['zh', 'en'] as const) {
    const r = report(
      lang,
      judged.filter((j) => j.lang === lang),
    );
    cv[lang] = { macroF1: round(r.macroF1), lowestF1: round(Math.min(...r.actions.map((a) => a.f1))) };
    console.log(`\n${formatReport(r, 6)}`);
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

  const model = train(examples, args.options);
  const overrides = preciseRules(examples, args.options);
  const file = encodeModel({
    hashBits: args.options.hashBits,
    scaleText: args.options.scaleText,
    buckets: model.buckets,
    weights: model.weights,
    bias: model.bias,
    objectionBias: model.objectionBias,
    overrides,
    thresholds,
    training: { lines: lines.length, folds: args.folds, options: args.options, crossValidated: cv },
  });
  const json = JSON.stringify(file);
  writeFileSync(args.out, `${json}\n`);
  console.log(
    `\nprecise rules (override the model): ${overrides.length ? overrides.join(', ') : 'none'}` +
      `\nwrote ${relative(process.cwd(), args.out)}: ${file.rows} feature rows of ${model.buckets.length}, ${(json.length / 1024).toFixed(0)} kB, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
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
