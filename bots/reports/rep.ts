/**
 * The rep summary (`/rep 张三`): the team summary's figures for one person, with their open deals.
 */
import { and, asc, desc, eq, ilike, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Funnel } from '../catalog/schema.ts';
import { opportunities, people, teams } from '../../db/schema/index.ts';
import { collectRepMetrics, emptyMetrics } from './metrics.ts';
import { escapeLike } from './text.ts';
import { dealNameColumn } from './deal-name.ts';
import type { RepMetrics, ReportWindow } from './metrics.ts';

/** A deal still being worked. */
export interface OpenDeal {
  id: string;
  name: string;
  stage: string;
  amount: number | null;
  updatedAt: Date;
}

/** One person's summary. */
export interface RepSummary {
  person: { id: string; name: string; role: string; teamId: string | null; teamName: string | null; active: boolean };
  metrics: RepMetrics;
  /** Deals they own that are neither won nor lost, most recently updated first. */
  openDeals: OpenDeal[];
}

/** The summary of `personId` over `[from, to)`, or null when there is no such person; the funnel says which stage moves go forward. */
export async function repSummary(db: Db, params: { personId: string; funnel: Funnel } & ReportWindow): Promise<RepSummary | null> {
  const { personId, from, to, now, funnel } = params;
  const [person] = await db
    .select({
      id: people.id,
      name: people.name,
      role: people.role,
      teamId: people.teamId,
      teamName: teams.name,
      active: people.active,
    })
    .from(people)
    .leftJoin(teams, eq(teams.id, people.teamId))
    .where(eq(people.id, personId))
    .limit(1);
  if (person === undefined) return null;
  const [metrics, openDeals] = await Promise.all([
    collectRepMetrics(db, [personId], { from, to, now }, funnel),
    db
      .select({ id: opportunities.id, name: dealNameColumn, stage: opportunities.stage, amount: opportunities.amount, updatedAt: opportunities.updatedAt })
      .from(opportunities)
      .where(and(eq(opportunities.ownerId, personId), eq(opportunities.status, 'open')))
      .orderBy(desc(opportunities.updatedAt), asc(opportunities.id)),
  ]);
  return { person, metrics: metrics.get(personId) ?? emptyMetrics(), openDeals };
}

/** A person found by name. */
export interface PersonMatch {
  id: string;
  name: string;
  role: 'rep' | 'manager' | 'admin';
  teamId: string | null;
  active: boolean;
}

/**
 * People whose name contains `name` (case-insensitive), for `/rep 张三`, limited to the given
 * teams or to everyone; exact matches first. Inactive people are included: their history stays.
 */
export async function findPeople(db: Db, name: string, scope: { all: true } | { teamIds: readonly string[] }): Promise<PersonMatch[]> {
  const q = name.trim();
  if (q === '') return [];
  const conds = [ilike(people.name, `%${escapeLike(q)}%`)];
  if (!('all' in scope)) conds.push(inArray(people.teamId, [...scope.teamIds]));
  return db
    .select({ id: people.id, name: people.name, role: people.role, teamId: people.teamId, active: people.active })
    .from(people)
    .where(and(...conds))
    .orderBy(desc(sql`${people.name} = ${q}`), asc(people.name), asc(people.id))
    .limit(20);
}
