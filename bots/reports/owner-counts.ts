/**
 * Per-owner counts of the closed deals' occasions (db/schema/report-facts.ts deal_owner_facts,
 * deal_owner_occasions), so `/breakpoints`, attribution and the digest add up a few thousand
 * rows instead of the 200,000 kept occasions of 100,000 deals each time.
 *
 * A build covers, per owner, the closed deals closed by the build (`builtAt`), all of them with
 * current kept facts (report-facts.ts), and counts by day their occasions that had happened and
 * been decided by then. A report at or after `builtAt` reads a whole day's counts when each of
 * its horizons (30 days to advance, 90 to win) falls before or after that day, which is every day
 * but two; the occasions of those two days, and those settled after the build, are read one by
 * one from deal_occasions.
 *
 * Whether an owner's counts still describe their deals is told by a stamp: the number of their
 * closed deals closed by `builtAt` and the sum of a 64-bit hash of each one's id, status, close
 * and last update (which every analysed message, stage move and correction bumps). A deal
 * changed, reopened, deleted or given to another owner changes its owners' stamps, and those
 * owners' deals are read deal by deal as before, so the figures never depend on the build, only
 * the time taken does (the same up to a 64-bit hash collision).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rowsOf } from './breakpoints.ts';
// report-facts.ts calls this module's rebuild in turn; factsMatch is only called at run time.
import { factsMatch } from './report-facts.ts';

/**
 * SQL: the stamp term of deal `o` (summed per owner): hashes chained over integers (epoch
 * microseconds; a float's 53 bits hold them exactly), three times cheaper than hashing the
 * row as text, and independent of the session's time zone and date style.
 */
export const dealStamp = sql`hashint8extended(coalesce((date_part('epoch', o.closed_at) * 1000000)::int8, 0) + (o.status = 'won')::int,
  hashint8extended((date_part('epoch', o.updated_at) * 1000000)::int8, hashtextextended(o.id, 0)))`;
/** What a build was made with; a report uses it only when all of this matches its own parameters. */
export interface OwnerCountsBuild {
  builtAt: Date;
  advanceDays: number;
  outcomeDays: number;
  path: string;
  timeZone: string;
}

/**
 * Rebuilds the per-owner counts from the kept facts as they are (one statement: one snapshot of
 * the deals). An owner with a closed deal whose facts are not current is left out: their deals
 * are read deal by deal until the next build.
 */
export async function rebuildOwnerCounts(
  db: Db,
  p: { stages: readonly string[]; timeZone: string; now: Date; advanceDays: number; outcomeDays: number },
): Promise<{ owners: number }> {
  const builtAt = p.now.toISOString();
  const path = JSON.stringify(p.stages);
  return db.transaction(async (tx) => {
    await tx.execute(sql`delete from deal_owner_occasions`);
    await tx.execute(sql`delete from deal_owner_facts`);
    const [r] = rowsOf<{ owners: number }>(
      await tx.execute(sql`
        with covered as (
          select o.id, o.owner_id, o.status, o.closed_at, ${dealStamp} as stamp,
            exists (select 1 from deal_facts f where f.opportunity_id = o.id and ${factsMatch(p.stages, p.timeZone)}) as fresh
          from opportunities o
          where o.status in ('won', 'lost') and o.closed_at <= ${builtAt}::timestamptz and o.owner_id is not null
        ),
        owners as (
          insert into deal_owner_facts (owner_id, deals, stamp, built_at, advance_days, outcome_days, path, time_zone)
          select owner_id, count(*)::int, sum(stamp), ${builtAt}::timestamptz, ${p.advanceDays}::int, ${p.outcomeDays}::int, ${path}, ${p.timeZone}
          from covered group by owner_id having bool_and(fresh)
          returning owner_id
        ),
        counted as (
          insert into deal_owner_occasions (owner_id, behaviour, present, day, n, advanced, won)
          select c.owner_id, d.behaviour, d.present, floor(extract(epoch from d.at) / 86400)::int, count(*)::int,
            (count(*) filter (where d.advanced_at is not null and d.advanced_at <= d.at + make_interval(days => ${p.advanceDays}::int)))::int,
            (count(*) filter (where c.status = 'won' and c.closed_at <= d.at + make_interval(days => ${p.outcomeDays}::int)))::int
          from deal_occasions d join covered c on c.id = d.opportunity_id join owners k on k.owner_id = c.owner_id
          where d.settles_at <= ${builtAt}::timestamptz
          group by 1, 2, 3, 4
          returning 1
        )
        select (select count(*) from owners)::int as owners, (select count(*) from counted)::int as rows`),
    );
    await tx.execute(sql`analyze deal_owner_facts, deal_owner_occasions`);
    return { owners: r?.owners ?? 0 };
  });
}

/** The current build, if there is one. */
export async function ownerCountsBuild(db: Db): Promise<OwnerCountsBuild | null> {
  const [r] = rowsOf<{
    built_at: string | Date;
    advance_days: number;
    outcome_days: number;
    path: string;
    time_zone: string;
  }>(await db.execute(sql`select built_at, advance_days, outcome_days, path, time_zone from deal_owner_facts limit 1`));
  if (!r) return null;
  return {
    builtAt: new Date(r.built_at),
    advanceDays: Number(r.advance_days),
    outcomeDays: Number(r.outcome_days),
    path: r.path,
    timeZone: r.time_zone,
  };
}

/**
 * SQL CTEs `cur` and `valid`: the owners in scope (`scope` on `o` and `p`) whose counts of build
 * `b` still describe their deals.
 */
export function validOwnersSql(b: OwnerCountsBuild, scope: SQL): SQL {
  return sql`cur as (
      select o.owner_id, count(*)::int as deals, sum(${dealStamp}) as stamp
      from opportunities o left join people p on p.id = o.owner_id
      where ${scope} and o.status in ('won', 'lost') and o.closed_at <= ${b.builtAt.toISOString()}::timestamptz and o.owner_id is not null
      group by o.owner_id
    ),
    valid as (
      select k.owner_id from deal_owner_facts k join cur c on c.owner_id = k.owner_id and c.deals = k.deals and c.stamp = k.stamp
    )`;
}

/** The owners in scope whose counts of the current build still describe their deals (for tests and the bench). */
export async function countedOwners(db: Db, scope: SQL): Promise<string[]> {
  const build = await ownerCountsBuild(db);
  if (!build) return [];
  const rows = rowsOf<{ owner_id: string }>(await db.execute(sql`with ${validOwnersSql(build, scope)} select owner_id from valid order by owner_id`));
  return rows.map((r) => r.owner_id);
}
