/**
 * Behaviour breakpoints (`/breakpoints 本季度`): for each behaviour the playbook names, the share
 * of deals that reached the next stage and the share that were won, with the behaviour and
 * without it, each with its n and a 95% Wilson interval, and the difference with Newcombe's.
 *
 * The behaviours, each judged once per deal, on its first occasion (so a long deal with many
 * questions is not more likely to count as "missed" than a short one):
 *  - every playbook timer a rep fulfils (`expect` by the rep, or a reply by the rep): on time when
 *    the timer was fulfilled by its due time; missed when it was fulfilled late or its due time
 *    passed; cancelled timers (the deal left the stage or closed first) do not count;
 *  - an objection handled the same day (the organisation's calendar day) it was raised;
 *  - a follow-up within 3 days of the quote;
 *  - an atom pushed for the deal used by the rep within 7 days of the push.
 *
 * Outcomes are read within a fixed horizon of the occasion and only for occasions at least that
 * old, so young deals do not count as failures: advanced = a move to a later stage of the winning
 * path within `advanceDays` (30), won = won within `outcomeDays` (90). The rows are aggregated in
 * the database in one query, whatever the number of deals, per owner too (how often each rep
 * did each behaviour: what the reps who win do differently).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Rule } from '../catalog/schema.ts';
import type { DealScope } from './deal.ts';
import { ownerCountsBuild, validOwnersSql } from './owner-counts.ts';
import { type DifferenceEstimate, newcombe, type RateEstimate, wilson, Z95 } from './stats.ts';

/** The behaviours that are not playbook timers. */
export const OBJECTION_SAME_DAY = 'objection-handled-same-day';
export const QUOTE_FOLLOW_UP = 'quote-follow-up-3d';
export const ATOM_USED = 'atom-used';

/** The outcome horizons by default: advanced within 30 days, won within 90. */
export const ADVANCE_DAYS = 30;
export const OUTCOME_DAYS = 90;

const LABELS: Record<string, string> = {
  'demo-golden-48h': '演示后48小时内发定制材料',
  'question-unanswered-2h': '客户提问2个工作小时内回复',
  [OBJECTION_SAME_DAY]: '客户异议当天回应',
  [QUOTE_FOLLOW_UP]: '报价后3天内跟进',
  [ATOM_USED]: '推送的话术被采用',
};

export interface BreakpointParams {
  scope: DealScope;
  /** Occasions in `[from, to)`; all history when absent. */
  from?: Date;
  to?: Date;
  now: Date;
  timeZone: string;
  /** The winning path (lead … won): "advanced" is a move to a later stage of it. */
  stages: readonly string[];
  rules: readonly Rule[];
  /** Deals needed on each side before a figure is shown (default 20). */
  minDeals?: number;
  advanceDays?: number;
  outcomeDays?: number;
  /** z of the intervals (default 95%). */
  z?: number;
}

/** One outcome, with and without the behaviour. */
export interface Comparison {
  with: RateEstimate;
  without: RateEstimate;
  difference: DifferenceEstimate;
  /** Both sides have at least `minDeals` deals. */
  enough: boolean;
  /** Occasions on either side too recent for this outcome to be known yet (not in n). */
  young: number;
}

export interface Breakpoint {
  key: string;
  label: string;
  advance: Comparison;
  win: Comparison;
}

/** How often one owner did one behaviour when it came up (occasions in the period, decided). */
export interface RepBehaviour {
  ownerId: string;
  ownerName: string;
  behaviour: string;
  done: number;
  n: number;
  /** Advanced to the next stage within the horizon, among the occasions old enough to tell, with and without the behaviour. */
  advance: { withK: number; withN: number; withoutK: number; withoutN: number };
}

export interface BreakpointReport {
  behaviours: Breakpoint[];
  /** Per owner and behaviour, by owner name: what the reps do differently. */
  byRep: RepBehaviour[];
  minDeals: number;
  advanceDays: number;
  outcomeDays: number;
}

/** The rules whose timers measure something the rep does. */
export function repTimerRules(rules: readonly Rule[]): Rule[] {
  // A customer's reply or opening a document is the customer's doing, not a rep's behaviour.
  return rules.filter(
    (r) => r.enabled && r.expect && r.within !== undefined && ('by' in r.expect ? r.expect.by === 'rep' : 'reply' in r.expect && r.expect.reply === 'rep'),
  );
}

