/**
 * The analyzer on data nobody on this project wrote: ResPer's resistance-strategy annotations
 * of CraigslistBargain chats (../shared/eval-external/README.md). Buyer lines (User 0) are run
 * as customer messages. Reports the recall of objection_raised on buyer lines labelled Counter
 * Argumentation, Self Pity or Source Derogation, and the share of unlabelled buyer lines given
 * objection_raised. Measures generalisation only: never train or tune on it.
 *
 *   npm run eval -- --external        or        npx tsx scripts/eval-external.ts [--csv PATH]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzerInput, DetectedAction, ObjectionType } from '../core/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** CI clones the repo next to shared/, so the data is one level up from the repo. */
export const EXTERNAL_CSV = join(ROOT, '../shared/eval-external/resper-cb-resistance.csv');

/** Resistance labels that map onto objection_raised, with the type the README gives them. */
export const OBJECTION_LABELS: Record<string, ObjectionType> = {
  'Counter Argumentation': 'price',
  'Self Pity': 'price',
  'Source Derogation': 'trust',
};

/** The strategy of a label such as "Counter Argumentation-Contesting" (the strategy, then its family); '' when unlabelled. */
export const strategyOf = (label: string): string => label.split('-')[0]?.trim() ?? '';

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface ExternalResult {
  positives: number;
  found: number;
  /** Of the found positives, how many got the README's objection type. */
  typeAgrees: number;
  byLabel: Record<string, { total: number; found: number }>;
  unlabelled: number;
  falsePositives: number;
  inquiries: number;
  inquiryFalsePositives: number;
}

/** Runs `analyze` over the buyer lines of the CSV. */
export function evaluateExternal(csvPath: string, analyze: (input: AnalyzerInput) => DetectedAction[]): ExternalResult {
  const rows = parseCsv(readFileSync(csvPath, 'utf8')).slice(1);
  const r: ExternalResult = { positives: 0, found: 0, typeAgrees: 0, byLabel: {}, unlabelled: 0, falsePositives: 0, inquiries: 0, inquiryFalsePositives: 0 };
  for (const [, user, text, label = ''] of rows) {
    if (user !== '0' || text === undefined || text.trim() === '') continue;
    const strategy = strategyOf(label);
    const raised = analyze({ role: 'customer', text }).find((a) => a.kind === 'objection_raised');
    const type = OBJECTION_LABELS[strategy];
    if (type) {
      r.positives++;
      r.byLabel[strategy] ??= { total: 0, found: 0 };
      const slot = r.byLabel[strategy];
      slot.total++;
      if (raised) {
        r.found++;
        slot.found++;
        if (raised.objection === type) r.typeAgrees++;
      }
    } else if (strategy === '') {
      r.unlabelled++;
      if (raised) r.falsePositives++;
    } else if (strategy === 'Information Inquiry') {
      r.inquiries++;
      if (raised) r.inquiryFalsePositives++;
    }
  }
  return r;
}

const pct = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);

/** The result as a few lines for a terminal. */
export function formatExternal(r: ExternalResult): string {
  const out = [
    'External: ResPer CraigslistBargain resistance annotations, buyer lines as customer messages (never trained or tuned on)',
    `  objection_raised recall on Counter Argumentation / Self Pity / Source Derogation: ${pct(r.found, r.positives)} (${r.found}/${r.positives})`,
  ];
  for (const [label, s] of Object.entries(r.byLabel)) out.push(`    ${label.padEnd(22)} ${pct(s.found, s.total).padStart(6)} (${s.found}/${s.total})`);
  out.push(`  objection type as the README maps it, where found: ${pct(r.typeAgrees, r.found)} (${r.typeAgrees}/${r.found})`);
  out.push(`  false-positive rate on unlabelled buyer lines: ${pct(r.falsePositives, r.unlabelled)} (${r.falsePositives}/${r.unlabelled})`);
  out.push(
    `  (for information: objection_raised on Information Inquiry lines: ${pct(r.inquiryFalsePositives, r.inquiries)} (${r.inquiryFalsePositives}/${r.inquiries}))`,
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--csv');
  const csv = at >= 0 && args[at + 1] ? resolve(args[at + 1] as string) : EXTERNAL_CSV;
  const { analyze } = await import('../analyzers/index.ts');
  console.log(formatExternal(evaluateExternal(csv, analyze)));
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
