/**
 * Atoms in the console: read with their usage funnel, edited as YAML and validated with the atom
 * schema (plus what only the catalog can say: known stages, owners, library material), kept as
 * versions with who and when, restored, switched on and off, imported and exported in the
 * ATOMS_FILE format. Every change is one transaction with its audit entry and a catalog version
 * bump, so every process picks it up without a restart.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../../core/errors.ts';
import type { Db } from '../../../db/client.ts';
import { writeAudit } from '../../../db/queries/console.ts';
import {
  allAtoms,
  atomById,
  atomHistory,
  atomUsage,
  atomVersion,
  libraryDocuments,
  type AtomRow,
  type AtomVersionRow,
  writeAtomVersion,
} from '../../../db/queries/knowledge.ts';
import type { Catalog, Person } from '../../catalog/catalog.ts';
import { type Atom, atomSchema, atomsFileSchema } from '../../catalog/schema.ts';
import { bumpCatalogVersion } from '../../catalog/sync.ts';
import { type FieldError, invalid, readYaml } from './validate.ts';

export interface AtomListItem {
  id: string;
  title: string;
  topic: string;
  enabled: boolean;
  version: number;
  source: string;
  updatedAt: Date;
  material: string | null;
  usage: { pushed: number; used: number; useful: number; notUseful: number };
}

export async function listAtoms(db: Db): Promise<AtomListItem[]> {
  const [rows, usage] = await Promise.all([allAtoms(db), atomUsage(db)]);
  return rows.map((r) => {
    const d = r.definition as Partial<Atom>;
    const u = usage.get(r.id);
    return {
      id: r.id,
      title: d.title ?? r.id,
      topic: d.topic ?? '',
      enabled: r.enabled,
      version: r.version,
      source: r.source,
      updatedAt: r.updatedAt,
      material: d.material ?? null,
      usage: { pushed: u?.pushed ?? 0, used: u?.used ?? 0, useful: u?.useful ?? 0, notUseful: u?.not_useful ?? 0 },
    };
  });
}

/** An atom as the editor shows it: YAML of its definition, in the ATOMS_FILE's field order. */
export function atomYaml(definition: Record<string, unknown>): string {
  const ordered: Record<string, unknown> = {};
  for (const k of [...Object.keys(atomSchema.shape), ...Object.keys(definition)]) if (k in definition && !(k in ordered)) ordered[k] = definition[k];
  return stringify(ordered, { lineWidth: 0 });
}

export async function atomDetail(db: Db, id: string): Promise<{ row: AtomRow; history: AtomVersionRow[] }> {
  const row = await atomById(db, id);
  if (!row) throw new AppError('NOT_FOUND', `没有这个知识原子：${id}`);
  return { row, history: await atomHistory(db, id) };
}

/** What the schema cannot know: stages of the funnel, owners in the directory, material in the library. */
function crossCheck(atom: Atom, catalog: Catalog, library: Set<string>, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  const stages = new Set(catalog.playbook.funnel.stages);
  atom.stages.forEach((s, i) => {
    if (!stages.has(s)) errors.push({ field: `${prefix}stages.${i}`, message: `unknown stage ${s} (known: ${[...stages].join(', ')})` });
  });
  if (atom.owner && !catalog.person(atom.owner)) errors.push({ field: `${prefix}owner`, message: `unknown person ${atom.owner}` });
  if (atom.material && !library.has(atom.material)) {
    errors.push({ field: `${prefix}material`, message: `no library document titled 「${atom.material}」: upload it under 资料库 first` });
  }
  return errors;
}

const libraryTitles = async (db: Db) => new Set((await libraryDocuments(db)).map((d) => d.title));

/** Validates one atom's YAML for `id` (null: a new atom, whose id the YAML gives). */
export async function validateAtom(db: Db, catalog: Catalog, id: string | null, text: string): Promise<Atom> {
  const read = readYaml(text, atomSchema);
  if (!read.ok) throw invalid('知识原子有误', read.errors);
  const atom = read.data;
  const errors = crossCheck(atom, catalog, await libraryTitles(db));
  if (id !== null && atom.id !== id) errors.unshift({ field: 'id', message: `the id is ${id}; an atom cannot be renamed (rules name it)` });
  if (id === null && (await atomById(db, atom.id))) errors.unshift({ field: 'id', message: `${atom.id} exists already: edit it instead` });
  if (errors.length > 0) throw invalid('知识原子有误', errors);
  return atom;
}

interface ChangeBy {
  person: Person;
  now: Date;
}

/** JSON with keys sorted: jsonb does not keep the order the keys were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const plain = (a: Atom): Record<string, unknown> => JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
const snapshot = (r: AtomRow | null) => (r ? { version: r.version, enabled: r.enabled, definition: r.definition } : null);

interface AtomChange {
  definition: Record<string, unknown>;
  enabled: boolean;
  /** How the version came about (`atom_versions.via`). */
  via: 'console' | 'restore';
  /** The audit entry's action. */
  action: string;
  /** Added to the audit entry's `after`. */
  note?: Record<string, unknown>;
}

