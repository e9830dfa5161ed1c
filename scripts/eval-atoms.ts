/**
 * Does the coaching answer what the customer said? Each line of a labelled file of customer
 * messages (test/coaching/atom-questions.jsonl: text, the deal's stage, the atoms a sales trainer
 * would accept) goes through the analysis engine exactly as the loop runs it: an open deal at
 * that stage owned by a rep, the default playbook and atoms, the real analyzer. What comes out is
 * the nudge, if any, and its atoms. Printed: how often the first atom is one the trainer accepts
 * (top-1), how often any atom is (hit), how often a line that deserves nothing gets nothing, and
 * the misses.
 *
 *   npm run eval:atoms [-- FILE]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { analyzeMessage } from '../analyzers/message.ts';
import { analyzeBatch } from '../bots/analysis/engine.ts';
import { type BatchState, type DealState, emptyWrites } from '../bots/analysis/state.ts';
import { Catalog } from '../bots/catalog/catalog.ts';
import { orgFileSchema } from '../bots/catalog/org-file.ts';
import { atomsFileSchema, playbookFileSchema } from '../bots/catalog/schema.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import type { Platform } from '../core/types.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DEFAULT_QUESTIONS = resolve(ROOT, 'test/coaching/atom-questions.jsonl');
const REP = 'zhangsan';
// A Tuesday morning inside working hours: nothing is from the past, nothing waits for Monday.
const AT = new Date('2026-11-24T10:00:00+08:00');

const lineSchema = z.object({
  id: z.string(),
  text: z.string().min(1),
  stage: z.string(),
  topics: z.array(z.string()),
  atoms: z.array(z.string()),
});
export type AtomQuestion = z.infer<typeof lineSchema>;

export interface AtomChoice {
  line: AtomQuestion;
  rule: string | null;
  atoms: string[];
}

export interface AtomReport {
  choices: AtomChoice[];
  /** Lines a trainer would answer with an atom. */
  answerable: number;
  top1: number;
  hit: number;
  /** Lines that deserve no atom, and those that got none. */
  quietLines: number;
  quiet: number;
  /** Atoms the labels name that the catalog does not hold (a stale label file). */
  unknownAtoms: string[];
}