/** Label of a behaviour key, for reports and nudges. */
export function behaviourLabel(key: string, rules: readonly Rule[] = []): string {
  return LABELS[key] ?? `按时完成：${rules.find((r) => r.id === key)?.name ?? key}`;
}

/** SQL condition on `o` (opportunities) and `p` (its owner) for a deal scope. */
export function scopeCondition(scope: DealScope): SQL {
  if ('all' in scope) return sql`true`;
  if ('ownerId' in scope) return sql`o.owner_id = ${scope.ownerId}`;
  if (scope.teamIds.length === 0) return sql`false`;
  return sql`p.team_id in (${sql.join(
    scope.teamIds.map((t) => sql`${t}`),
    sql`, `,
  )})`;
}

/** Rows of a `db.execute`, whichever driver ran it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

const COUNTS = ['adv_n', 'adv_k', 'win_n', 'win_k', 'adv_young', 'win_young'] as const;

interface Row {
  behaviour: string;
  present: boolean;
  adv_n: number;
  adv_k: number;
  win_n: number;
  win_k: number;
  adv_young: number;
  win_young: number;
}

/**
 * The first occasion of each behaviour of the deals in the CTE `deals` (id, stage): when, whether
 * it was done, when it was decided (null: decided at once; else once that moment has passed),
 * and the first move to a later stage of the winning path after it. Shared by the live reading
 * and the roll-up (report-facts.ts), so both judge alike. `ruleIds` null: every timer rule.
 */
export function occasionsSql(p: { deals: string; stages: readonly string[]; timeZone: string; ruleIds: readonly string[] | null; carry?: SQL }): SQL {
  const deals = sql.raw(p.deals);
  // The deal's stage and the carried columns of `s` come along with each occasion: joined back
  // to the deals afterwards, two CTEs the planner estimates at a dozen rows each become a nested
  // loop of a million comparisons at a few thousand deals.
  const carry = sql`s.stage as deal_stage${p.carry ?? sql``}`;
  const tz = p.timeZone;
  const rules =
    p.ruleIds === null
      ? sql`true`
      : p.ruleIds.length > 0
        ? sql`t.rule_id in (${sql.join(
            p.ruleIds.map((r) => sql`${r}`),
            sql`, `,
          )})`
        : sql`false`;
  // A stage's place on the winning path (1-based, null off it): an expression, not a join to a
  // table of stages, which the server would hash again for every occasion.
  const path = sql`array[${sql.join(
    p.stages.map((x) => sql`${x}`),
    sql`, `,
  )}]::text[]`;
  return sql`timer_b as (
      -- Every CTE below reads each deal's rows through its index (a lateral per deal): joined,
      -- the server hashes the whole table (140,000 timers, 400,000 actions at 100,000 deals) to
      -- judge a few thousand open deals.
      select t.opp, t.behaviour, t.at, t.present, t.decided_at, ${carry} from ${deals} s cross join lateral (
        select distinct on (t.rule_id) t.opportunity_id as opp, t.rule_id as behaviour, t.started_at as at,
          (t.status = 'fulfilled' and t.resolved_at <= t.due_at) as present,
          case when t.status = 'fulfilled' then null else t.due_at end as decided_at
        from timers t
        where t.opportunity_id = s.id and ${rules} and t.status <> 'cancelled'
        order by t.rule_id, t.started_at, t.id
      ) t
    ),
    objection_b as (
      select s.id as opp, ${OBJECTION_SAME_DAY}::text as behaviour, a.at,
        h.at is not null as present,
        case when h.at is not null then null else (date_trunc('day', a.at at time zone ${tz}) + interval '1 day') at time zone ${tz} end as decided_at,
        ${carry}
      from ${deals} s
      cross join lateral (
        select a.at from actions a where a.opportunity_id = s.id and a.kind = 'objection_raised' order by a.at, a.id limit 1
      ) a
      left join lateral (
        select h.at from actions h where h.opportunity_id = s.id and h.kind = 'objection_handled' and h.at >= a.at
          and h.at < (date_trunc('day', a.at at time zone ${tz}) + interval '1 day') at time zone ${tz}
        limit 1
      ) h on true
    ),
    quote_b as (
      select s.id as opp, ${QUOTE_FOLLOW_UP}::text as behaviour, a.at,
        f.at is not null as present,
        case when f.at is not null then null else a.at + interval '3 days' end as decided_at, ${carry}
      from ${deals} s
      cross join lateral (
        select a.at from actions a where a.opportunity_id = s.id and a.kind = 'quote_sent' order by a.at, a.id limit 1
      ) a
      left join lateral (
        select f.at from actions f where f.opportunity_id = s.id and f.kind = 'follow_up' and f.at > a.at and f.at <= a.at + interval '3 days'
        limit 1
      ) f on true
    ),
    atom_b as (
      select s.id as opp, ${ATOM_USED}::text as behaviour, e.at,
        u.at is not null as present,
        case when u.at is not null then null else e.at + interval '7 days' end as decided_at, ${carry}
      from ${deals} s
      cross join lateral (
        select e.at, e.atom_id from atom_events e where e.opportunity_id = s.id and e.kind = 'pushed' order by e.at, e.id limit 1
      ) e
      left join lateral (
        select u.at from atom_events u where u.opportunity_id = s.id and u.atom_id = e.atom_id and u.kind = 'used'
          and u.at >= e.at and u.at <= e.at + interval '7 days'
        limit 1
      ) u on true
    ),
    b as (
      select * from timer_b union all select * from objection_b union all select * from quote_b union all select * from atom_b
    ),
    occasions as (
      -- Each occasion's first move to a later stage than the one the deal was in then, by index
      -- lookups of its deal's stage moves (no plan depends on statistics: the embedded database
      -- is never analysed).
      select b.*,
        (select min(sc.at) from stage_changes sc
          where sc.opportunity_id = b.opp and sc.at > b.at
            and array_position(${path}, sc.to_stage) > coalesce(array_position(${path}, coalesce(
              (select c.to_stage from stage_changes c where c.opportunity_id = b.opp and c.at <= b.at order by c.at desc, c.id desc limit 1),
              (select c.from_stage from stage_changes c where c.opportunity_id = b.opp order by c.at, c.id limit 1),
              b.deal_stage)), 0)
        ) as advanced_at
      from b
    )`;
}

