/**
 * The knowledge loop, per atom: pushed → used (detected from what the rep sent, within 7 days of
 * the push, on the same deal) → 有用 / 没用 (the rep's feedback on the nudge that carried it) →
 * the deal advanced a stage within 7 days of the push → the deal won. Counts are of pushes, so
 * every step is a subset of the one before it except the feedback (which a rep may give without
 * using the words). One grouped query, by index lookups per push.
 *
 * The admin pages (atom list) import `atomFunnel` from here: it is the one definition of the funnel.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rowsOf } from './breakpoints.ts';

/** Days after a push within which a use or a stage advance counts. */
export const LOOP_DAYS = 7;

export interface AtomFunnelRow {
  atomId: string;
  pushed: number;
  /** Distinct reps it was pushed to / who used it after a push. */
  pushedReps: number;
  usedReps: number;
  used: number;
  useful: number;
  notUseful: number;
  advanced: number;
  won: number;
}

/** Whose pushes count: every rep, some reps (a manager's teams), or one rep (a rep's own). */
export type PersonScope = { all: true } | { personIds: readonly string[] };

export interface AtomFunnelParams {
  scope: PersonScope;
  /** Pushes in `[from, to)`; all history when absent. */
  from?: Date;
  to?: Date;
  /** The winning path: "advanced" is a move to a later stage of it. */
  stages: readonly string[];
}

/** SQL condition on an `atom_events` alias' person_id. */
export function personCondition(scope: PersonScope, column: SQL): SQL {
  if ('all' in scope) return sql`true`;
  if (scope.personIds.length === 0) return sql`false`;
  return sql`${column} in (${sql.join(
    scope.personIds.map((id) => sql`${id}`),
    sql`, `,
  )})`;
}

/** The funnel of every atom pushed in scope, most pushed first. */
export async function atomFunnel(db: Db, p: AtomFunnelParams): Promise<AtomFunnelRow[]> {
  const path = sql`array[${sql.join(
    p.stages.map((x) => sql`${x}`),
    sql`, `,
  )}]::text[]`;
  const from = p.from?.toISOString() ?? null;
  const to = p.to?.toISOString() ?? null;
  const rows = rowsOf<{
    atom_id: string;
    pushed: number;
    pushed_reps: number;
    used_reps: number;
    used: number;
    useful: number;
    not_useful: number;
    advanced: number;
    won: number;
  }>(
    await db.execute(sql`
    with pushes as (
      select e.id, e.atom_id, e.person_id, e.opportunity_id, e.nudge_id, e.at from atom_events e
      where e.kind = 'pushed' and ${personCondition(p.scope, sql`e.person_id`)}
        and (${from}::timestamptz is null or e.at >= ${from}::timestamptz) and (${to}::timestamptz is null or e.at < ${to}::timestamptz)
    ),
    -- Materialized: its columns are read twice below, which would judge every push twice.
    judged as materialized (
      select x.atom_id, x.person_id,
        -- A push on a deal finds its use through the deal's index (not distinct from would not use
        -- it; nor would the planner, without statistics, unless the person's index is kept out of
        -- reach: hence the person compared as an expression).
        case when x.opportunity_id is null then exists (
          select 1 from atom_events u where u.atom_id = x.atom_id and u.person_id = x.person_id and u.kind = 'used'
            and u.opportunity_id is null and u.at >= x.at and u.at <= x.at + make_interval(days => ${LOOP_DAYS}::int)
        ) else exists (
          select 1 from atom_events u where u.opportunity_id = x.opportunity_id and u.atom_id = x.atom_id and u.kind = 'used'
            and u.person_id || '' = x.person_id and u.at >= x.at and u.at <= x.at + make_interval(days => ${LOOP_DAYS}::int)
        ) end as used,
        n.feedback,
        -- Stages' places as an expression: a table of stages would be hashed again for every push.
        exists (
          select 1 from stage_changes sc
          where sc.opportunity_id = x.opportunity_id and sc.at > x.at and sc.at <= x.at + make_interval(days => ${LOOP_DAYS}::int)
            and array_position(${path}, sc.to_stage) > coalesce(array_position(${path}, sc.from_stage), 0)
        ) as advanced,
        (o.status = 'won' and o.closed_at >= x.at) as won
      from pushes x left join nudges n on n.id = x.nudge_id left join opportunities o on o.id = x.opportunity_id
    )
    select atom_id, count(*)::int as pushed, count(distinct person_id)::int as pushed_reps,
      count(distinct person_id) filter (where used)::int as used_reps,
      (count(*) filter (where used))::int as used,
      (count(*) filter (where feedback = 'useful'))::int as useful,
      (count(*) filter (where feedback = 'not_useful'))::int as not_useful,
      (count(*) filter (where advanced))::int as advanced,
      (count(*) filter (where won))::int as won
    from judged group by atom_id order by count(*) desc, atom_id`),
  );
  return rows.map((r) => ({
    atomId: r.atom_id,
    pushed: r.pushed,
    pushedReps: r.pushed_reps,
    usedReps: r.used_reps,
    used: r.used,
    useful: r.useful,
    notUseful: r.not_useful,
    advanced: r.advanced,
    won: r.won,
  }));
}
