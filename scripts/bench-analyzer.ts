/**
 * How fast the analyzer is, against a floor: `Intl.Segmenter` word segmentation alone on the
 * same messages, which a Chinese word-level analyzer would have to pay (this one reads character
 * n-grams and does not segment). Cycles the labelled corpus (both splits: it only reads the
 * texts) up to --messages messages, and for each of --runs runs prints the mean microseconds a
 * message of the classifier (`analyze`: the key actions), of the full analysis the loop runs per
 * message (`analyzeMessage`: the actions plus question, topics, meeting time, commitment and
 * precise closes) and of segmentation alone, and the ratios to it; then the medians over the
 * runs. The three alternate in chunks of the same messages, so a busy neighbour on a shared
 * machine slows them alike. Also the model load time (read model.json and its weights file,
 * decode), the median of several loads. Targets: the full analysis at most 1.5× the floor; a load
 * under 50 ms.
 *
 *   npm run bench:analyzer [-- --messages 100000 --runs 5]
 */
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageAnalysisInput } from '../core/types.ts';
import { readCorpus } from '../analyzers/corpus/schema.ts';
import { median } from './bench/load.ts';
import { parseOptions, positiveInt } from './options.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHUNK = 2_000;

const USAGE = 'npm run bench:analyzer [-- --messages 100000 --runs 5]';
const values = parseOptions(USAGE, { messages: { type: 'string' }, runs: { type: 'string' } });

async function main(): Promise<void> {
  const total = positiveInt(USAGE, 'messages', values.messages, 100_000);
  const runs = positiveInt(USAGE, 'runs', values.runs, 5);
  const loadStart = performance.now();
  const { analyze, analyzeMessage, loadModel, DEFAULT_MODEL_PATH } = await import('../analyzers/index.ts');
  const loadMs = performance.now() - loadStart;
  const loads: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    loadModel(DEFAULT_MODEL_PATH);
    loads.push(performance.now() - start);
  }

  const corpus = [...readCorpus(join(ROOT, 'analyzers/corpus/train.jsonl')), ...readCorpus(join(ROOT, 'analyzers/corpus/test.jsonl'))];
  // Any fixed instant and the default zone: relative times are read against them.
  const sentAt = new Date('2026-11-23T10:00:00+08:00');
  const inputs: MessageAnalysisInput[] = corpus.map((l) => ({
    role: l.role,
    text: l.text,
    ...(l.attachments ? { attachments: l.attachments } : {}),
    sentAt,
    timeZone: 'Asia/Shanghai',
  }));
  const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

  // A sink the optimiser cannot drop.
  let sink = 0;
  let at = 0;
  const segmentChunk = (from: number, n: number): number => {
    const start = performance.now();
    for (let i = from; i < from + n; i++) {
      const text = (inputs[i % inputs.length] as MessageAnalysisInput).text;
      for (const s of segmenter.segment(text)) if (s.isWordLike) sink++;
    }
    return performance.now() - start;
  };
  const analyzeChunk = (from: number, n: number): number => {
    const start = performance.now();
    for (let i = from; i < from + n; i++) sink += analyze(inputs[i % inputs.length] as MessageAnalysisInput).length;
    return performance.now() - start;
  };
  const fullChunk = (from: number, n: number): number => {
    const start = performance.now();
    for (let i = from; i < from + n; i++) sink += analyzeMessage(inputs[i % inputs.length] as MessageAnalysisInput).actions.length;
    return performance.now() - start;
  };
  // One run: `total` messages through each, in alternating chunks of the same messages, so a busy
  // neighbour on a shared machine slows them alike and the ratios stay meaningful.
  const run = (n: number): [number, number, number] => {
    let a = 0;
    let f = 0;
    let s = 0;
    for (let done = 0; done < n; done += CHUNK) {
      const size = Math.min(CHUNK, n - done);
      a += analyzeChunk(at, size);
      f += fullChunk(at, size);
      s += segmentChunk(at, size);
      at += size;
    }
    return [(a * 1000) / n, (f * 1000) / n, (s * 1000) / n];
  };
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg()[0]?.toFixed(1)}`);
  console.log(
    `analyzer import incl. first model load ${loadMs.toFixed(0)} ms; model load (read + parse + decode) median of ${loads.length}: ${median(loads).toFixed(1)} ms (target < 50 ms)`,
  );
  console.log(`${total} messages a run (cycling ${inputs.length} corpus messages), ${runs} runs\n`);
  run(Math.min(total, 20_000));

  const seg: number[] = [];
  const ana: number[] = [];
  const full: number[] = [];
  const ratio: number[] = [];
  const fullRatio: number[] = [];
  console.log('run   analyze µs/msg   analyzeMessage µs/msg   segmenter µs/msg   ratio analyze   ratio analyzeMessage');
  for (let r = 0; r < runs; r++) {
    const [a, f, s] = run(total);
    ana.push(a);
    full.push(f);
    seg.push(s);
    ratio.push(a / s);
    fullRatio.push(f / s);
    console.log(
      `${String(r + 1).padStart(3)}   ${a.toFixed(2).padStart(14)}   ${f.toFixed(2).padStart(21)}   ${s.toFixed(2).padStart(16)}   ${(a / s).toFixed(2).padStart(13)}   ${(f / s).toFixed(2).padStart(20)}`,
    );
  }
  console.log(
    `\nmedians: segmentation floor ${median(seg).toFixed(2)} µs/msg; analyze ${median(ana).toFixed(2)} µs/msg, ratio ${median(ratio).toFixed(2)}; ` +
      `analyzeMessage (the loop's analysis of a message) ${median(full).toFixed(2)} µs/msg, ratio ${median(fullRatio).toFixed(2)} (target ≤ 1.5)`,
  );
  if (sink === -1) console.log(sink);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
