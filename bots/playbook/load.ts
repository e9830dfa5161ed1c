/**
 * Loads the playbook and atoms files into the database (upsert; atoms and rules no longer in the
 * file are disabled or kept for history) and reads them back as the coach's in-memory playbook.
 */
import { readFile } from 'node:fs/promises';
import { notInArray, sql } from 'drizzle-orm';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { atoms, playbookRules } from '../../db/schema/index.ts';
import {
  atomsFileSchema,
  complianceSchema,
  playbookFileSchema,
  ruleSchema,
  type Atom,
  type Compliance,
  type Funnel,
  type Rule,
  type ValueScoreFormula,
  valueScoreSchema,
} from './schema.ts';

export interface Playbook {
  funnel: Funnel;
  rules: Rule[];
  atoms: Map<string, Atom>;
  compliance: Compliance;
  valueScore: ValueScoreFormula | null;
}

async function readYaml<T>(path: string, schema: z.ZodType<T>, variable: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `${variable}: cannot read ${path}`, { cause: err });
  }
  const parsed = schema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_INVALID', `${variable} ${path} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** Validates both files, checks the rules' atom references, and writes them to the database. */
export async function syncPlaybook(db: Db, files: { playbookFile: string; atomsFile: string }): Promise<Playbook> {
  const pb = await readYaml(files.playbookFile, playbookFileSchema, 'PLAYBOOK_FILE');
  const { atoms: atomList } = await readYaml(files.atomsFile, atomsFileSchema, 'ATOMS_FILE');
  const atomIds = new Set(atomList.map((a) => a.id));
  for (const r of pb.rules) {
    for (const id of r.atoms && 'ids' in r.atoms ? r.atoms.ids : []) {
      if (!atomIds.has(id)) throw new AppError('CONFIG_INVALID', `PLAYBOOK_FILE: rule ${r.id} names unknown atom ${id}`);
    }
  }
  const now = new Date();
  await db.transaction(async (tx) => {
    for (const a of atomList) {
      const row = {
        title: a.title,
        topic: a.topic,
        keywords: a.keywords,
        trigger: a.trigger ?? null,
        stages: a.stages,
        talkTracks: a.talkTracks,
        evidence: a.evidence,
        risks: a.risks,
        updatedAt: now,
      };
      await tx
        .insert(atoms)
        .values({ id: a.id, ...row })
        .onConflictDoUpdate({ target: atoms.id, set: row });
    }
    const funnelRow = { name: 'funnel', definition: pb.funnel as unknown as Record<string, unknown>, enabled: true, updatedAt: now };
    await tx
      .insert(playbookRules)
      .values({ id: '_funnel', ...funnelRow })
      .onConflictDoUpdate({ target: playbookRules.id, set: funnelRow });
    const complianceRow = { name: 'compliance', definition: pb.compliance as unknown as Record<string, unknown>, enabled: true, updatedAt: now };
    await tx
      .insert(playbookRules)
      .values({ id: '_compliance', ...complianceRow })
      .onConflictDoUpdate({ target: playbookRules.id, set: complianceRow });
    const scoreRow = {
      name: 'value score',
      definition: (pb.valueScore ?? {}) as Record<string, unknown>,
      enabled: pb.valueScore !== undefined,
      updatedAt: now,
    };
    await tx
      .insert(playbookRules)
      .values({ id: '_value_score', ...scoreRow })
      .onConflictDoUpdate({ target: playbookRules.id, set: scoreRow });
    for (const r of pb.rules) {
      // The raw (unparsed) rule is stored so durations stay human-readable in the database.
      const row = { name: r.name, definition: rawRule(r), enabled: r.enabled, updatedAt: now };
      await tx
        .insert(playbookRules)
        .values({ id: r.id, ...row })
        .onConflictDoUpdate({ target: playbookRules.id, set: row });
    }
    const kept = ['_funnel', '_compliance', '_value_score', ...pb.rules.map((r) => r.id)];
    await tx.update(playbookRules).set({ enabled: false, updatedAt: now }).where(notInArray(playbookRules.id, kept));
  });
  return readPlaybook(db);
}

/** The playbook as stored: what every process of a deployment runs on. */
export async function readPlaybook(db: Db): Promise<Playbook> {
  const ruleRows = await db.select().from(playbookRules).where(sql`${playbookRules.enabled}`);
  const funnelRow = ruleRows.find((r) => r.id === '_funnel');
  if (!funnelRow) throw new AppError('CONFIG_INVALID', 'no playbook loaded: the funnel is missing');
  const funnel = playbookFileSchema.shape.funnel.parse(funnelRow.definition);
  const compliance = complianceSchema.parse(ruleRows.find((r) => r.id === '_compliance')?.definition ?? {});
  const scoreDef = ruleRows.find((r) => r.id === '_value_score')?.definition;
  const valueScore = scoreDef ? valueScoreSchema.parse(scoreDef) : null;
  const rules = ruleRows.filter((r) => !r.id.startsWith('_')).map((r) => ruleSchema.parse(r.definition));
  const atomRows = await db.select().from(atoms);
  const atomMap = new Map<string, Atom>(
    atomRows.map((a) => [
      a.id,
      {
        id: a.id,
        title: a.title,
        topic: a.topic,
        keywords: a.keywords,
        about: [],
        ...(a.trigger ? { trigger: a.trigger as Atom['trigger'] } : {}),
        stages: a.stages,
        talkTracks: a.talkTracks,
        evidence: a.evidence,
        risks: a.risks,
      },
    ]),
  );
  return { funnel, rules: rules.sort((a, b) => a.id.localeCompare(b.id)), atoms: atomMap, compliance, valueScore };
}

const DURATION_UNITS: Array<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
];
function ms(v: number): string {
  for (const [size, unit] of DURATION_UNITS) if (v % size === 0) return `${v / size}${unit}`;
  return `${v / 60_000}m`;
}

function rawRule(r: Rule): Record<string, unknown> {
  return {
    ...r,
    ...(r.within !== undefined ? { within: ms(r.within) } : {}),
    ...(r.nudgeAt !== undefined ? { nudgeAt: ms(r.nudgeAt) } : {}),
    ...(r.cooldown !== undefined ? { cooldown: ms(r.cooldown) } : {}),
  };
}
