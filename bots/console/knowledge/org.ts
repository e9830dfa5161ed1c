/**
 * The org directory in the console: teams and people with their platform ids, a CSV import that
 * is validated and previewed before it is applied (bad rows named by line, nothing applied when
 * any row is bad), deactivation (never deletion: a person's history stays theirs). Every change is
 * audited and bumps the catalog version. People and teams written here are marked console-owned,
 * so a later load of ORG_FILE does not overwrite them (bots/catalog/sync.ts).
 */
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import { PLATFORMS, type Platform } from '../../../core/types.ts';
import type { Db } from '../../../db/client.ts';
import { writeAudit } from '../../../db/queries/console.ts';
import { allIdentities, allPeople, allTeams, type PersonRow, setPersonActive, upsertPerson, upsertTeam } from '../../../db/queries/knowledge.ts';
import { identities } from '../../../db/schema/index.ts';
import type { Person } from '../../catalog/catalog.ts';
import { bumpCatalogVersion } from '../../catalog/sync.ts';
import { parseCsv, unwrapExcelText } from './csv.ts';

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** The columns an import may have; id, name and role are required. */
export const CSV_COLUMNS = ['id', 'name', 'role', 'team', 'manages', ...PLATFORMS] as const;
const REQUIRED = ['id', 'name', 'role'] as const;
const ROLES = ['rep', 'manager', 'admin'] as const;
/** Rows in one import. */
export const MAX_CSV_ROWS = 5000;

export interface OrgPerson {
  id: string;
  name: string;
  role: PersonRow['role'];
  teamId: string | null;
  manages: string[];
  active: boolean;
  source: string;
  ids: Partial<Record<Platform, string>>;
}

export async function orgDirectory(db: Db): Promise<{ teams: Array<{ id: string; name: string; source: string }>; people: OrgPerson[] }> {
  const [teamRows, personRows, idRows] = await Promise.all([allTeams(db), allPeople(db), allIdentities(db)]);
  const ids = new Map<string, Partial<Record<Platform, string>>>();
  for (const i of idRows) ids.set(i.personId, { ...ids.get(i.personId), [i.platform]: i.userId });
  return {
    teams: teamRows.map((t) => ({ id: t.id, name: t.name, source: t.source })),
    people: personRows.map((p) => ({
      id: p.id,
      name: p.name,
      role: p.role,
      teamId: p.teamId,
      manages: p.manages,
      active: p.active,
      source: p.source,
      ids: ids.get(p.id) ?? {},
    })),
  };
}

export interface RowError {
  line: number;
  message: string;
}

export interface PlannedRow {
  line: number;
  person: Omit<OrgPerson, 'source'>;
  change: 'new' | 'changed' | 'unchanged';
  /** For a changed person: the fields that change (name, role, team, manages, wecom …). */
  fields: string[];
}

