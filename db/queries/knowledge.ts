/**
 * The catalog as the console's knowledge admin reads and writes it: atoms with their versions and
 * usage, the directory's teams, people and platform ids. Plain functions over a database or a
 * transaction; validation happens before these are called (bots/console/knowledge/).
 */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Platform } from '../../core/types.ts';
import type { Db } from '../client.ts';
import { atomEvents, atoms, atomVersions, auditLog, documents, identities, people, teams } from '../schema/index.ts';

export type AtomRow = typeof atoms.$inferSelect;
export type AtomVersionRow = typeof atomVersions.$inferSelect;
export type PersonRow = typeof people.$inferSelect;
export type TeamRow = typeof teams.$inferSelect;

export async function allAtoms(db: Db): Promise<AtomRow[]> {
  return db.select().from(atoms).orderBy(asc(atoms.id));
}

export async function atomById(db: Db, id: string): Promise<AtomRow | null> {
  const [row] = await db.select().from(atoms).where(eq(atoms.id, id));
  return row ?? null;
}

/** Pushed, used, 有用 and 没用 per atom, over all time. */
export async function atomUsage(db: Db): Promise<Map<string, Record<'pushed' | 'used' | 'useful' | 'not_useful', number>>> {
  const rows = await db
    .select({ atomId: atomEvents.atomId, kind: atomEvents.kind, n: sql<number>`count(*)::int` })
    .from(atomEvents)
    .where(inArray(atomEvents.kind, ['pushed', 'used', 'useful', 'not_useful']))
    .groupBy(atomEvents.atomId, atomEvents.kind);
  const out = new Map<string, Record<'pushed' | 'used' | 'useful' | 'not_useful', number>>();
  for (const r of rows) {
    let u = out.get(r.atomId);
    if (!u) {
      u = { pushed: 0, used: 0, useful: 0, not_useful: 0 };
      out.set(r.atomId, u);
    }
    u[r.kind as keyof typeof u] = Number(r.n);
  }
  return out;
}

export async function atomHistory(db: Db, atomId: string): Promise<AtomVersionRow[]> {
  return db.select().from(atomVersions).where(eq(atomVersions.atomId, atomId)).orderBy(desc(atomVersions.version));
}

export async function atomVersion(db: Db, atomId: string, version: number): Promise<AtomVersionRow | null> {
  const [row] = await db
    .select()
    .from(atomVersions)
    .where(and(eq(atomVersions.atomId, atomId), eq(atomVersions.version, version)));
  return row ?? null;
}

/**
 * Writes an atom as the console has it (a new one, or its next version), marks it console-owned
 * and keeps the version in its history. Returns the row written.
 */
export async function writeAtomVersion(
  db: Db,
  p: { id: string; definition: Record<string, unknown>; enabled: boolean; personId: string; via: string; at: Date },
): Promise<AtomRow> {
  const [row] = await db
    .insert(atoms)
    .values({ id: p.id, definition: p.definition, enabled: p.enabled, version: 1, updatedAt: p.at, source: 'console' })
    .onConflictDoUpdate({
      target: atoms.id,
      set: { definition: p.definition, enabled: p.enabled, version: sql`${atoms.version} + 1`, updatedAt: p.at, source: 'console' },
    })
    .returning();
  await db
    .insert(atomVersions)
    .values({ atomId: p.id, version: row!.version, definition: p.definition, enabled: p.enabled, personId: p.personId, via: p.via, at: p.at })
    .onConflictDoUpdate({
      target: [atomVersions.atomId, atomVersions.version],
      set: { definition: p.definition, enabled: p.enabled, personId: p.personId, via: p.via, at: p.at },
    });
  return row!;
}

export async function allTeams(db: Db): Promise<TeamRow[]> {
  return db.select().from(teams).orderBy(asc(teams.id));
}

export async function allPeople(db: Db): Promise<PersonRow[]> {
  return db.select().from(people).orderBy(asc(people.id));
}

export async function allIdentities(db: Db): Promise<Array<{ platform: Platform; userId: string; personId: string }>> {
  return db.select().from(identities);
}

export async function upsertTeam(db: Db, t: { id: string; name: string; at: Date }): Promise<void> {
  await db
    .insert(teams)
    .values({ id: t.id, name: t.name, updatedAt: t.at, source: 'console' })
    .onConflictDoUpdate({ target: teams.id, set: { name: t.name, updatedAt: t.at, source: 'console' } });
}

/** Writes a person as the console has them, with their platform ids replaced wholesale. */
export async function upsertPerson(
  db: Db,
  p: {
    id: string;
    name: string;
    role: PersonRow['role'];
    teamId: string | null;
    manages: string[];
    active: boolean;
    ids: Partial<Record<Platform, string>>;
    at: Date;
  },
): Promise<void> {
  const row = { name: p.name, role: p.role, teamId: p.teamId, manages: p.manages, active: p.active, updatedAt: p.at, source: 'console' as const };
  await db
    .insert(people)
    .values({ id: p.id, ...row })
    .onConflictDoUpdate({ target: people.id, set: row });
  await db.delete(identities).where(eq(identities.personId, p.id));
  const ids = Object.entries(p.ids).map(([platform, userId]) => ({ platform: platform as Platform, userId: userId!, personId: p.id }));
  if (ids.length > 0) await db.insert(identities).values(ids);
}

export async function setPersonActive(db: Db, p: { id: string; active: boolean; at: Date }): Promise<PersonRow | null> {
  const [row] = await db.update(people).set({ active: p.active, updatedAt: p.at, source: 'console' }).where(eq(people.id, p.id)).returning();
  return row ?? null;
}

/** Library material: documents an admin uploaded, tied to no chat and no deal; newest first. */
export async function libraryDocuments(db: Db): Promise<Array<typeof documents.$inferSelect>> {
  return db
    .select()
    .from(documents)
    .where(and(isNull(documents.conversationId), isNull(documents.opportunityId)))
    .orderBy(desc(documents.createdAt));
}

/** The audit entries of one subject (`playbook`, `atom:<id>`), newest first. */
export async function auditTrail(db: Db, subject: string, limit = 20): Promise<Array<typeof auditLog.$inferSelect>> {
  return db.select().from(auditLog).where(eq(auditLog.subject, subject)).orderBy(desc(auditLog.at)).limit(limit);
}

export async function auditEntry(db: Db, id: string): Promise<typeof auditLog.$inferSelect | null> {
  const [row] = await db.select().from(auditLog).where(eq(auditLog.id, id));
  return row ?? null;
}
