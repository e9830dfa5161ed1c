/** Directory lookups off the message path (an upload, an admin action), read from the database. */
import { and, eq } from 'drizzle-orm';
import type { Platform } from '../../core/types.ts';
import type { Db } from '../client.ts';
import { identities, people } from '../schema/index.ts';

export type PersonRow = typeof people.$inferSelect;

/** The directory person behind a platform user id, or null for a customer contact. */
export async function personByPlatformId(db: Db, platform: Platform, userId: string): Promise<PersonRow | null> {
  const rows = await db
    .select({ person: people })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(and(eq(identities.platform, platform), eq(identities.userId, userId)))
    .limit(1);
  return rows[0]?.person ?? null;
}