export function readAtomQuestions(path: string): AtomQuestion[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const parsed = lineSchema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

/** The catalog a fresh install holds: config/org.yaml, playbooks.yaml and atoms.yaml. */
export function defaultCatalog(): Catalog {
  const read = (name: string) => parse(readFileSync(resolve(ROOT, 'config', name), 'utf8'));
  const org = orgFileSchema.parse(read('org.yaml'));
  const pb = playbookFileSchema.parse(read('playbooks.yaml'));
  return new Catalog({
    version: 1,
    people: org.people.map((p) => ({ id: p.id, name: p.name, role: p.role, teamId: p.team ?? null, manages: p.manages, active: true })),
    identities: org.people.flatMap((p) => Object.entries(p.ids).map(([platform, userId]) => ({ platform: platform as Platform, userId, personId: p.id }))),
    teams: org.teams,
    playbook: { funnel: pb.funnel, rules: pb.rules, compliance: pb.compliance, valueScore: pb.valueScore ?? null },
    atoms: atomsFileSchema.parse(read('atoms.yaml')).atoms,
  });
}

/** One customer message on a fresh open deal at `stage`, through the engine: the nudge it gets. */
export function coachOne(catalog: Catalog, line: AtomQuestion): AtomChoice {
  const config = loadConfig({});
  const conv = {
    id: 'local:eval',
    platform: 'local' as const,
    chatId: 'eval',
    title: '评测科技 · 项目',
    direct: false,
    opportunityId: 'deal-eval',
    ownerId: REP,
    dirty: false,
  };
  const closed = line.stage === 'won' || line.stage === 'lost';
  const deal: DealState = {
    id: 'deal-eval',
    name: '评测科技',
    namedBy: 'title',
    ownerId: REP,
    stage: line.stage,
    stageAt: new Date(AT.getTime() - 86_400_000),
    status: closed ? (line.stage as 'won' | 'lost') : 'open',
    closedAt: closed ? new Date(AT.getTime() - 86_400_000) : null,
    amount: null,
    valueScore: 0,
    valueTerms: {},
    createdAt: new Date(AT.getTime() - 7 * 86_400_000),
    updatedAt: new Date(AT.getTime() - 86_400_000),
    customerMessages: 3,
    buyingSignals: 0,
    replyHoursSum: 0,
    replyCount: 0,
    awaitingReplySince: null,
    lastCustomerAt: new Date(AT.getTime() - 86_400_000),
    lastRepAt: new Date(AT.getTime() - 86_400_000),
    contactName: null,
    contacts: [],
    touches: 0,
    touchesDay: null,
    meetingAt: null,
    meetingType: null,
    documentOpens: 0,
    actionKinds: [],
    isNew: false,
    dirty: false,
  };
  const st: BatchState = {
    conversations: new Map([[conv.id, conv]]),
    deals: new Map([[deal.id, deal]]),
    timers: new Map(),
    dealTimers: new Map(),
    recentNudges: new Map(),
    confirmations: new Map(),
  };
  const w = emptyWrites();
  analyzeBatch(
    {
      catalog,
      wh: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
      sendPlatforms: ['local'],
      now: AT,
      nudgeMaxAgeMs: config.NUDGE_MAX_AGE,
      dailyTouchLimit: 100,
      analyze: analyzeMessage,
      log: createLogger({ level: 'silent' }),
    },
    st,
    [
      {
        id: `msg-${line.id}`,
        platform: 'local',
        conversationId: conv.id,
        senderId: 'cust-eval',
        senderName: '客户',
        personId: null,
        role: 'customer',
        kind: 'text',
        backfill: false,
        text: line.text,
        attachments: [],
        sentAt: AT,
        receivedAt: AT,
      },
    ],
    w,
  );
  // The message's own nudge: the first one written that carries atoms, else the first at all.
  const built = w.nudges.find((n) => n.nudge.atom_ids.length > 0) ?? w.nudges[0];
  return { line, rule: built?.nudge.rule_id ?? null, atoms: built?.nudge.atom_ids ?? [] };
}

export function measureAtomChoice(path = DEFAULT_QUESTIONS): AtomReport {
  const catalog = defaultCatalog();
  const lines = readAtomQuestions(path);
  const choices = lines.map((l) => coachOne(catalog, l));
  const answerable = choices.filter((c) => c.line.atoms.length > 0);
  const quietLines = choices.filter((c) => c.line.atoms.length === 0);
  return {
    choices,
    answerable: answerable.length,
    top1: answerable.filter((c) => c.atoms[0] !== undefined && c.line.atoms.includes(c.atoms[0])).length,
    hit: answerable.filter((c) => c.atoms.some((a) => c.line.atoms.includes(a))).length,
    quietLines: quietLines.length,
    quiet: quietLines.filter((c) => c.atoms.length === 0).length,
    unknownAtoms: [...new Set(lines.flatMap((l) => l.atoms))].filter((id) => !catalog.atoms.has(id)),
  };
}

function main(): void {
  const path = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_QUESTIONS;
  const r = measureAtomChoice(path);
  const pct = (n: number, d: number) => `${n}/${d} = ${d === 0 ? '—' : ((n / d) * 100).toFixed(1)}%`;
  console.log(`atom choice on ${r.choices.length} labelled customer messages (${path})\n`);
  console.log(`  first atom accepted (top-1)   ${pct(r.top1, r.answerable)}`);
  console.log(`  any atom accepted (hit@2)     ${pct(r.hit, r.answerable)}`);
  console.log(`  nothing pushed when nothing   ${pct(r.quiet, r.quietLines)}`);
  if (r.unknownAtoms.length > 0) console.log(`\n  labels name atoms the catalog lacks: ${r.unknownAtoms.join(', ')}`);
  const misses = r.choices.filter((c) => (c.line.atoms.length === 0 ? c.atoms.length > 0 : !(c.atoms[0] !== undefined && c.line.atoms.includes(c.atoms[0]))));
  if (misses.length > 0) console.log('\nmisses (id · stage · rule → atoms | accepted):');
  for (const m of misses) {
    console.log(`  ${m.line.id} · ${m.line.stage} · ${m.rule ?? '—'} → ${m.atoms.join(', ') || '—'} | ${m.line.atoms.join(', ') || '—'}  「${m.line.text}」`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
