/**
 * Splits the labelled corpus into train and test.
 *
 *   npx tsx scripts/split-corpus.ts [--src analyzers/corpus/src] [--out analyzers/corpus] [--check]
 *
 * Reads every *.jsonl under --src (sorted by name), validates each line with the corpus schema
 * and that ids are unique across files, then writes <out>/train.jsonl and <out>/test.jsonl.
 * A line's side is a pure function of its id (SHA-1 of the id, ~20% test), so adding lines never
 * moves another line across. Prints, per language, the per-label counts of each side.
 * With --check nothing is written; the exit code says whether the committed split is up to date.
 *
 * The test split is held out: never train or tune on it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTION_KINDS, OBJECTION_TYPES } from '../core/types.ts';
import { CORPUS_LANGS, CorpusFormatError, corpusSideOf, formatCorpusLine, readCorpus } from '../analyzers/corpus/schema.ts';
import type { CorpusLine, CorpusSide } from '../analyzers/corpus/schema.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Options {
  src: string;
  out: string;
  check: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    src: join(ROOT, 'analyzers/corpus/src'),
    out: join(ROOT, 'analyzers/corpus'),
    check: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return resolve(v);
    };
    if (arg === '--src') options.src = value();
    else if (arg === '--out') options.out = value();
    else if (arg === '--check') options.check = true;
    else if (arg === '-h' || arg === '--help') {
      console.log('usage: tsx scripts/split-corpus.ts [--src <dir>] [--out <dir>] [--check]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

export interface SplitResult {
  files: string[];
  train: CorpusLine[];
  test: CorpusLine[];
}

/** Reads and validates every src file; ids must be unique across files. */
export function splitCorpus(srcDir: string): SplitResult {
  if (!existsSync(srcDir)) throw new Error(`no corpus directory ${srcDir}`);
  const files = readdirSync(srcDir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(srcDir, name));
  if (files.length === 0) throw new Error(`no .jsonl files in ${srcDir}`);
  const where = new Map<string, string>();
  const result: SplitResult = { files, train: [], test: [] };
  for (const file of files) {
    const lines = readCorpus(file);
    for (const line of lines) {
      const other = where.get(line.id);
      if (other !== undefined) throw new Error(`duplicate id ${line.id} in ${file} and ${other}`);
      where.set(line.id, file);
      result[corpusSideOf(line.id)].push(line);
    }
  }
  return result;
}

function serialize(lines: CorpusLine[]): string {
  return lines.map((line) => `${formatCorpusLine(line)}\n`).join('');
}

function pad(s: string | number, n: number, left = false): string {
  const str = String(s);
  return left ? str.padStart(n) : str.padEnd(n);
}

function report(result: SplitResult): void {
  const sides: CorpusSide[] = ['train', 'test'];
  const langs = [...new Set([...CORPUS_LANGS, ...[...result.train, ...result.test].map((l) => l.lang)])];
  for (const lang of langs) {
    const of = (side: CorpusSide) => result[side].filter((l) => l.lang === lang);
    const total = sides.map((s) => of(s).length);
    console.log(`\n[${lang}] train ${total[0]}  test ${total[1]}`);
    if ((total[0] ?? 0) + (total[1] ?? 0) === 0) {
      console.log('  (no lines)');
      continue;
    }
    console.log(`  ${pad('label', 24)}${pad('train', 7, true)}${pad('test', 7, true)}`);
    const row = (name: string, count: (l: CorpusLine) => boolean) => {
      const counts = sides.map((s) => of(s).filter(count).length);
      const flag = counts.some((c) => c === 0) ? '  <- missing on a side' : '';
      console.log(`  ${pad(name, 24)}${pad(counts[0] ?? 0, 7, true)}${pad(counts[1] ?? 0, 7, true)}${flag}`);
    };
    for (const kind of ACTION_KINDS) row(kind, (l) => l.labels.includes(kind));
    for (const type of OBJECTION_TYPES) row(`  objection=${type}`, (l) => l.objection === type);
    row('(no label)', (l) => l.labels.length === 0);
  }
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const result = splitCorpus(options.src);
  console.log(`read ${result.train.length + result.test.length} lines from ${result.files.length} files in ${relative(process.cwd(), options.src) || '.'}`);
  report(result);
  const outputs: [string, string][] = [
    [join(options.out, 'train.jsonl'), serialize(result.train)],
    [join(options.out, 'test.jsonl'), serialize(result.test)],
  ];
  if (options.check) {
    const stale = outputs.filter(([path, body]) => !existsSync(path) || readFileSync(path, 'utf8') !== body);
    if (stale.length > 0) {
      console.error(`\nsplit is stale: ${stale.map(([p]) => relative(process.cwd(), p)).join(', ')}; run without --check`);
      process.exit(1);
    }
    console.log('\nsplit is up to date');
    return;
  }
  for (const [path, body] of outputs) writeFileSync(path, body);
  console.log(`\nwrote ${outputs.map(([p]) => relative(process.cwd(), p)).join(' and ')}`);
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof CorpusFormatError ? `bad corpus line: ${error.message}` : String(error instanceof Error ? error.message : error));
    process.exit(1);
  }
}