/** The breakpoints of the deals in scope, in the order: timers (playbook order), then the rest. */
export async function breakpoints(db: Db, params: BreakpointParams): Promise<BreakpointReport> {
  const minDeals = params.minDeals ?? 20;
  const advanceDays = params.advanceDays ?? ADVANCE_DAYS;
  const outcomeDays = params.outcomeDays ?? OUTCOME_DAYS;
  const z = params.z ?? Z95;
  const timerRules = repTimerRules(params.rules);
  const keys = [...timerRules.map((r) => r.id), OBJECTION_SAME_DAY, QUOTE_FOLLOW_UP, ATOM_USED];
  const now = params.now.toISOString();
  const inPeriod = sql`(${params.from?.toISOString() ?? null}::timestamptz is null or j.at >= ${params.from?.toISOString() ?? null}::timestamptz)
    and (${params.to?.toISOString() ?? null}::timestamptz is null or j.at < ${params.to?.toISOString() ?? null}::timestamptz)`;

  // Closed deals whose facts are current are read from deal_occasions (kept by the roll-up job);
  // the rest (open deals, deals closed or changed since the last roll-up) are judged live from
  // their history. Both judge the same way (occasionsSql), so the figures do not depend on when
  // the job last ran, only the time taken does. Over all history, the owners whose per-owner
  // counts still describe their closed deals (owner-counts.ts) add those counts instead of
  // their settled occasions.
  const build = await ownerCountsBuild(db);
  const counts =
    build !== null &&
    params.from === undefined &&
    (params.to === undefined || params.to.getTime() >= build.builtAt.getTime()) &&
    params.now.getTime() >= build.builtAt.getTime() &&
    build.advanceDays === advanceDays &&
    build.outcomeDays === outcomeDays &&
    build.path === JSON.stringify(params.stages) &&
    build.timeZone === params.timeZone
      ? build
      : null;
  // The days (UTC, since the epoch) holding each horizon's cut, now less 30 days and now less 90,
  // computed as the counting below computes them: those two days are read row by row.
  const cut = {
    a: sql`(select a from cuts)`,
    w: sql`(select w from cuts)`,
  };
  const day = (d: SQL, plus = 0) => sql`to_timestamp((${d} + ${plus}::int) * 86400::float8)`;
  const keyList = sql.join(
    keys.map((k) => sql`${k}`),
    sql`, `,
  );
  const covered = (o: string) =>
    counts === null
      ? sql`false`
      : sql`coalesce(${sql.raw(o)}.status in ('won', 'lost') and ${sql.raw(o)}.closed_at <= ${counts.builtAt.toISOString()}::timestamptz
          and ${sql.raw(o)}.owner_id in (select owner_id from valid), false)`;
  const factsCurrent = sql`exists (select 1 from deal_facts f where f.opportunity_id = o.id and f.status = o.status and f.closed_at = o.closed_at
          and f.updated_at = o.updated_at and f.path = ${JSON.stringify(params.stages)} and f.time_zone = ${params.timeZone})`;
  // With the counts, what is left in scope is mostly the open deals, which are never kept (kept
  // facts are of won or lost deals): not looked up, the lookup is not planned as a hash of every
  // kept deal (250 → 210 ms for one team of 100,000 deals). Without them (a period), the closed
  // deals are in scope and that hash is the cheaper plan.
  const fresh = counts === null ? factsCurrent : sql`(o.status <> 'open' and ${factsCurrent})`;
  const result = await db.execute(sql`
    with ${
      counts === null
        ? sql``
        : sql`${validOwnersSql(counts, scopeCondition(params.scope))},
    cuts as (
      select floor(extract(epoch from ${now}::timestamptz - make_interval(days => ${advanceDays}::int)) / 86400)::int as a,
        floor(extract(epoch from ${now}::timestamptz - make_interval(days => ${outcomeDays}::int)) / 86400)::int as w
    ),`
    }
    scoped as (
      select o.id, o.owner_id, o.status, o.closed_at, o.stage,
        ${fresh} as fresh
      from opportunities o left join people p on p.id = o.owner_id
      where ${scopeCondition(params.scope)} and not ${covered('o')}
    ),
    live as (select * from scoped where not fresh),
    ${occasionsSql({ deals: 'live', stages: params.stages, timeZone: params.timeZone, ruleIds: timerRules.map((r) => r.id), carry: sql`, s.owner_id, s.status, s.closed_at` })},
    judged as (
      select o.behaviour, o.present, o.at, o.decided_at, o.advanced_at, o.owner_id, o.status, o.closed_at from occasions o
      union all
      select d.behaviour, d.present, d.at, d.decided_at, d.advanced_at, s.owner_id, s.status, s.closed_at
      from deal_occasions d join scoped s on s.id = d.opportunity_id and s.fresh
      where d.behaviour in (${keyList})
      ${
        counts === null
          ? sql``
          : sql`union all
      -- The counted owners' occasions settled after the build, and those on the days the
      -- horizons cut, one by one.
      select d.behaviour, d.present, d.at, d.decided_at, d.advanced_at, o.owner_id, o.status, o.closed_at
      from deal_occasions d join opportunities o on o.id = d.opportunity_id
      where d.settles_at > ${counts.builtAt.toISOString()}::timestamptz and d.behaviour in (${keyList}) and ${covered('o')}
      union all
      select d.behaviour, d.present, d.at, d.decided_at, d.advanced_at, o.owner_id, o.status, o.closed_at
      from deal_occasions d join opportunities o on o.id = d.opportunity_id
      where ((d.at >= ${day(cut.a)} and d.at < ${day(cut.a, 1)}) or (d.at >= ${day(cut.w)} and d.at < ${day(cut.w, 1)}))
        and d.settles_at <= ${counts.builtAt.toISOString()}::timestamptz and d.behaviour in (${keyList}) and ${covered('o')}`
      }
    ),
    counted as (
      select j.behaviour, j.present, j.at, j.owner_id,
        (j.advanced_at is not null and j.advanced_at <= j.at + make_interval(days => ${advanceDays}::int)) as advanced,
        (j.status = 'won' and j.closed_at <= j.at + make_interval(days => ${outcomeDays}::int)) as won
      from judged j
      where (j.decided_at is null or j.decided_at <= ${now}::timestamptz) and ${inPeriod}
    )
    select j.behaviour, j.present, j.owner_id, p.name as owner_name, count(*)::int as occasions,
      (count(*) filter (where at <= ${now}::timestamptz - make_interval(days => ${advanceDays}::int)))::int as adv_n,
      (count(*) filter (where at <= ${now}::timestamptz - make_interval(days => ${advanceDays}::int) and advanced))::int as adv_k,
      (count(*) filter (where at <= ${now}::timestamptz - make_interval(days => ${outcomeDays}::int)))::int as win_n,
      (count(*) filter (where at <= ${now}::timestamptz - make_interval(days => ${outcomeDays}::int) and won))::int as win_k,
      (count(*) filter (where at > ${now}::timestamptz - make_interval(days => ${advanceDays}::int)))::int as adv_young,
      (count(*) filter (where at > ${now}::timestamptz - make_interval(days => ${outcomeDays}::int)))::int as win_young
    from counted j left join people p on p.id = j.owner_id
    group by j.behaviour, j.present, j.owner_id, p.name
    ${
      counts === null
        ? sql``
        : sql`union all
    -- Their occasions settled by the build, by day: a day before a horizon counts in its n,
    -- a day after it is young for that outcome.
    select c.behaviour, c.present, c.owner_id, p.name, sum(c.n)::int,
      coalesce(sum(c.n) filter (where c.day < ${cut.a}), 0)::int, coalesce(sum(c.advanced) filter (where c.day < ${cut.a}), 0)::int,
      coalesce(sum(c.n) filter (where c.day < ${cut.w}), 0)::int, coalesce(sum(c.won) filter (where c.day < ${cut.w}), 0)::int,
      coalesce(sum(c.n) filter (where c.day > ${cut.a}), 0)::int, coalesce(sum(c.n) filter (where c.day > ${cut.w}), 0)::int
    from deal_owner_occasions c join valid v on v.owner_id = c.owner_id left join people p on p.id = c.owner_id
    where c.behaviour in (${keyList}) and c.day <> ${cut.a} and c.day <> ${cut.w}
    group by c.behaviour, c.present, c.owner_id, p.name`
    }`);
  const perOwner = rowsOf<Row & { owner_id: string | null; owner_name: string | null; occasions: number }>(result);
  const rows: Row[] = [];
  const reps = new Map<string, RepBehaviour>();
  for (const r of perOwner) {
    const total = rows.find((x) => x.behaviour === r.behaviour && x.present === r.present);
    if (total) for (const k of COUNTS) total[k] += r[k];
    else rows.push({ behaviour: r.behaviour, present: r.present, ...Object.fromEntries(COUNTS.map((k) => [k, r[k]])) } as Row);
    if (r.owner_id === null) continue;
    const key = `${r.owner_id}\u0000${r.behaviour}`;
    const rep = reps.get(key) ?? {
      ownerId: r.owner_id,
      ownerName: r.owner_name ?? r.owner_id,
      behaviour: r.behaviour,
      done: 0,
      n: 0,
      advance: { withK: 0, withN: 0, withoutK: 0, withoutN: 0 },
    };
    rep.n += r.occasions;
    if (r.present) {
      rep.done += r.occasions;
      rep.advance.withK += r.adv_k;
      rep.advance.withN += r.adv_n;
    } else {
      rep.advance.withoutK += r.adv_k;
      rep.advance.withoutN += r.adv_n;
    }
    reps.set(key, rep);
  }
  const byRep = [...reps.values()].sort(
    (a, b) => a.ownerName.localeCompare(b.ownerName) || a.ownerId.localeCompare(b.ownerId) || a.behaviour.localeCompare(b.behaviour),
  );
  const side = (key: string, present: boolean) =>
    rows.find((r) => r.behaviour === key && r.present === present) ?? { adv_n: 0, adv_k: 0, win_n: 0, win_k: 0, adv_young: 0, win_young: 0 };
  const compare = (k1: number, n1: number, k2: number, n2: number, young: number): Comparison => ({
    with: wilson(k1, n1, z),
    without: wilson(k2, n2, z),
    difference: newcombe(k1, n1, k2, n2, z),
    enough: n1 >= minDeals && n2 >= minDeals,
    young,
  });
  const behaviours = keys.map((key): Breakpoint => {
    const y = side(key, true);
    const n = side(key, false);
    return {
      key,
      label: behaviourLabel(key, params.rules),
      advance: compare(y.adv_k, y.adv_n, n.adv_k, n.adv_n, y.adv_young + n.adv_young),
      win: compare(y.win_k, y.win_n, n.win_k, n.win_n, y.win_young + n.win_young),
    };
  });
  return { behaviours, byRep, minDeals, advanceDays, outcomeDays };
}
