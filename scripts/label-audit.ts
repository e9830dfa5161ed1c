/**
 * The blind label audits (analyzers/corpus/audits/README.md).
 *
 * Each independent set: how far each annotator agrees with the others, per action, and a check
 * that the committed labels are the audit's consensus. Annotators: the set's writers (the labels
 * before the audit: the committed ones with `changes.json` undone) and the auditors of
 * `annotations/<lang>.<who>.jsonl`. A label holds when more than half of them give it; a tie
 * keeps the writer's. Labels only: no audit changed an objection type, and the check does not
 * look at them. Prints aggregates only, never a line: the sets are not there to be read.
 *
 * External set: a sample of ResPer's buyer lines labelled by ACTIONS.md without ResPer's labels;
 * the objection recall and false-positive rate each annotator, their majority and the committed
 * model reach on it, scored as `npm run eval -- --external` scores.
 *
 *   npx tsx scripts/label-audit.ts        (exits 1 when a committed label is not the consensus)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readCorpusDir } from '../analyzers/classifier/evaluate.ts';
import { type CorpusLine, readCorpus } from '../analyzers/corpus/schema.ts';
import { type Judged, report } from '../analyzers/classifier/metrics.ts';
import { ACTION_KINDS, type ActionKind, OBJECTION_TYPES } from '../core/types.ts';
import { EXTERNAL_CSV, OBJECTION_LABELS, parseCsv, strategyOf } from './eval-external.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const AUDITS = join(ROOT, 'analyzers/corpus/audits');
/** Each audited set: its audit folder and where its lines are now. */
const SETS: Array<[string, () => CorpusLine[]]> = [
  ['independent', () => readCorpusDir(join(ROOT, 'analyzers/corpus/independent')) ?? []],
  // The first independent set, audited before it was retired (analyzers/corpus/briefs/independent-v1.md):
  // `-tr-ind-` lines, in src/ when trained on, in candidates/ when not.
  ['independent-v1', () => ['src', 'candidates'].flatMap((dir) => retiredLines(join(ROOT, 'analyzers/corpus', dir)))],
];

function retiredLines(dir: string): CorpusLine[] {
  return readdirSync(dir)
    .filter((f) => /^(zh|en)-tr-ind-.*\.jsonl$/.test(f))
    .sort()
    .flatMap((f) => readCorpus(join(dir, f)));
}

const labelsSchema = z.object({ labels: z.array(z.enum(ACTION_KINDS)), objection: z.enum(OBJECTION_TYPES).optional() });
const annotationSchema = labelsSchema.extend({ id: z.string() });
const changeSchema = z.object({ id: z.string(), before: labelsSchema, after: labelsSchema });
type Labels = readonly ActionKind[];

function readAnnotations(path: string): Map<string, Labels> {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((s) => s.trim() !== '')
    .map((s) => annotationSchema.parse(JSON.parse(s)));
  return new Map(rows.map((r) => [r.id, r.labels]));
}

