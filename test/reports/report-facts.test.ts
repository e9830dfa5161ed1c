/**
 * The reports' kept facts of closed deals change how fast the reports answer, never what they
 * say: the breakpoints, attribution and the forecast read the same after a full roll-up, a
 * partial one, and when a deal changed since (it is read live until the next roll-up); the
 * per-owner counts likewise (an owner whose deal changed is read deal by deal).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '../../bots/catalog/watch.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { breakpoints, rowsOf, scopeCondition } from '../../bots/reports/breakpoints.ts';
import { forecast } from '../../bots/reports/forecast.ts';
import { forecastWindow } from '../../bots/reports/forecast-answer.ts';
import { countedOwners, ownerCountsBuild } from '../../bots/reports/owner-counts.ts';
import { factsStatus, refreshReportFacts } from '../../bots/reports/report-facts.ts';
import type { Database } from '../../db/client.ts';
import { type HistoryDb, HISTORY_NOW, HISTORY_TZ, openHistoryDb } from '../helpers/history-db.ts';

const NOW = HISTORY_NOW;
const TZ = HISTORY_TZ;

let history: HistoryDb;
let database: Database;
let catalog: CatalogHolder;

beforeAll(async () => {
  history = await openHistoryDb({ deals: 500, seed: 5, days: 300 });
  ({ database, catalog } = history);
}, 180_000);

afterAll(async () => {
  await history?.close();
});

/** Everything the reports compute from the kept facts, as one comparable value. */
async function figures() {
  const c = catalog.current;
  const teamIds = [...c.teams.keys()];
  const stages = winningPath(c.playbook.funnel);
  const params = { now: NOW, timeZone: TZ, stages, rules: c.playbook.rules, minDeals: 5 };
  const bp = await breakpoints(database.db, { scope: { all: true }, ...params });
  // A team, a rep, a period (never from the counts), other horizons, an earlier moment.
  const rep = [...c.people].find((p) => p.active && p.role === 'rep')!;
  const others = await Promise.all([
    breakpoints(database.db, { scope: { teamIds: [teamIds[0]!] }, ...params }),
    breakpoints(database.db, { scope: { ownerId: rep.id }, ...params }),
    breakpoints(database.db, { scope: { all: true }, ...params, from: new Date(NOW.getTime() - 200 * 86_400_000) }),
    breakpoints(database.db, { scope: { all: true }, ...params, advanceDays: 20, outcomeDays: 60 }),
    breakpoints(database.db, { scope: { all: true }, ...params, now: new Date(NOW.getTime() - 86_400_000) }),
  ]);
  const quarter = forecastWindow('本季度', NOW, TZ);
  const weekAgo = new Date(NOW.getTime() - 7 * 86_400_000);
  const fc = await Promise.all(
    [undefined, weekAgo].map((asOf) =>
      forecast(database.db, {
        scope: { teamIds },
        teamIds,
        from: quarter.from,
        to: quarter.to,
        now: NOW,
        ...(asOf ? { asOf } : {}),
        funnel: c.playbook.funnel,
        stages,
      }),
    ),
  );
  return { bp, others, fc: fc.map((f) => ({ totals: f.totals, deals: f.deals, chances: [...f.chances].map(([t, m]) => [t, [...m]]) })) };
}

const counted = () => countedOwners(database.db, scopeCondition({ all: true }));
const owners = async () =>
  rowsOf<{ owner_id: string }>(
    await database.db.execute(sql`select distinct owner_id from opportunities where status in ('won', 'lost') order by owner_id`),
  ).map((r) => r.owner_id);
const status = () => factsStatus(database.db, { funnel: catalog.current.playbook.funnel, timeZone: TZ });
const refresh = (more: { batch?: number; maxDeals?: number } = {}) =>
  refreshReportFacts(database.db, { funnel: catalog.current.playbook.funnel, timeZone: TZ, now: NOW, ...more });

interface ForeignKey {
  child: string;
  parent: string;
  cols: string[];
  pcols: string[];
}

type Query = <T>(text: string) => Promise<T[]>;

/** Every foreign key of the schema with the rows of its table that break it. */
async function brokenKeys(query: Query): Promise<{ key: string; rows: number }[]> {
  const keys = await query<ForeignKey>(`
    select conrelid::regclass::text as child, confrelid::regclass::text as parent,
      array(select a.attname::text from unnest(conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = conrelid and a.attnum = k.n order by k.i) as cols,
      array(select a.attname::text from unnest(confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = confrelid and a.attnum = k.n order by k.i) as pcols
    from pg_constraint where contype = 'f'`);
  const out = [];
  for (const k of keys) {
    // MATCH SIMPLE: a key with a null column is not checked.
    const set = k.cols.map((c) => `c."${c}" is not null`).join(' and ');
    const on = k.cols.map((c, i) => `p."${k.pcols[i]}" = c."${c}"`).join(' and ');
    const [r] = await query<{ n: number }>(`select count(*)::int as n from ${k.child} c where ${set} and not exists (select 1 from ${k.parent} p where ${on})`);
    out.push({ key: `${k.child}(${k.cols}) → ${k.parent}`, rows: r!.n });
  }
  return out;
}

