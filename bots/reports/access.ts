/**
 * Who may see which report. A manager sees the teams they manage and their own; an admin sees
 * every team; a rep sees only themselves and their own deals; someone who left sees nothing.
 */
import { asc } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { teams } from '../../db/schema/index.ts';
import type { people } from '../../db/schema/index.ts';
import type { DealScope } from './deal.ts';

/** The directory fields access depends on. */
export type Viewer = Pick<typeof people.$inferSelect, 'id' | 'role' | 'teamId' | 'manages' | 'active'>;

/**
 * The teams `person` may see summaries of: `'all'` for an admin, the managed teams plus their own
 * for a manager, none for a rep (the caller answers a rep's `/team` with a polite refusal).
 */
export function visibleTeamIds(person: Viewer): 'all' | string[] {
  if (!person.active) return [];
  switch (person.role) {
    case 'admin':
      return 'all';
    case 'manager':
      return [...new Set([...person.manages, ...(person.teamId ? [person.teamId] : [])])];
    case 'rep':
      return [];
  }
}

/** `visibleTeamIds` with `'all'` spelled out as every team in the directory, by name. */
export async function resolveVisibleTeamIds(db: Db, person: Viewer): Promise<string[]> {
  const visible = visibleTeamIds(person);
  if (visible !== 'all') return visible;
  const rows = await db.select({ id: teams.id }).from(teams).orderBy(asc(teams.name), asc(teams.id));
  return rows.map((r) => r.id);
}

/** Whether `viewer` may read the rep summary of `subject`. */
export function canSeeRep(viewer: Viewer, subject: { id: string; teamId: string | null }): boolean {
  if (!viewer.active) return false;
  if (viewer.id === subject.id) return true;
  const visible = visibleTeamIds(viewer);
  return visible === 'all' || (subject.teamId !== null && visible.includes(subject.teamId));
}

/** Whose deals `viewer` may search and read (see `findOpportunities`). */
export function dealScope(viewer: Viewer): DealScope {
  if (!viewer.active) return { teamIds: [] };
  const visible = visibleTeamIds(viewer);
  if (visible === 'all') return { all: true };
  return viewer.role === 'rep' ? { ownerId: viewer.id } : { teamIds: visible };
}

/** Whether `viewer` may read the timeline of a deal owned by `owner` (ids from `dealTimeline`). */
export function canSeeDeal(viewer: Viewer, owner: { ownerId: string | null; ownerTeamId: string | null }): boolean {
  if (!viewer.active) return false;
  if (owner.ownerId !== null && owner.ownerId === viewer.id) return true;
  const visible = visibleTeamIds(viewer);
  return visible === 'all' || (owner.ownerTeamId !== null && visible.includes(owner.ownerTeamId));
}
