/**
 * The labelled corpus: one chat message per JSON line, labelled by ../../../shared/ACTIONS.md.
 *
 *   {"id":"en-0001","lang":"en","role":"customer","text":"…","attachments":[{"name":"Quote_v2.pdf"}],
 *    "labels":["objection_raised","competitor_mentioned"],"objection":"competitor"}
 *
 * The schema enforces the conventions of ACTIONS.md that can be checked on one line: labels are
 * known, unique and listed in the catalogue's order; `objection` is present exactly when the labels
 * contain `objection_raised`; rep-only and customer-only labels match the role; a competitor
 * objection also carries `competitor_mentioned`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import type { ActionKind } from '../../core/types.ts';

export const CORPUS_LANGS = ['zh', 'en'] as const;
export type CorpusLang = (typeof CORPUS_LANGS)[number];

/** Labels only a rep can carry (R in ACTIONS.md). */
export const REP_ONLY_LABELS: readonly ActionKind[] = ['quote_sent', 'proposal_sent', 'material_sent', 'contract_sent', 'objection_handled', 'follow_up'];
/** Labels only a customer can carry (C in ACTIONS.md). */
export const CUSTOMER_ONLY_LABELS: readonly ActionKind[] = ['price_inquiry', 'objection_raised', 'buying_signal'];

const ORDER = new Map<ActionKind, number>(ACTION_KINDS.map((kind, i) => [kind, i]));

export const corpusAttachmentSchema = z.object({
  name: z.string().trim().min(1, 'attachment name is empty'),
  type: z.string().min(1).optional(),
});

export const corpusLineSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'id must be letters, digits, - or _'),
    lang: z.enum(CORPUS_LANGS),
    role: z.enum(['rep', 'customer']),
    text: z.string(),
    attachments: z.array(corpusAttachmentSchema).min(1, 'omit attachments rather than give []').optional(),
    labels: z.array(z.enum(ACTION_KINDS)),
    objection: z.enum(OBJECTION_TYPES).optional(),
  })
  .superRefine((line, ctx) => {
    if (line.text.trim() === '' && !line.attachments?.length) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'empty text and no attachment' });
    }
    let previous = -1;
    for (const [i, label] of line.labels.entries()) {
      const at = ORDER.get(label) ?? -1;
      if (at === previous) {
        ctx.addIssue({ code: 'custom', path: ['labels', i], message: `duplicate label ${label}` });
      } else if (at < previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['labels', i],
          message: `label ${label} out of order (labels follow the order of ACTION_KINDS)`,
        });
      }
      previous = Math.max(previous, at);
      if (line.role === 'customer' && REP_ONLY_LABELS.includes(label)) {
        ctx.addIssue({ code: 'custom', path: ['labels', i], message: `${label} is a rep-only label` });
      }
      if (line.role === 'rep' && CUSTOMER_ONLY_LABELS.includes(label)) {
        ctx.addIssue({ code: 'custom', path: ['labels', i], message: `${label} is a customer-only label` });
      }
    }
    const raised = line.labels.includes('objection_raised');
    if (raised && line.objection === undefined) {
      ctx.addIssue({ code: 'custom', path: ['objection'], message: 'objection_raised needs an objection type' });
    }
    if (!raised && line.objection !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['objection'], message: 'objection given without objection_raised' });
    }
    if (line.objection === 'competitor' && !line.labels.includes('competitor_mentioned')) {
      ctx.addIssue({
        code: 'custom',
        path: ['labels'],
        message: 'a competitor objection also carries competitor_mentioned',
      });
    }
  });

export type CorpusLine = z.infer<typeof corpusLineSchema>;

/** A bad corpus line: names the file and the 1-based line number. */
export class CorpusFormatError extends Error {
  override readonly name = 'CorpusFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/** Validates one parsed JSON value; throws a CorpusFormatError naming `file` and `line`. */
export function parseCorpusLine(value: unknown, file: string, line: number): CorpusLine {
  const result = corpusLineSchema.safeParse(value);
  if (!result.success) throw new CorpusFormatError(file, line, describe(result.error));
  return result.data;
}

/**
 * Reads a .jsonl corpus file. Blank lines are skipped; any other bad line (invalid JSON or a
 * line the schema rejects) throws a CorpusFormatError naming the file and line number. Ids are
 * checked for duplicates within the file.
 */
export function readCorpus(path: string): CorpusLine[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const out: CorpusLine[] = [];
  const seen = new Map<string, number>();
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CorpusFormatError(path, lineNo, `invalid JSON: ${(error as Error).message}`);
    }
    const line = parseCorpusLine(value, path, lineNo);
    const first = seen.get(line.id);
    if (first !== undefined) throw new CorpusFormatError(path, lineNo, `duplicate id ${line.id} (first on line ${first})`);
    seen.set(line.id, lineNo);
    out.push(line);
  }
  return out;
}

// ---- the train/test split ---------------------------------------------------------------------

export type CorpusSide = 'train' | 'test';

/** Share of lines on the held-out side. */
export const TEST_FRACTION = 0.2;

/**
 * Ids of training-only lines: `<lang>-tr-…` (e.g. zh-tr-d-0001). Lines written after the held-out
 * split was first measured go to training only, so that split stays the same set of lines and
 * its figures stay comparable from one model to the next.
 */
export const TRAIN_ONLY_ID = /^[a-z]{2}-tr-/;

/**
 * Which side of the split a line is on: a pure function of its id (training-only ids always
 * train; any other id by the first 32 bits of the SHA-1 of the id), so a line never changes side
 * when lines are added or removed.
 */
export function corpusSideOf(id: string): CorpusSide {
  if (TRAIN_ONLY_ID.test(id)) return 'train';
  const bucket = createHash('sha1').update(id, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
  return bucket < TEST_FRACTION ? 'test' : 'train';
}

/** One line as written to a corpus file (keys in schema order, no spaces). */
export function formatCorpusLine(line: CorpusLine): string {
  const out: Record<string, unknown> = { id: line.id, lang: line.lang, role: line.role, text: line.text };
  if (line.attachments) out.attachments = line.attachments;
  out.labels = line.labels;
  if (line.objection) out.objection = line.objection;
  return JSON.stringify(out);
}
