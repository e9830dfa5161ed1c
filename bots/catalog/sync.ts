/**
 * Loading the files (ORG_FILE, PLAYBOOK_FILE, ATOMS_FILE) into the database, where every process
 * reads them from. The files are defaults an admin edits: they are loaded when their content
 * changed since the last load (or on SIGHUP), so an edit made in the console survives a restart.
 * Even when the files do change, rows an admin wrote in the console (`source = 'console'`: atoms,
 * people, teams, and the playbook as a whole) are left as the console has them: the console's
 * pages mark them, and the file's version of them is not loaded.
 * Any load bumps the catalog version, and every process reloads its in-memory copy.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { and, eq, notInArray, sql } from 'drizzle-orm';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { Db } from '../../db/client.ts';
import { atoms, atomVersions, identities, people, playbookRules, settings, teams } from '../../db/schema/index.ts';
import { type OrgFile, orgFileSchema } from './org-file.ts';
import { atomsFileSchema, playbookFileSchema, type Rule } from './schema.ts';

export interface CatalogFiles {
  orgFile: string;
  playbookFile: string;
  atomsFile: string;
}

const VERSION_KEY = 'catalog_version';
const FILES_KEY = 'catalog_files_sha256';
/** Set (value `console`) once an admin saved the playbook in the console: file loads then skip it. */
export const PLAYBOOK_SOURCE_KEY = 'playbook_source';

async function readText(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `${variable}: cannot read ${path}`, { cause: err });
  }
}

function parseYamlWith<T>(text: string, schema: z.ZodType<T>, variable: string, path: string): T {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `${variable} ${path} is not valid YAML: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('CONFIG_INVALID', `${variable} ${path} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

interface CatalogTexts {
  org: string;
  playbook: string;
  atoms: string;
  sha256: string;
}

async function readCatalogTexts(files: CatalogFiles): Promise<CatalogTexts> {
  const [org, playbook, atoms] = await Promise.all([
    readText(files.orgFile, 'ORG_FILE'),
    readText(files.playbookFile, 'PLAYBOOK_FILE'),
    readText(files.atomsFile, 'ATOMS_FILE'),
  ]);
  const sha256 = createHash('sha256').update(org).update('\0').update(playbook).update('\0').update(atoms).digest('hex');
  return { org, playbook, atoms, sha256 };
}

/** Validates the three files and checks the references between them. */
function parseCatalog(files: CatalogFiles, texts: CatalogTexts) {
  const org = parseYamlWith(texts.org, orgFileSchema, 'ORG_FILE', files.orgFile);
  const playbook = parseYamlWith(texts.playbook, playbookFileSchema, 'PLAYBOOK_FILE', files.playbookFile);
  const { atoms: atomList } = parseYamlWith(texts.atoms, atomsFileSchema, 'ATOMS_FILE', files.atomsFile);
  const atomIds = new Set(atomList.map((a) => a.id));
  for (const r of playbook.rules) {
    for (const id of r.atoms && 'ids' in r.atoms ? r.atoms.ids : []) {
      if (!atomIds.has(id)) throw new AppError('CONFIG_INVALID', `PLAYBOOK_FILE: rule ${r.id} names unknown atom ${id}`);
    }
  }
  return { org, playbook, atoms: atomList, sha256: texts.sha256 };
}

/**
 * Loads the files when they changed since the last load (or always with `force`), in one
 * transaction; returns whether it wrote anything. Files unchanged since the last load are not
 * parsed again: they were valid when loaded (a load stores their hash only once they were), and
 * parsing them is most of a process's start here (50–200 ms, the atoms' YAML).
 */
export async function syncCatalogFiles(db: Db, files: CatalogFiles, opts: { force?: boolean } = {}): Promise<boolean> {
  const texts = await readCatalogTexts(files);
  if (!opts.force && (await loadedHash(db)) === texts.sha256) return false;
  const read = parseCatalog(files, texts);
  return db.transaction(async (tx) => {
    // One loader at a time across processes starting together.
    await tx.execute(sql`select pg_advisory_xact_lock(7461003)`);
    if (!opts.force && (await loadedHash(tx)) === read.sha256) return false;
    const now = new Date();
    await writeOrg(tx, read.org, now);
    const [pbSource] = await tx.select().from(settings).where(eq(settings.key, PLAYBOOK_SOURCE_KEY));
    if (pbSource?.value !== 'console') await writePlaybook(tx, read.playbook, now);
    for (const a of read.atoms) {
      const written = await tx
        .insert(atoms)
        .values({ id: a.id, definition: a, enabled: true, updatedAt: now })
        .onConflictDoUpdate({
          target: atoms.id,
          set: { definition: a, enabled: true, version: sql`${atoms.version} + 1`, updatedAt: now },
          setWhere: eq(atoms.source, 'file'),
        })
        .returning({ version: atoms.version });
      // Kept in the atom's history, beside the console's versions.
      for (const w of written) {
        await tx
          .insert(atomVersions)
          .values({ atomId: a.id, version: w.version, definition: a, enabled: true, personId: null, via: 'file', at: now })
          .onConflictDoNothing();
      }
    }
    // Atoms no longer in the file are disabled, not deleted: nudges name them. Console atoms stay.
    const listed = read.atoms.map((a) => a.id);
    await tx
      .update(atoms)
      .set({ enabled: false, updatedAt: now })
      .where(and(eq(atoms.source, 'file'), listed.length > 0 ? notInArray(atoms.id, listed) : sql`true`));
    await tx
      .insert(settings)
      .values({ key: FILES_KEY, value: read.sha256, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value: read.sha256, updatedAt: now } });
    await bumpCatalogVersion(tx);
    return true;
  });
}