/**
 * One change of one atom, in one transaction: its next version (from what it is now, read under
 * the transaction), the audit entry with before and after, and the catalog version bump.
 */
function changeAtom(db: Db, id: string, by: ChangeBy, next: (before: AtomRow | null) => AtomChange): Promise<AtomRow> {
  return db.transaction(async (tx) => {
    const before = await atomById(tx, id);
    const change = next(before);
    const row = await writeAtomVersion(tx, {
      id,
      definition: change.definition,
      enabled: change.enabled,
      personId: by.person.id,
      via: change.via,
      at: by.now,
    });
    await writeAudit(tx, {
      at: by.now,
      personId: by.person.id,
      action: change.action,
      subject: `atom:${id}`,
      before: snapshot(before),
      after: { ...snapshot(row), ...change.note },
      via: 'console',
    });
    await bumpCatalogVersion(tx);
    return row;
  });
}

/** Saves an edited (or new) atom as its next version. */
export async function saveAtom(db: Db, catalog: Catalog, id: string | null, text: string, by: ChangeBy): Promise<AtomRow> {
  const atom = await validateAtom(db, catalog, id, text);
  return changeAtom(db, atom.id, by, (before) => ({
    definition: plain(atom),
    enabled: before?.enabled ?? true,
    via: 'console',
    action: before ? 'atom.edit' : 'atom.create',
  }));
}

export async function setAtomEnabled(db: Db, id: string, enabled: boolean, by: ChangeBy): Promise<AtomRow> {
  return changeAtom(db, id, by, (before) => {
    if (!before) throw new AppError('NOT_FOUND', `没有这个知识原子：${id}`);
    return { definition: before.definition, enabled, via: 'console', action: enabled ? 'atom.enable' : 'atom.disable' };
  });
}

/** Makes an earlier version current again, as a new version (the history only grows). */
export async function restoreAtom(db: Db, catalog: Catalog, id: string, version: number, by: ChangeBy): Promise<AtomRow> {
  const old = await atomVersion(db, id, version);
  if (!old) throw new AppError('NOT_FOUND', `${id} 没有第 ${version} 版`);
  // The old text must still hold today: a stage may have gone, the material been renamed.
  const atom = await validateAtom(db, catalog, id, atomYaml(old.definition));
  return changeAtom(db, id, by, (before) => ({
    definition: plain(atom),
    enabled: before?.enabled ?? true,
    via: 'restore',
    action: 'atom.restore',
    note: { restoredFrom: version },
  }));
}

/** The enabled atoms in the ATOMS_FILE format (`atoms: [...]`); the disabled ones are named in a comment. */
export async function exportAtoms(db: Db): Promise<string> {
  const rows = await allAtoms(db);
  const list = rows.filter((r) => r.enabled).map((r) => r.definition);
  const off = rows.filter((r) => !r.enabled).map((r) => r.id);
  const head = `# dealwise 知识原子导出（ATOMS_FILE 格式）\n${off.length > 0 ? `# 已停用、未导出：${off.join(', ')}\n` : ''}`;
  return head + stringify({ atoms: list }, { lineWidth: 0 });
}

const importFile = atomsFileSchema.superRefine((f, ctx) => {
  const seen = new Set<string>();
  f.atoms.forEach((a, i) => {
    if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['atoms', i, 'id'], message: `duplicate id ${a.id}` });
    seen.add(a.id);
  });
});

export interface ImportResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Imports an ATOMS_FILE: validated as a whole (every atom, every cross-check) before anything is
 * written, then each new or changed atom becomes its next version in one transaction. Atoms not in
 * the file are left as they are (import adds and updates; disabling is its own action).
 */
export async function importAtoms(db: Db, catalog: Catalog, text: string, by: ChangeBy): Promise<ImportResult> {
  const read = readYaml(text, importFile);
  if (!read.ok) throw invalid('导入文件有误，没有导入任何内容', read.errors);
  const library = await libraryTitles(db);
  const errors = read.data.atoms.flatMap((a, i) => crossCheck(a, catalog, library, `atoms.${i}.`));
  if (errors.length > 0) throw invalid('导入文件有误，没有导入任何内容', errors);
  return db.transaction(async (tx) => {
    const result: ImportResult = { created: [], updated: [], unchanged: [] };
    for (const a of read.data.atoms) {
      const before = await atomById(tx, a.id);
      const definition = plain(a);
      if (before && canonical(before.definition) === canonical(definition)) {
        result.unchanged.push(a.id);
        continue;
      }
      await writeAtomVersion(tx, { id: a.id, definition, enabled: before?.enabled ?? true, personId: by.person.id, via: 'import', at: by.now });
      (before ? result.updated : result.created).push(a.id);
    }
    await writeAudit(tx, { at: by.now, personId: by.person.id, action: 'atom.import', subject: 'atoms', before: null, after: result, via: 'console' });
    if (result.created.length + result.updated.length > 0) await bumpCatalogVersion(tx);
    return result;
  });
}

export const versionParam = z.coerce.number().int().min(1).max(1_000_000);