describe('a seeded history', () => {
  it('keeps every foreign key, though its write skips their checks, and leaves them on after it', async () => {
    const outside: Query = (text) => database.sql.query(text);
    const keys = await brokenKeys(outside);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => k.rows > 0)).toEqual([]);
    const [role] = await database.sql.query<{ r: string }>("select current_setting('session_replication_role') as r");
    expect(role!.r).toBe('origin');
    // The check sees a broken key (written with the checks off, then rolled back).
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`set local session_replication_role = replica`);
        await tx.execute(sql`update actions set message_id = 'nowhere' where id = (select min(id) from actions)`);
        const inside: Query = async (text) => rowsOf(await tx.execute(sql.raw(text)));
        const broken = (await brokenKeys(inside)).filter((k) => k.rows > 0);
        expect(broken).toEqual([{ key: 'actions(message_id) → messages', rows: 1 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await brokenKeys(outside)).filter((k) => k.rows > 0)).toEqual([]);
  });
});

describe('kept report facts', () => {
  it('leave every figure as the live reading computes it', { timeout: 240_000 }, async () => {
    const live = await figures();
    expect((await status()).kept).toBe(0);
    // Part of the closed deals first, in small batches: a mix of kept and live.
    const part = await refresh({ batch: 40, maxDeals: 120 });
    expect(part.deals).toBe(120);
    expect((await status()).kept).toBe(120);
    expect(await figures()).toEqual(live);
    const rest = await refresh();
    const s = await status();
    expect(s.kept).toBe(s.closed);
    expect(part.deals + rest.deals).toBe(s.closed);
    expect(s.oldest?.toISOString()).toBe(NOW.toISOString());
    // Every owner's closed deals are counted, and the counts hold settled occasions.
    expect((await ownerCountsBuild(database.db))?.builtAt.toISOString()).toBe(NOW.toISOString());
    expect(await counted()).toEqual(await owners());
    const [settled] = rowsOf<{ n: number }>(await database.db.execute(sql`select coalesce(sum(n), 0)::int as n from deal_owner_occasions`));
    expect(settled?.n).toBeGreaterThan(100);
    expect(await figures()).toEqual(live);
    // Nothing left to do: a second run computes nothing and keeps the counts of the first.
    expect(await refresh()).toMatchObject({ deals: 0, owners: null });
  });

  it('read a deal changed since the roll-up live, and keep it again on the next run', { timeout: 240_000 }, async () => {
    const before = await status();
    const first = async (status: string) =>
      rowsOf<{ id: string; owner_id: string }>(
        await database.db.execute(sql`select id, owner_id from opportunities where status = ${status} order by id limit 1`),
      )[0]!;
    const won = await first('won');
    const lost = await first('lost');
    // A won deal reopened by a correction, and a lost deal given to the won deal's owner: both touched.
    await database.db.execute(sql`
      update opportunities set status = 'open', closed_at = null, stage = 'negotiation', updated_at = ${NOW.toISOString()}::timestamptz
      where id = ${won.id}`);
    await database.db.execute(sql`update opportunities set owner_id = ${won.owner_id}, updated_at = ${NOW.toISOString()}::timestamptz where id = ${lost.id}`);
    const after = await status();
    expect(after.closed).toBe(before.closed - 1);
    expect(after.kept).toBe(before.kept - 2);
    // The owners of the touched deals are no longer counted (read deal by deal); the others still are.
    const all = await owners();
    expect(await counted()).toEqual(all.filter((o) => o !== won.owner_id && o !== lost.owner_id));
    expect((await counted()).length).toBeGreaterThan(0);
    const mixed = await figures();
    // The same history with nothing kept at all.
    await database.db.execute(sql`delete from deal_owner_occasions`);
    await database.db.execute(sql`delete from deal_owner_facts`);
    await database.db.execute(sql`delete from deal_facts`);
    const live = await figures();
    expect(mixed).toEqual(live);
    expect((await refresh()).deals).toBe(after.closed);
    expect(await counted()).toEqual(await owners());
    expect(await figures()).toEqual(live);
  });
});