export interface ImportPlan {
  rows: PlannedRow[];
  errors: RowError[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `now` is `was` with its leading zeros gone: what Excel does to an id it took for a number. */
const zerosDropped = (was: string, now: string) => was !== now && /^0+\d/.test(was) && was.replace(/^0+/, '') === now;
/** How Excel saves a number of more than 11 digits: 8.05922573E+09. */
const EXCEL_NUMBER = /^\d(\.\d+)?E\+\d+$/i;
const EXCEL_HINT = 'Excel 打开 CSV 时把 id 当成了数字：请用导出的文件原样编辑（id 列是 ="…"），或在 Excel 中把这一列设为文本后重新填写';

/**
 * Reads an org CSV against the directory as it is: every bad row with its line, or what each row
 * would change. Nothing is written.
 */
export async function planOrgImport(db: Db, text: string): Promise<ImportPlan> {
  const { records, error } = parseCsv(text);
  if (error) return { rows: [], errors: [{ line: 0, message: error }] };
  const [header, ...body] = records;
  if (!header) return { rows: [], errors: [{ line: 1, message: '文件是空的：第一行写列名 id,name,role,team,manages,wecom,feishu,dingtalk,local' }] };
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const errors: RowError[] = [];
  for (const c of columns)
    if (!(CSV_COLUMNS as readonly string[]).includes(c))
      errors.push({ line: header.line, message: `unknown column ${c} (columns: ${CSV_COLUMNS.join(', ')})` });
  for (const c of REQUIRED) if (!columns.includes(c)) errors.push({ line: header.line, message: `missing column ${c}` });
  if (new Set(columns).size !== columns.length) errors.push({ line: header.line, message: 'a column is named twice' });
  if (body.length > MAX_CSV_ROWS) errors.push({ line: header.line, message: `at most ${MAX_CSV_ROWS} rows per import` });
  if (errors.length > 0) return { rows: [], errors };

  const dir = await orgDirectory(db);
  const teamIds = new Set(dir.teams.map((t) => t.id));
  const current = new Map(dir.people.map((p) => [p.id, p]));
  // Each person whose id has leading zeros, by that id without them (the first, as find would).
  const byZerosDropped = new Map<string, (typeof dir.people)[number]>();
  for (const p of dir.people) {
    const stripped = p.id.replace(/^0+/, '');
    if (/^0+\d/.test(p.id) && !byZerosDropped.has(stripped)) byZerosDropped.set(stripped, p);
  }
  const owner = new Map<string, string>();
  for (const p of dir.people) for (const [pl, uid] of Object.entries(p.ids)) owner.set(`${pl}:${uid}`, p.id);
  const csvIds = new Set(body.map((r) => unwrapExcelText((r.fields[columns.indexOf('id')] ?? '').trim())));
  const seenPerson = new Map<string, number>();
  const seenPlatform = new Map<string, number>();
  const rows: PlannedRow[] = [];

  for (const r of body) {
    const get = (c: string) => (columns.includes(c) ? unwrapExcelText((r.fields[columns.indexOf(c)] ?? '').trim()) : '');
    const bad = (message: string) => errors.push({ line: r.line, message });
    const before = errors.length;
    if (r.fields.length !== columns.length) bad(`${r.fields.length} fields, the header has ${columns.length}`);
    const id = get('id');
    const name = get('name');
    const role = get('role');
    const team = get('team');
    const manages = get('manages')
      .split(/[;；|]/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (!ID.test(id)) bad(`id 「${id}」: letters, digits, _ . - only (max 64)`);
    // Refused, not warned about: applied, it would add a person (or move a platform id) that is
    // someone else's, and the admin applies after a preview they may not read row by row.
    // zerosDropped's `was !== now` holds here: an id that is someone's own is not looked up.
    const zeroed = current.has(id) ? undefined : byZerosDropped.get(id);
    if (zeroed) bad(`id ${id} is ${zeroed.id} without its leading zeros. ${EXCEL_HINT}`);
    const dup = seenPerson.get(id);
    if (dup) bad(`id ${id} is also on line ${dup}`);
    seenPerson.set(id, r.line);
    if (!name) bad('name is empty');
    if (name.length > 100) bad('name is longer than 100 characters');
    if (!(ROLES as readonly string[]).includes(role)) bad(`role 「${role}」: one of rep, manager, admin`);
    for (const t of [team, ...manages]) if (t && !teamIds.has(t)) bad(`unknown team ${t} (add it under 团队 first)`);
    if (role !== 'manager' && manages.length > 0) bad('only a manager manages teams');
    const ids: Partial<Record<Platform, string>> = {};
    for (const pl of PLATFORMS) {
      const uid = get(pl);
      if (!uid) continue;
      if (uid.length > 128) bad(`${pl} id is longer than 128 characters`);
      const had = current.get(id)?.ids[pl];
      if (had && zerosDropped(had, uid)) bad(`${pl} id ${uid} is ${had} without its leading zeros. ${EXCEL_HINT}`);
      if (EXCEL_NUMBER.test(uid)) bad(`${pl} id ${uid} is a number as Excel writes it, not an id. ${EXCEL_HINT}`);
      const key = `${pl}:${uid}`;
      const other = seenPlatform.get(key);
      if (other) bad(`${key} is also on line ${other}`);
      seenPlatform.set(key, r.line);
      const held = owner.get(key);
      // Someone else's id may move only when that person is in this import too (their ids are replaced).
      if (held && held !== id && !csvIds.has(held)) bad(`${key} belongs to ${held}`);
      ids[pl] = uid;
    }
    if (errors.length > before) continue;
    const was = current.get(id);
    const person = { id, name, role: role as PersonRow['role'], teamId: team || null, manages, active: was?.active ?? true, ids };
    const fields = was
      ? [
          ...(was.name !== name ? ['name'] : []),
          ...(was.role !== role ? ['role'] : []),
          ...(was.teamId !== person.teamId ? ['team'] : []),
          ...(!same(was.manages, manages) ? ['manages'] : []),
          ...PLATFORMS.filter((pl) => (was.ids[pl] ?? '') !== (ids[pl] ?? '')),
        ]
      : [];
    rows.push({ line: r.line, person, change: !was ? 'new' : fields.length > 0 ? 'changed' : 'unchanged', fields });
  }
  if (rows.length === 0 && errors.length === 0) errors.push({ line: header.line, message: 'no rows under the header' });
  return { rows, errors };
}

/** Applies an org CSV: planned again, and nothing written when any row is bad. */
export async function applyOrgImport(db: Db, text: string, by: { person: Person; now: Date }): Promise<ImportPlan> {
  const plan = await planOrgImport(db, text);
  if (plan.errors.length > 0) {
    throw new AppError('BAD_REQUEST', `导入有误，没有应用任何改动：${plan.errors.map((e) => `第 ${e.line} 行：${e.message}`).join('; ')}`, {
      details: { errors: plan.errors },
    });
  }
  const changes = plan.rows.filter((r) => r.change !== 'unchanged');
  if (changes.length === 0) return plan;
  await db.transaction(async (tx) => {
    const before = (await orgDirectory(tx)).people.filter((p) => changes.some((c) => c.person.id === p.id));
    // Every imported person's ids go first, so an id moving between two of them does not collide.
    await tx.delete(identities).where(
      inArray(
        identities.personId,
        changes.map((c) => c.person.id),
      ),
    );
    for (const c of changes) await upsertPerson(tx, { ...c.person, at: by.now });
    await writeAudit(tx, {
      at: by.now,
      personId: by.person.id,
      action: 'org.import',
      subject: 'org',
      before,
      after: changes.map((c) => c.person),
      via: 'console',
    });
    await bumpCatalogVersion(tx);
  });
  return plan;
}

export async function setActive(db: Db, personId: string, active: boolean, by: { person: Person; now: Date }): Promise<PersonRow> {
  if (!active && personId === by.person.id) throw new AppError('BAD_REQUEST', '不能停用自己。');
  return db.transaction(async (tx) => {
    const before = (await allPeople(tx)).find((p) => p.id === personId);
    if (!before) throw new AppError('NOT_FOUND', `没有这个人：${personId}`);
    const row = await setPersonActive(tx, { id: personId, active, at: by.now });
    await writeAudit(tx, {
      at: by.now,
      personId: by.person.id,
      action: active ? 'person.activate' : 'person.deactivate',
      subject: `person:${personId}`,
      before: { active: before.active },
      after: { active },
      via: 'console',
    });
    await bumpCatalogVersion(tx);
    return row!;
  });
}

export const teamInput = z
  .object({ id: z.string().regex(ID, 'letters, digits, _ . - (max 64)'), name: z.string().trim().min(1).max(100), _csrf: z.string().optional() })
  .strict();

export async function saveTeam(db: Db, t: { id: string; name: string }, by: { person: Person; now: Date }): Promise<void> {
  await db.transaction(async (tx) => {
    const before = (await allTeams(tx)).find((x) => x.id === t.id) ?? null;
    await upsertTeam(tx, { ...t, at: by.now });
    await writeAudit(tx, {
      at: by.now,
      personId: by.person.id,
      action: before ? 'team.rename' : 'team.create',
      subject: `team:${t.id}`,
      before: before ? { name: before.name } : null,
      after: { name: t.name },
      via: 'console',
    });
    await bumpCatalogVersion(tx);
  });
}
