/** The compliance panel: the period's records for the teams' people, by kind, and the latest ones. */
import { and, desc, eq, gte, inArray, lt } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { complianceRecords, opportunities, people } from '../../../db/schema/index.ts';

export const COMPLIANCE_LISTED = 10;
const KIND_LABELS = { daily_limit: '当天多次联系客户未获回复', sensitive_phrase: '敏感说法' } as const;

export interface CompliancePanel {
  counts: Array<{ kind: string; label: string; n: number }>;
  latest: Array<{ kind: string; label: string; personName: string; dealName: string | null; at: Date }>;
}

export async function compliancePanel(db: Db, p: { teamIds: readonly string[]; from: Date; to: Date }): Promise<CompliancePanel> {
  if (p.teamIds.length === 0) return { counts: [], latest: [] };
  const where = and(inArray(people.teamId, [...p.teamIds]), gte(complianceRecords.at, p.from), lt(complianceRecords.at, p.to));
  const rows = await db
    .select({ kind: complianceRecords.kind, personName: people.name, dealName: opportunities.name, at: complianceRecords.at })
    .from(complianceRecords)
    .innerJoin(people, eq(people.id, complianceRecords.personId))
    .leftJoin(opportunities, eq(opportunities.id, complianceRecords.opportunityId))
    .where(where)
    .orderBy(desc(complianceRecords.at));
  const counts = (Object.keys(KIND_LABELS) as Array<keyof typeof KIND_LABELS>).map((kind) => ({
    kind,
    label: KIND_LABELS[kind],
    n: rows.filter((r) => r.kind === kind).length,
  }));
  return { counts, latest: rows.slice(0, COMPLIANCE_LISTED).map((r) => ({ ...r, label: KIND_LABELS[r.kind] })) };
}
