/** The console's audit log as a list: newest first, by whom, what, when. */
import { and, asc, count, desc, eq, gte, inArray, like, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { auditLog } from '../schema/index.ts';

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditFilter {
  /** Whose entries: these people, or everyone's. */
  people: readonly string[] | 'all';
  /** An action or its prefix (`deal.`). */
  action?: string;
  person?: string;
  start?: Date;
  end?: Date;
  limit: number;
  offset: number;
}

export async function listAudit(db: Db, f: AuditFilter): Promise<{ items: AuditRow[]; total: number }> {
  const conds: SQL[] = [];
  if (f.people !== 'all') {
    if (f.people.length === 0) return { items: [], total: 0 };
    conds.push(inArray(auditLog.personId, [...f.people]));
  }
  if (f.action) conds.push(like(auditLog.action, `${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (f.person) conds.push(eq(auditLog.personId, f.person));
  if (f.start) conds.push(gte(auditLog.at, f.start));
  if (f.end) conds.push(lt(auditLog.at, f.end));
  const where = and(...conds);
  const [items, [n]] = await Promise.all([
    db.select().from(auditLog).where(where).orderBy(desc(auditLog.at), asc(auditLog.id)).limit(f.limit).offset(f.offset),
    db.select({ n: count() }).from(auditLog).where(where),
  ]);
  return { items, total: n?.n ?? 0 };
}