/** Prints the agreement table of one set; returns how many committed lines are not the consensus. */
function auditSet(name: string, lines: readonly CorpusLine[]): number {
  const audit = join(AUDITS, name);
  const changes = z.array(changeSchema).parse(JSON.parse(readFileSync(join(audit, 'changes.json'), 'utf8')));
  const before = new Map(changes.map((c) => [c.id, c.before.labels]));
  const files = readdirSync(join(audit, 'annotations')).filter((f) => f.endsWith('.jsonl'));
  let wrong = 0;
  for (const lang of ['zh', 'en'] as const) {
    const own = lines.filter((l) => l.lang === lang);
    const writer = new Map<string, Labels>(own.map((l) => [l.id, before.get(l.id) ?? l.labels]));
    const annotators: Array<[string, Map<string, Labels>]> = [['writer', writer]];
    for (const f of files.filter((file) => file.startsWith(`${lang}.`)).sort()) {
      annotators.push([f.split('.')[1] ?? f, readAnnotations(join(audit, 'annotations', f))]);
    }
    const missing = new Set(annotators.filter(([, m]) => own.some((l) => !m.has(l.id))).map(([who]) => who));
    if (missing.size > 0) throw new Error(`${name} ${lang}: lines without a label from ${[...missing].join(', ')}`);
    const yes = (id: string, kind: ActionKind, skip = -1) => annotators.filter(([, m], i) => i !== skip && m.get(id)?.includes(kind)).length;
    // Each annotator against the majority of the others (a tie among them counts as no label).
    const rows = annotators.map(([who, mine], i) => {
      const judged: Judged[] = own.map((l) => ({
        id: l.id,
        lang,
        gold: ACTION_KINDS.filter((k) => yes(l.id, k, i) * 2 > annotators.length - 1),
        predicted: mine.get(l.id) ?? [],
      }));
      return [who, report(lang, judged)] as const;
    });
    let changed = 0;
    const n = annotators.length;
    for (const l of own) {
      const mine = writer.get(l.id) ?? [];
      const consensus = ACTION_KINDS.filter((k) => yes(l.id, k) * 2 > n || (yes(l.id, k) * 2 === n && mine.includes(k)));
      if (consensus.join() !== mine.join()) changed++;
      if (consensus.join() !== l.labels.join()) wrong++;
    }
    console.log(`${name} [${lang}]: ${own.length} lines, ${annotators.length} annotators; the consensus changes ${changed} lines`);
    console.log(`  ${'F1 against the others'.padEnd(22)}${rows.map(([who]) => who.padStart(10)).join('')}`);
    for (const [i, kind] of ACTION_KINDS.entries()) {
      console.log(`  ${kind.padEnd(22)}${rows.map(([, r]) => r.actions[i]?.f1.toFixed(3).padStart(10)).join('')}`);
    }
    console.log(`  ${'macro-F1'.padEnd(22)}${rows.map(([, r]) => r.macroF1.toFixed(3).padStart(10)).join('')}\n`);
  }
  return wrong;
}

async function auditExternal(): Promise<void> {
  const dir = join(AUDITS, 'external');
  const sample = z
    .array(z.object({ id: z.string(), row: z.number().int(), label: z.string() }))
    .parse(JSON.parse(readFileSync(join(dir, 'sample.json'), 'utf8')));
  const rows = parseCsv(readFileSync(EXTERNAL_CSV, 'utf8')).slice(1);
  const text = new Map<string, string>();
  for (const s of sample) {
    const row = rows[s.row];
    if (row?.[1] !== '0' || (row[3] ?? '') !== s.label) throw new Error(`external sample ${s.id}: row ${s.row} is not the buyer line it was drawn as`);
    text.set(s.id, row[2] ?? '');
  }
  const { analyze } = await import('../analyzers/index.ts');
  const raised = (labels: Labels | undefined) => labels?.includes('objection_raised') ?? false;
  const who: Array<[string, (id: string) => boolean]> = readdirSync(join(dir, 'annotations'))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => {
      const m = readAnnotations(join(dir, 'annotations', f));
      return [f.split('.')[1] ?? f, (id: string) => raised(m.get(id))] as [string, (id: string) => boolean];
    });
  const humans = [...who];
  who.push(['majority', (id) => humans.filter(([, says]) => says(id)).length * 2 > humans.length]);
  who.push(['model', (id) => raised(analyze({ role: 'customer', text: text.get(id) ?? '' }).map((a) => a.kind))]);
  const positives = sample.filter((s) => OBJECTION_LABELS[strategyOf(s.label)] !== undefined);
  const clean = sample.filter((s) => s.label === '');
  const pct = (part: number, all: number) => `${((100 * part) / all).toFixed(1)}% (${part}/${all})`;
  console.log(`external sample: ${positives.length} objection lines by ResPer, ${clean.length} unlabelled buyer lines, shuffled, labelled by ACTIONS.md`);
  for (const [name, says] of who) {
    const byLabel = Object.keys(OBJECTION_LABELS).map((label) => {
      const of = positives.filter((s) => strategyOf(s.label) === label);
      return `${label} ${pct(of.filter((s) => says(s.id)).length, of.length)}`;
    });
    console.log(
      `  ${name.padEnd(9)} recall ${pct(positives.filter((s) => says(s.id)).length, positives.length)}, false positives ${pct(clean.filter((s) => says(s.id)).length, clean.length)}; ${byLabel.join(', ')}`,
    );
  }
}

let wrong = 0;
for (const [name, lines] of SETS) wrong += auditSet(name, lines());
await auditExternal();
if (wrong > 0) {
  console.error(`${wrong} committed lines differ from their audit's consensus`);
  process.exit(1);
}
console.log("\nEvery committed label of the independent sets is its audit's consensus.");
