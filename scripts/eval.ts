/**
 * Measures the analyzer on the held-out split (analyzers/corpus/test.jsonl), per language:
 * per-action precision, recall and F1, macro-F1, objection-type accuracy and the most frequent
 * confusions with an example id. Messages go in as production sends them: role, text and
 * attachments, no language hint.
 *
 *   npm run eval [-- --model PATH] [--rules] [--external] [--json]
 *
 * --rules scores the rules alone (the baseline); --external adds ./eval-external.ts.
 * Read the figures; do not tune on the lines behind them.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzerInput, DetectedAction } from '../core/types.ts';
import { readCorpus } from '../analyzers/corpus/schema.ts';
import { formatReport, report } from '../analyzers/classifier/metrics.ts';
import type { Judged, Report } from '../analyzers/classifier/metrics.ts';
import { EXTERNAL_CSV, evaluateExternal, formatExternal } from './eval-external.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = new Set(['--model', '--rules', '--external', '--json']);
  for (const [i, a] of args.entries()) {
    if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown argument ${a}`);
    if (!a.startsWith('--') && args[i - 1] !== '--model') throw new Error(`unexpected argument ${a}`);
  }
  const at = args.indexOf('--model');
  const modelPath = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && modelPath === undefined) throw new Error('--model needs a path');

  const index = await import('../analyzers/index.ts');
  let analyze: (input: AnalyzerInput) => DetectedAction[] = index.analyze;
  if (args.includes('--rules')) analyze = index.analyzeRules;
  else if (modelPath) analyze = index.createAnalyzer(resolve(modelPath));

  const lines = readCorpus(join(ROOT, 'analyzers/corpus/test.jsonl'));
  const judged: Judged[] = lines.map((line) => {
    const actions = analyze({ role: line.role, text: line.text, ...(line.attachments ? { attachments: line.attachments } : {}) });
    return {
      id: line.id,
      lang: line.lang,
      gold: line.labels,
      predicted: actions.map((a) => a.kind),
      goldObjection: line.objection,
      predictedObjection: actions.find((a) => a.kind === 'objection_raised')?.objection,
    };
  });
  const reports: Report[] = (['zh', 'en'] as const).map((lang) =>
    report(
      lang,
      judged.filter((j) => j.lang === lang),
    ),
  );
  if (args.includes('--json')) {
    console.log(JSON.stringify(reports, null, 2));
  } else {
    console.log(`Held-out split: analyzers/corpus/test.jsonl, ${lines.length} lines, ${args.includes('--rules') ? 'rules alone' : 'trained classifier'}\n`);
    for (const r of reports) console.log(`${formatReport(r)}\n`);
  }
  if (args.includes('--external')) console.log(formatExternal(evaluateExternal(EXTERNAL_CSV, analyze)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
