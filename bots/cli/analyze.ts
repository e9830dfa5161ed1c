/**
 * `dealwise analyze FILE` (or `-` for stdin): the analyzer over JSON lines, one result line per
 * input line, in order. A stable interface for scripts and other tools:
 *
 *   in:  {"id": "m1", "lang"?: "zh"|"en", "role": "rep"|"customer", "text": "…", "attachments"?: [{"name": "报价单.pdf"}]}
 *   out: {"id": "m1", "actions": [{"kind": "quote_sent", "confidence": 0.93}, {"kind": "objection_raised", "confidence": 0.8, "objection": "price"}]}
 *
 * A line that is not valid JSON or not a valid message gives {"line": N, "error": "…"} (with its
 * "id" when it has one) and the rest go on; the exit code is then 1. Blank lines are skipped.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import type { AnalyzerInput, DetectedAction } from '../../core/types.ts';

const messageSchema = z.object({
  id: z.union([z.string(), z.number()]),
  lang: z.enum(['zh', 'en']).optional(),
  role: z.enum(['rep', 'customer']),
  text: z.string(),
  attachments: z.array(z.object({ name: z.string() })).optional(),
});

/** What one input line becomes: a result or an error, as the JSON object to print. */
export function analyzeLine(raw: string, lineNo: number, analyze: (input: AnalyzerInput) => DetectedAction[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { line: lineNo, error: `invalid JSON: ${(error as Error).message}` };
  }
  const parsed = messageSchema.safeParse(value);
  if (!parsed.success) {
    const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
    const reason = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    return { line: lineNo, ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error: reason };
  }
  const m = parsed.data;
  const actions = analyze({
    role: m.role,
    text: m.text,
    ...(m.lang ? { lang: m.lang } : {}),
    ...(m.attachments ? { attachments: m.attachments.map((a) => ({ name: a.name })) } : {}),
  });
  return {
    id: m.id,
    actions: actions.map((a) => ({ kind: a.kind, confidence: a.confidence, ...(a.objection ? { objection: a.objection } : {}) })),
  };
}

/** Reads JSON lines from `input`, writes one result line each to `output`; returns the number of bad lines. */
export async function analyzeStream(input: Readable, output: NodeJS.WritableStream, analyze: (input: AnalyzerInput) => DetectedAction[]): Promise<number> {
  let lineNo = 0;
  let bad = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    const result = analyzeLine(text, lineNo, analyze);
    if ('error' in result) bad++;
    // Respect back-pressure: a large file piped into a slow reader must not pile up in memory.
    if (!output.write(`${JSON.stringify(result)}\n`)) await once(output, 'drain');
  }
  return bad;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('detect the key sales actions in chat messages given as JSON lines (- for stdin)')
    .argument('<file>', 'JSON lines {"id","lang"?,"role","text","attachments"?}, or - for standard input')
    .option('--model <path>', 'a model file other than the committed analyzers/model/model.json (its weights file, .bin, beside it)')
    .action(async (file: string, options: { model?: string }) => {
      // Loaded here, not at the top: the model load is only paid by the command that uses it.
      const index = await import('../../analyzers/index.ts');
      let analyze = index.analyze;
      try {
        if (options.model) analyze = index.createAnalyzer(options.model);
      } catch (error) {
        process.stderr.write(`analyze: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const input = file === '-' ? process.stdin : createReadStream(file);
      try {
        const bad = await analyzeStream(input, process.stdout, analyze);
        if (bad > 0) process.exitCode = 1;
      } catch (error) {
        process.stderr.write(`analyze: ${(error as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
