/**
 * The shapes of the playbook file (funnel + rules) and the atoms file. Both are data an admin
 * edits; they are validated here, loaded into the database, and read back by the coach.
 */
import { z } from 'zod';
import { ACTION_KINDS, OBJECTION_TYPES, TOPICS } from '../../core/types.ts';

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?[mhd]$/, 'a duration like 30m, 2h or 3d')
  .transform((s) => {
    const n = Number(s.slice(0, -1));
    const unit = s.slice(-1);
    return Math.round(n * (unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000));
  });

const actionTrigger = z.object({ action: z.enum(ACTION_KINDS), objection: z.enum(OBJECTION_TYPES).optional() });

export const funnelSchema = z
  .object({
    stages: z.array(z.string().min(1)).min(3),
    closed: z.array(z.string()).default([]),
    firstRepMessage: z.string().optional(),
    moves: z.array(actionTrigger.extend({ to: z.string(), after: z.string().optional() })),
  })
  .superRefine((f, ctx) => {
    const known = new Set(f.stages);
    const check = (s: string | undefined, path: (string | number)[]) => {
      if (s !== undefined && !known.has(s)) ctx.addIssue({ code: 'custom', path, message: `unknown stage ${s}` });
    };
    for (const [i, s] of f.closed.entries()) check(s, ['closed', i]);
    check(f.firstRepMessage, ['firstRepMessage']);
    f.moves.forEach((m, i) => {
      check(m.to, ['moves', i, 'to']);
      check(m.after, ['moves', i, 'after']);
    });
  });
export type Funnel = z.infer<typeof funnelSchema>;

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string(),
    on: z.union([actionTrigger, z.object({ question: z.literal('customer') }), z.object({ valueScoreAtLeast: z.number().min(0).max(100) })]),
    expect: z
      .union([z.object({ action: z.enum(ACTION_KINDS), by: z.enum(['rep', 'customer']).default('rep') }), z.object({ reply: z.enum(['rep', 'customer']) })])
      .optional(),
    within: duration.optional(),
    nudgeAt: duration.optional(),
    startAt: z.enum(['message', 'meeting']).default('message'),
    workingHours: z.boolean().default(false),
    /** No second nudge of this rule in the same conversation within this long (against nudge fatigue). */
    cooldown: duration.optional(),
    atoms: z.union([z.object({ ids: z.array(z.string()).min(1) }), z.object({ match: z.literal('trigger') })]).optional(),
    title: z.string(),
    hint: z.string(),
    enabled: z.boolean().default(true),
  })
  .refine((r) => (r.expect === undefined) === (r.within === undefined), { message: 'expect and within go together' });
export type Rule = z.infer<typeof ruleSchema>;

/** Compliance: phrases a rep must never write to a customer (checked as plain substrings, case-insensitive). */
export const complianceSchema = z.object({
  sensitivePhrases: z.array(z.string().min(2)).default([]),
});
export type Compliance = z.infer<typeof complianceSchema>;

/**
 * The customer value score (0–100), recomputed as a deal's messages arrive: the weights say how
 * much each part counts; each part is 0..1 of its weight.
 */
export const valueScoreSchema = z.object({
  weights: z.object({
    amount: z.number().min(0),
    engagement: z.number().min(0),
    buyingSignals: z.number().min(0),
    responsiveness: z.number().min(0),
  }),
  /** A deal amount (CNY) at or above this counts in full. */
  amountFull: z.number().positive(),
  /** Customer messages that count as full engagement. */
  engagementFull: z.number().int().positive(),
  /** Customer buying signals, agreed next steps and accepted meetings that count in full. */
  buyingSignalsFull: z.number().int().positive(),
  /** Average customer reply time (hours) at or under which responsiveness counts in full; 24 h or more counts nothing. */
  responsiveFullHours: z.number().positive(),
});
export type ValueScoreFormula = z.infer<typeof valueScoreSchema>;

export const playbookFileSchema = z.object({
  funnel: funnelSchema,
  rules: z.array(ruleSchema),
  compliance: complianceSchema.default({ sensitivePhrases: [] }),
  valueScore: valueScoreSchema.optional(),
});
export type PlaybookFile = z.infer<typeof playbookFileSchema>;

export const atomSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  topic: z.string().min(1),
  keywords: z.array(z.string()).default([]),
  trigger: actionTrigger.optional(),
  /** The customer topics (core/types TOPICS) this atom answers: chosen when a message is about one. */
  about: z.array(z.enum(TOPICS)).default([]),
  stages: z.array(z.string()).default([]),
  /** Chosen only for deals whose value score is at least this. */
  minValueScore: z.number().min(0).max(100).optional(),
  /** The person (org id) who maintains the atom: the decay report goes to them too. */
  owner: z.string().optional(),
  talkTracks: z.array(z.string().min(1)).min(1),
  evidence: z.array(z.object({ title: z.string(), detail: z.string() })).default([]),
  risks: z.array(z.string()).default([]),
});
export type Atom = z.infer<typeof atomSchema>;
export const atomsFileSchema = z.object({ atoms: z.array(atomSchema) });
