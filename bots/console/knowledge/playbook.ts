/**
 * The playbook (funnel, rules and their timers, compliance, value score) in the console: shown as
 * the PLAYBOOK_FILE it is, edited as that YAML, validated with the playbook schema and against the
 * atoms it names. A save is audited with the whole before and after, bumps the catalog version,
 * and marks the playbook console-owned so a later file load does not overwrite it.
 */
import { stringify } from 'yaml';
import { sql } from 'drizzle-orm';
import { AppError } from '../../../core/errors.ts';
import type { Db } from '../../../db/client.ts';
import { writeAudit } from '../../../db/queries/console.ts';
import { allAtoms, auditEntry, auditTrail } from '../../../db/queries/knowledge.ts';
import { playbookRules, settings } from '../../../db/schema/index.ts';
import type { Person } from '../../catalog/catalog.ts';
import { playbookFileSchema } from '../../catalog/schema.ts';
import { bumpCatalogVersion, PLAYBOOK_SOURCE_KEY, writePlaybook } from '../../catalog/sync.ts';
import { type FieldError, invalid, readYaml } from './validate.ts';

/** The stored playbook in the PLAYBOOK_FILE's shape (durations as written). */
export async function playbookDocument(db: Db): Promise<{ doc: Record<string, unknown>; source: 'file' | 'console' }> {
  const rows = await db.select().from(playbookRules);
  const [src] = await db.select().from(settings).where(sql`${settings.key} = ${PLAYBOOK_SOURCE_KEY}`);
  const byId = new Map(rows.map((r) => [r.id, r]));
  // A rule the admin switched off stays (enabled: false); one dropped from the playbook is gone.
  const rules = rows
    .filter((r) => !r.id.startsWith('_') && (r.enabled || (r.definition as { enabled?: boolean }).enabled === false))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((r) => r.definition);
  const score = byId.get('_value_score');
  return {
    doc: {
      funnel: byId.get('_funnel')?.definition ?? {},
      rules,
      compliance: byId.get('_compliance')?.definition ?? { sensitivePhrases: [] },
      ...(score?.enabled ? { valueScore: score.definition } : {}),
    },
    source: src?.value === 'console' ? 'console' : 'file',
  };
}

export const playbookYaml = (doc: Record<string, unknown>): string => stringify(doc, { lineWidth: 0 });

/** Saves an edited playbook, or throws with each problem named by its field. */
export async function savePlaybook(db: Db, text: string, by: { person: Person; now: Date }): Promise<void> {
  const read = readYaml(text, playbookFileSchema);
  if (!read.ok) throw invalid('剧本有误，没有保存', read.errors);
  const pb = read.data;
  const errors: FieldError[] = [];
  const atomIds = new Set((await allAtoms(db)).map((a) => a.id));
  const ruleIds = new Map<string, number>();
  pb.rules.forEach((r, i) => {
    const dup = ruleIds.get(r.id);
    if (dup !== undefined) errors.push({ field: `rules.${i}.id`, message: `duplicate rule id ${r.id} (also rules.${dup})` });
    ruleIds.set(r.id, i);
    if (r.atoms && 'ids' in r.atoms) {
      r.atoms.ids.forEach((id, j) => {
        if (!atomIds.has(id)) errors.push({ field: `rules.${i}.atoms.ids.${j}`, message: `unknown atom ${id}` });
      });
    }
    const stages = new Set(pb.funnel.stages);
    for (const [j, s] of (r.stages ?? []).entries()) if (!stages.has(s)) errors.push({ field: `rules.${i}.stages.${j}`, message: `unknown stage ${s}` });
  });
  if (errors.length > 0) throw invalid('剧本有误，没有保存', errors);
  await db.transaction(async (tx) => {
    const before = (await playbookDocument(tx)).doc;
    await writePlaybook(tx, pb, by.now);
    await tx
      .insert(settings)
      .values({ key: PLAYBOOK_SOURCE_KEY, value: 'console', updatedAt: by.now })
      .onConflictDoUpdate({ target: settings.key, set: { value: 'console', updatedAt: by.now } });
    const after = (await playbookDocument(tx)).doc;
    await writeAudit(tx, { at: by.now, personId: by.person.id, action: 'playbook.edit', subject: 'playbook', before, after, via: 'console' });
    await bumpCatalogVersion(tx);
  });
}

/** The playbook's saves, newest first: each one's `after` is a version an admin can go back to. */
export async function playbookHistory(db: Db): Promise<Array<{ id: string; at: Date; personId: string }>> {
  return (await auditTrail(db, 'playbook')).filter((a) => a.action === 'playbook.edit').map((a) => ({ id: a.id, at: a.at, personId: a.personId }));
}

/** Saves the playbook as it stood after an earlier save (validated again: atoms may have gone). */
export async function restorePlaybook(db: Db, auditId: string, by: { person: Person; now: Date }): Promise<void> {
  const entry = await auditEntry(db, auditId);
  if (entry?.subject !== 'playbook' || entry.action !== 'playbook.edit' || !entry.after) throw new AppError('NOT_FOUND', '没有这个剧本版本。');
  await savePlaybook(db, playbookYaml(entry.after as Record<string, unknown>), by);
}
