/**
 * The shapes of the playbook file (funnel, rules, compliance, value score) and the atoms file.
 * Both are data an admin edits; they are validated here, stored in the database, and read back
 * into every process's in-memory catalog.
 */
import { z } from 'zod';
import { ACTION_KINDS, MEETING_TYPES, OBJECTION_TYPES, TOPICS } from '../../core/types.ts';
import { DOCUMENT_KINDS } from '../../db/schema/documents.ts';

/** `30m`, `2h`, `3d` in milliseconds; `0` for "at the start". In working time when a rule says so. */
const duration = z
  .string()
  .regex(/^(0|\d+(\.\d+)?[mhd])$/, 'a duration like 30m, 2h or 3d')
  .transform((s) => {
    if (s === '0') return 0;
    const n = Number(s.slice(0, -1));
    const unit = s.slice(-1);
    return Math.round(n * (unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000));
  });

const actionTrigger = z.object({
  action: z.enum(ACTION_KINDS),
  objection: z.enum(OBJECTION_TYPES).optional(),
  meetingType: z.enum(MEETING_TYPES).optional(),
});

/** A stage's name as compared with what people write: full-width forms and case folded. */
export const stageNameKey = (name: string): string => name.normalize('NFKC').trim().toLowerCase();

export const funnelSchema = z
  .object({
    stages: z.array(z.string().min(1)).min(3),
    closed: z.array(z.string()).default([]),
    /** How managers read each stage (线索, 已接触 …); a stage without a label shows as written. */
    labels: z.record(z.string(), z.string()).default({}),
    /**
     * Other names a stage is understood by in `/deal 华东医疗 阶段 <name>` (a label it had before,
     * so people who learnt it are not refused); it is always shown by its label.
     */
    aliases: z.record(z.string(), z.array(z.string().min(1))).default({}),
    firstRepMessage: z.string().optional(),
    moves: z.array(actionTrigger.extend({ to: z.string(), after: z.string().optional() })),
    /**
     * Days a deal may spend in a stage before it counts as stalled, while the team has too few won
     * deals to say (then the 75th percentile of what its won deals needed is used instead).
     */
    stallDays: z.record(z.string(), z.number().positive()).default({}),
    /**
     * The forecast's win chance for a deal in each open stage before the team has closed deals of
     * its own (blended with the team's history as K = 10 deals); DEFAULT_WIN_PRIORS when absent.
     */
    winPriors: z.record(z.string(), z.number().min(0).max(1)).optional(),
  })
  .superRefine((f, ctx) => {
    const known = new Set(f.stages);
    const check = (s: string | undefined, path: (string | number)[]) => {
      if (s !== undefined && !known.has(s)) ctx.addIssue({ code: 'custom', path, message: `unknown stage ${s}` });
    };
    for (const [i, s] of f.closed.entries()) check(s, ['closed', i]);
    if (f.closed.length !== 2) ctx.addIssue({ code: 'custom', path: ['closed'], message: 'two closed stages: the won one first, then the lost one' });
    check(f.firstRepMessage, ['firstRepMessage']);
    for (const s of Object.keys(f.winPriors ?? {})) check(s, ['winPriors', s]);
    // A name that meant two stages would move a deal to whichever came first.
    const named = new Map<string, string>();
    for (const s of f.stages) for (const n of [s, f.labels[s] ?? s]) named.set(stageNameKey(n), s);
    for (const [s, names] of Object.entries(f.aliases)) {
      check(s, ['aliases', s]);
      for (const [i, n] of names.entries()) {
        const other = named.get(stageNameKey(n));
        if (other !== undefined && other !== s) ctx.addIssue({ code: 'custom', path: ['aliases', s, i], message: `${n} already names stage ${other}` });
        named.set(stageNameKey(n), s);
      }
    }
    for (const [i, m] of f.moves.entries()) {
      check(m.to, ['moves', i, 'to']);
      check(m.after, ['moves', i, 'after']);
    }
  });
export type Funnel = z.infer<typeof funnelSchema>;

/**
 * Win chances a sales team would guess for each stage before it has history of its own (the
 * usual B2B funnel); a stage not named gets its share along the funnel.
 */
export const DEFAULT_WIN_PRIORS: Readonly<Record<string, number>> = {
  lead: 0.05,
  contacted: 0.1,
  qualified: 0.2,
  demo: 0.3,
  proposal: 0.45,
  negotiation: 0.65,
};

const points = z.number().min(-100).max(100);
const bounds = z.tuple([points, points]).refine(([lo, hi]) => lo <= hi, 'the lower bound first');

/**
 * Points per post-sale event (`POST /v1/deal-events`) and the bounds of each term: paying on
 * time and referring others are what a strategic customer does; late payments and serious
 * tickets pull the score down.
 */
export const postSaleSchema = z.object({
  paymentOnTime: points,
  paymentLate: points,
  referral: points,
  ticket: z.object({ low: points, medium: points, high: points }),
  renewal: points,
  bounds: z.object({ payment: bounds, referral: bounds, ticket: bounds, renewal: bounds }),
});
export type PostSalePoints = z.infer<typeof postSaleSchema>;