/** The hash of the files as last loaded. */
async function loadedHash(db: Db): Promise<unknown> {
  const [seen] = await db.select().from(settings).where(eq(settings.key, FILES_KEY));
  return seen?.value;
}

/** Every process reloads its catalog after this (see watch.ts). */
export async function bumpCatalogVersion(db: Db): Promise<void> {
  await db
    .insert(settings)
    .values({ key: VERSION_KEY, value: 1, version: 1 })
    .onConflictDoUpdate({ target: settings.key, set: { version: sql`${settings.version} + 1`, updatedAt: new Date() } });
}

export async function catalogVersion(db: Db): Promise<number> {
  const [row] = await db.select({ version: settings.version }).from(settings).where(eq(settings.key, VERSION_KEY));
  return row?.version ?? 0;
}

/**
 * Makes the directory tables match the file; people no longer listed are deactivated, never
 * deleted. People and teams the console wrote (and their platform ids) are left as they are.
 */
async function writeOrg(tx: Db, org: OrgFile, now: Date): Promise<void> {
  for (const t of org.teams) {
    await tx
      .insert(teams)
      .values({ id: t.id, name: t.name, updatedAt: now })
      .onConflictDoUpdate({ target: teams.id, set: { name: t.name, updatedAt: now }, setWhere: eq(teams.source, 'file') });
  }
  const consoleOwned = new Set((await tx.select({ id: people.id }).from(people).where(eq(people.source, 'console'))).map((r) => r.id));
  const claimed = new Set(
    (
      await tx
        .select({ platform: identities.platform, userId: identities.userId })
        .from(identities)
        .innerJoin(people, eq(people.id, identities.personId))
        .where(eq(people.source, 'console'))
    ).map((r) => `${r.platform}:${r.userId}`),
  );
  for (const p of org.people) {
    if (consoleOwned.has(p.id)) continue;
    const row = { name: p.name, role: p.role, teamId: p.team ?? null, manages: p.manages, active: true, updatedAt: now };
    await tx
      .insert(people)
      .values({ id: p.id, ...row })
      .onConflictDoUpdate({ target: people.id, set: row });
    // A person's platform ids are replaced wholesale: an id moved to someone else must not linger.
    await tx.delete(identities).where(eq(identities.personId, p.id));
    const ids = Object.entries(p.ids)
      .filter(([platform, userId]) => !claimed.has(`${platform}:${userId}`))
      .map(([platform, userId]) => ({ platform: platform as never, userId, personId: p.id }));
    if (ids.length > 0) {
      await tx
        .insert(identities)
        .values(ids)
        .onConflictDoUpdate({ target: [identities.platform, identities.userId], set: { personId: sql`excluded.person_id` } });
    }
  }
  const listed = org.people.map((p) => p.id);
  await tx
    .update(people)
    .set({ active: false, updatedAt: now })
    .where(and(eq(people.source, 'file'), listed.length > 0 ? notInArray(people.id, listed) : sql`true`));
}

export async function writePlaybook(tx: Db, pb: z.infer<typeof playbookFileSchema>, now: Date): Promise<void> {
  const special = [
    { id: '_funnel', name: 'funnel', definition: pb.funnel as unknown as Record<string, unknown>, enabled: true },
    { id: '_compliance', name: 'compliance', definition: pb.compliance as unknown as Record<string, unknown>, enabled: true },
    { id: '_value_score', name: 'value score', definition: (pb.valueScore ?? {}) as Record<string, unknown>, enabled: pb.valueScore !== undefined },
  ];
  for (const r of [...special, ...pb.rules.map((r) => ({ id: r.id, name: r.name, definition: rawRule(r), enabled: r.enabled }))]) {
    const row = { name: r.name, definition: r.definition, enabled: r.enabled, updatedAt: now };
    await tx
      .insert(playbookRules)
      .values({ id: r.id, ...row })
      .onConflictDoUpdate({ target: playbookRules.id, set: row });
  }
  const kept = [...special.map((s) => s.id), ...pb.rules.map((r) => r.id)];
  await tx.update(playbookRules).set({ enabled: false, updatedAt: now }).where(notInArray(playbookRules.id, kept));
}

/** A parsed rule back in its file form (durations as written), so the database row reads like the YAML. */
export function rawRule(r: Rule): Record<string, unknown> {
  const d = (ms: number | undefined) =>
    ms === undefined
      ? undefined
      : ms === 0
        ? '0'
        : ms % 86_400_000 === 0
          ? `${ms / 86_400_000}d`
          : ms % 3_600_000 === 0
            ? `${ms / 3_600_000}h`
            : `${ms / 60_000}m`;
  const out: Record<string, unknown> = { ...r, within: d(r.within), nudgeAt: d(r.nudgeAt), cooldown: d(r.cooldown) };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
