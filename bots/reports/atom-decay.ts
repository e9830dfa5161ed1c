/**
 * The knowledge decay report: atoms whose use rate — the reps who used it ÷ the reps it was
 * pushed to, in a calendar month (the organisation's) — stayed under 15% for the two last whole
 * months. A month the atom was pushed to nobody says nothing, so it does not count either way.
 */
import { sql } from 'drizzle-orm';
import { wallClock, zonedInstant } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import { type PersonScope, personCondition } from './atom-funnel.ts';
import { rowsOf } from './breakpoints.ts';

/** Under this use rate a month counts as decayed. */
export const DECAY_RATE = 0.15;
/** Months running under the rate. */
export const DECAY_MONTHS = 2;

export interface AtomMonth {
  /** `2026-10`. */
  month: string;
  pushedReps: number;
  usedReps: number;
  rate: number | null;
}

export interface DecayingAtom {
  atomId: string;
  /** Oldest first: the months that make it decaying. */
  months: AtomMonth[];
}

/** The `months` whole calendar months before `now`'s, oldest first, as instants. */
export function lastMonths(now: Date, timeZone: string, months = DECAY_MONTHS): Array<{ label: string; from: Date; to: Date }> {
  const w = wallClock(now, timeZone);
  const out: Array<{ label: string; from: Date; to: Date }> = [];
  for (let i = months; i >= 1; i--) {
    const y = w.year + Math.floor((w.month - 1 - i) / 12);
    const m = ((((w.month - 1 - i) % 12) + 12) % 12) + 1;
    const ny = m === 12 ? y + 1 : y;
    const nm = m === 12 ? 1 : m + 1;
    out.push({
      label: `${y}-${String(m).padStart(2, '0')}`,
      from: zonedInstant(timeZone, y, m, 1),
      to: zonedInstant(timeZone, ny, nm, 1),
    });
  }
  return out;
}

/** Per atom and month, the reps pushed to and those of them who used it that month. */
export async function atomMonths(db: Db, p: { scope: PersonScope; now: Date; timeZone: string; months?: number }): Promise<Map<string, AtomMonth[]>> {
  const months = lastMonths(p.now, p.timeZone, p.months ?? DECAY_MONTHS);
  const bounds = sql.join(
    months.map((m) => sql`(${m.label}::text, ${m.from.toISOString()}::timestamptz, ${m.to.toISOString()}::timestamptz)`),
    sql`, `,
  );
  const rows = rowsOf<{ atom_id: string; month: string; pushed_reps: number; used_reps: number }>(
    await db.execute(sql`
      with months(label, m_from, m_to) as (values ${bounds}),
      per_rep as (
        select e.atom_id, e.person_id, m.label, bool_or(e.kind = 'pushed') as pushed, bool_or(e.kind = 'used') as used
        from atom_events e join months m on e.at >= m.m_from and e.at < m.m_to
        where e.kind in ('pushed', 'used') and ${personCondition(p.scope, sql`e.person_id`)}
        group by e.atom_id, e.person_id, m.label
      )
      select atom_id, label as month, (count(*) filter (where pushed))::int as pushed_reps, (count(*) filter (where pushed and used))::int as used_reps
      from per_rep group by atom_id, label`),
  );
  const out = new Map<string, AtomMonth[]>();
  for (const r of rows) {
    const list = out.get(r.atom_id) ?? months.map((m) => ({ month: m.label, pushedReps: 0, usedReps: 0, rate: null }));
    const at = list.find((m) => m.month === r.month)!;
    at.pushedReps = r.pushed_reps;
    at.usedReps = r.used_reps;
    at.rate = r.pushed_reps > 0 ? r.used_reps / r.pushed_reps : null;
    out.set(r.atom_id, list);
  }
  return out;
}

/** The atoms under the rate in every one of the last months, lowest latest rate first. */
export async function decayingAtoms(db: Db, p: { scope: PersonScope; now: Date; timeZone: string; rate?: number; months?: number }): Promise<DecayingAtom[]> {
  const limit = p.rate ?? DECAY_RATE;
  const all = await atomMonths(db, p);
  return [...all]
    .filter(([, months]) => months.every((m) => m.rate !== null && m.rate < limit))
    .map(([atomId, months]) => ({ atomId, months }))
    .sort((a, b) => (a.months.at(-1)!.rate ?? 0) - (b.months.at(-1)!.rate ?? 0) || a.atomId.localeCompare(b.atomId));
}