export const DEFAULT_POST_SALE: PostSalePoints = {
  paymentOnTime: 3,
  paymentLate: -4,
  referral: 5,
  ticket: { low: -1, medium: -3, high: -6 },
  renewal: 8,
  bounds: { payment: [-15, 10], referral: [0, 15], ticket: [-15, 0], renewal: [0, 16] },
};

/** What sets a rule off. */
export const triggerSchema = z.union([
  actionTrigger,
  /** The customer asked something. */
  z.object({ question: z.literal('customer') }),
  /** A customer message about a topic (or about any topic). */
  z.object({ topic: z.union([z.enum(TOPICS), z.literal('any')]) }),
  /** The deal's value score reached a threshold (once per deal). */
  z.object({ valueScoreAtLeast: z.number().min(0).max(100) }),
  /** Someone committed to a day ("1月8号再聊"): a reminder on that working day. */
  z.object({ commitment: z.literal('any') }),
  /** Any message of one side in a customer chat (silence rules: no reply for N working days). */
  z.object({ message: z.enum(['rep', 'customer']) }),
  /** The deal closed as won or lost (once per deal). */
  z.object({ closed: z.enum(['won', 'lost']) }),
  /**
   * The customer's reading of a tracked document crossed a line: the price page read more than
   * twice or for over two minutes in all (`price_page`), or a new person opened a proposal or
   * quote (`new_reader`). Each crossing once per document and deal.
   */
  z.object({ reading: z.enum(['price_page', 'new_reader']) }),
  /** A tracked link to a document of this kind was made for a customer chat (`/share`, a PDF sent to the bot, the API). */
  z.object({ shared: z.enum(DOCUMENT_KINDS) }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string(),
    on: triggerSchema,
    /** Only while the deal is in one of these stages (default: any open stage). */
    stages: z.array(z.string()).optional(),
    /**
     * Only once the deal has had this key action, in this message or an earlier one: the
     * negotiation stage's silence speaks of the contract only after one was sent.
     */
    after: z.object({ action: z.enum(ACTION_KINDS) }).optional(),
    /** Only while the deal has not had it; a timer the rule opened is cancelled when it comes. */
    before: z.object({ action: z.enum(ACTION_KINDS) }).optional(),
    expect: z
      .union([
        z.object({ action: z.enum(ACTION_KINDS), by: z.enum(['rep', 'customer']).default('rep') }),
        z.object({ reply: z.enum(['rep', 'customer']) }),
        /** The shared document is opened by the customer (with `on: { shared }`). */
        z.object({ opened: z.literal('document') }),
      ])
      .optional(),
    within: duration.optional(),
    nudgeAt: duration.optional(),
    /** Where the window starts: the message, the meeting time it states, or the day it commits to. */
    startAt: z.enum(['message', 'meeting', 'commitment']).default('message'),
    /** Windows count working time only (WORK_START–WORK_END on WORK_DAYS; `d` = working days). */
    workingHours: z.boolean().default(true),
    /** No second nudge of this rule in the same conversation within this long (against nudge fatigue). */
    cooldown: duration.optional(),
    atoms: z.union([z.object({ ids: z.array(z.string()).min(1) }), z.object({ match: z.enum(['trigger', 'relevance']) })]).optional(),
    title: z.string(),
    hint: z.string(),
    enabled: z.boolean().default(true),
  })
  .refine((r) => r.expect === undefined || r.within !== undefined, { message: 'an expectation needs `within`' })
  .refine((r) => r.startAt !== 'commitment' || 'commitment' in r.on, { message: 'startAt: commitment needs on: { commitment: any }' })
  .refine((r) => r.after === undefined || r.before === undefined || r.after.action !== r.before.action, {
    message: 'after and before name the same action: the rule could never hold',
    path: ['before'],
  })
  .refine((r) => (r.expect !== undefined && 'opened' in r.expect) === 'shared' in r.on, {
    message: 'expect: { opened: document } goes with on: { shared: <kind> }, and a shared trigger needs it',
  });
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
  /** The post-sale terms' points; DEFAULT_POST_SALE when absent. */
  postSale: postSaleSchema.default(DEFAULT_POST_SALE),
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
  /** The /kb heading it is filed under (价格异议, 竞品 …). */
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
  /**
   * `behaviour` ties a written figure to a measured behaviour (a breakpoint key such as
   * demo-golden-48h): the team's computed figure replaces it once there are enough deals.
   */
  evidence: z.array(z.object({ title: z.string(), detail: z.string(), behaviour: z.string().optional() })).default([]),
  risks: z.array(z.string()).default([]),
  /**
   * The title of a library document (shared material an admin uploaded in the console) to send
   * with this atom: the nudge tells the rep to `/share` it, which makes the customer's tracked link.
   */
  material: z.string().trim().min(1).max(80).optional(),
});
export type Atom = z.infer<typeof atomSchema>;
export const atomsFileSchema = z.object({ atoms: z.array(atomSchema) });
