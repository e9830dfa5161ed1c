/** The console's sign-in links, sessions and audit log: plain functions over the tables. */
import { and, eq, gt, gte, isNull, lte, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Db } from '../client.ts';
import { auditLog, consoleLinks, consoleSessions, deliveries } from '../schema/index.ts';

export type ConsoleLinkRow = typeof consoleLinks.$inferSelect;
export type ConsoleSessionRow = typeof consoleSessions.$inferSelect;

export async function insertConsoleLink(db: Db, row: typeof consoleLinks.$inferInsert): Promise<void> {
  await db.insert(consoleLinks).values(row);
}

export async function consoleLinkByHash(db: Db, tokenHash: string): Promise<ConsoleLinkRow | null> {
  const [row] = await db.select().from(consoleLinks).where(eq(consoleLinks.tokenHash, tokenHash));
  return row ?? null;
}

/**
 * Marks the link used if it is unused and unexpired, in one statement: of two requests racing with
 * the same link, one gets the row and the other null.
 */
export async function useConsoleLink(db: Db, tokenHash: string, now: Date): Promise<ConsoleLinkRow | null> {
  const [row] = await db
    .update(consoleLinks)
    .set({ usedAt: now })
    .where(and(eq(consoleLinks.tokenHash, tokenHash), isNull(consoleLinks.usedAt), gt(consoleLinks.expiresAt, now)))
    .returning();
  return row ?? null;
}

export async function insertConsoleSession(db: Db, row: typeof consoleSessions.$inferInsert): Promise<void> {
  await db.insert(consoleSessions).values(row);
}

/** The open session with this token hash: not ended, not expired. */
export async function openConsoleSession(db: Db, tokenHash: string, now: Date): Promise<ConsoleSessionRow | null> {
  const [row] = await db
    .select()
    .from(consoleSessions)
    .where(and(eq(consoleSessions.tokenHash, tokenHash), isNull(consoleSessions.endedAt), gt(consoleSessions.expiresAt, now)));
  return row ?? null;
}

export async function endConsoleSession(db: Db, tokenHash: string, now: Date): Promise<void> {
  await db
    .update(consoleSessions)
    .set({ endedAt: now })
    .where(and(eq(consoleSessions.tokenHash, tokenHash), isNull(consoleSessions.endedAt)));
}

export async function writeAudit(
  db: Db,
  e: { at: Date; personId: string; action: string; subject: string; before?: unknown; after?: unknown; via: string },
): Promise<void> {
  await db.insert(auditLog).values({
    id: newId(),
    at: e.at,
    personId: e.personId,
    action: e.action,
    subject: e.subject,
    before: e.before ?? null,
    after: e.after ?? null,
    via: e.via,
  });
}

/**
 * Takes a used link's token out of the chat answer that carried it (`/console`), so no usable or
 * used token stays in the deliveries table: the answer was written within a minute of the link.
 */
export async function redactLinkDelivery(db: Db, p: { personId: string; createdAt: Date; token: string }): Promise<void> {
  await db
    .update(deliveries)
    .set({ message: sql`jsonb_set(${deliveries.message}, '{text}', to_jsonb(replace(${deliveries.message}->>'text', ${p.token}, '（已使用）')))` })
    .where(
      and(
        sql`${deliveries.to}->>'personId' = ${p.personId}`,
        gte(deliveries.createdAt, p.createdAt),
        lte(deliveries.createdAt, new Date(p.createdAt.getTime() + 60_000)),
        sql`position(${p.token} in ${deliveries.message}->>'text') > 0`,
      ),
    );
}
