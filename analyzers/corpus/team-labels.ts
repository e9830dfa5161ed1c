/**
 * Team labels: what owners' confirmations and corrections say about single messages, as written
 * by `npx dealwise export-labels` (one JSON object a line) and read by `npm run train -- --labels`.
 *
 *   {"id":"lbl-01HZX…","lang":"zh","role":"customer","text":"合同已经盖章寄出了",
 *    "action":"deal_won","value":true,"source":"confirmation","at":"2024-06-12T08:30:00.000Z"}
 *
 * Each line is a partial label: `value: true` says the message carries `action`, `value: false`
 * that it does not; nothing is said about the other actions (the one-vs-rest trainer trains only
 * that action's classifier on it). `objection` may accompany `objection_raised` with value true.
 * The same message may appear on several lines (one per action); the latest line (`at`) for a
 * (message, action) pair wins when two disagree.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ACTION_KINDS, OBJECTION_TYPES } from '../../core/types.ts';
import { CORPUS_LANGS, CUSTOMER_ONLY_LABELS, corpusAttachmentSchema, REP_ONLY_LABELS } from './schema.ts';

export const TEAM_LABEL_SOURCES = ['confirmation', 'correction'] as const;

export const teamLabelSchema = z
  .strictObject({
    id: z.string().regex(/^lbl-[A-Za-z0-9_-]+$/, 'id must be lbl- then letters, digits, - or _'),
    lang: z.enum(CORPUS_LANGS),
    role: z.enum(['rep', 'customer']),
    text: z.string(),
    attachments: z.array(corpusAttachmentSchema).min(1, 'omit attachments rather than give []').optional(),
    action: z.enum(ACTION_KINDS),
    value: z.boolean(),
    objection: z.enum(OBJECTION_TYPES).optional(),
    source: z.enum(TEAM_LABEL_SOURCES),
    at: z.iso.datetime({ offset: true }),
  })
  .superRefine((label, ctx) => {
    if (label.text.trim() === '' && !label.attachments?.length) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'empty text and no attachment' });
    }
    const impossible =
      (label.role === 'customer' && REP_ONLY_LABELS.includes(label.action)) || (label.role === 'rep' && CUSTOMER_ONLY_LABELS.includes(label.action));
    if (impossible && label.value) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `a ${label.role} cannot carry ${label.action}` });
    }
    if (label.objection !== undefined && !(label.action === 'objection_raised' && label.value)) {
      ctx.addIssue({ code: 'custom', path: ['objection'], message: 'objection only goes with objection_raised and value true' });
    }
  });

export type TeamLabel = z.infer<typeof teamLabelSchema>;

/** A bad team-label line: names the file and the 1-based line number. */
export class TeamLabelFormatError extends Error {
  override readonly name = 'TeamLabelFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/**
 * Reads a team-label JSONL file. Blank lines are skipped; an invalid line throws a
 * TeamLabelFormatError naming the file and line. When several lines label the same message
 * (role, text, attachments) for the same action, the one with the latest `at` is kept (on a tie,
 * the later line), so a correction after a confirmation wins.
 */
export function readTeamLabels(path: string): TeamLabel[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const latest = new Map<string, { label: TeamLabel; order: number }>();
  for (const [i, raw] of lines.entries()) {
    const lineNo = i + 1;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new TeamLabelFormatError(path, lineNo, `invalid JSON: ${(error as Error).message}`);
    }
    const result = teamLabelSchema.safeParse(value);
    if (!result.success) {
      const reason = result.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
      throw new TeamLabelFormatError(path, lineNo, reason);
    }
    const label = result.data;
    const key = JSON.stringify([label.role, label.text, label.attachments?.map((a) => a.name) ?? [], label.action]);
    const seen = latest.get(key);
    if (!seen || Date.parse(label.at) >= Date.parse(seen.label.at)) latest.set(key, { label, order: seen?.order ?? lineNo });
  }
  return [...latest.values()].sort((a, b) => a.order - b.order).map((v) => v.label);
}

/** Counts per action and value, for the model file's record of what it was trained on. */
export function countTeamLabels(labels: readonly TeamLabel[]): {
  positive: number;
  negative: number;
  byAction: Record<string, { true: number; false: number }>;
} {
  const byAction: Record<string, { true: number; false: number }> = {};
  let positive = 0;
  for (const l of labels) {
    byAction[l.action] ??= { true: 0, false: 0 };
    const slot = byAction[l.action] as { true: number; false: number };
    if (l.value) {
      slot.true++;
      positive++;
    } else slot.false++;
  }
  return { positive, negative: labels.length - positive, byAction };
}
