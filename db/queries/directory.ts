import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { identities, people } from '../schema/index.ts';

export type Person = typeof people.$inferSelect;

/** The directory person behind a platform user id, or null for a customer contact. */
export async function personByPlatformId(db: Db, platform: string, userId: string): Promise<Person | null> {
  const rows = await db
    .select({ person: people })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.platform, platform), eq(identities.userId, userId)))
    .limit(1);
  return rows[0]?.person ?? null;
}

export async function personById(db: Db, id: string): Promise<Person | null> {
  const rows = await db.select().from(people).where(eq(people.id, id)).limit(1);
  return rows[0] ?? null;
}

/** A person's user ids by platform. */
export async function platformIdsOf(db: Db, personId: string): Promise<Map<string, string>> {
  const rows = await db.select().from(identities).where(eq(identities.personId, personId));
  return new Map(rows.map((r) => [r.platform, r.userId]));
}
