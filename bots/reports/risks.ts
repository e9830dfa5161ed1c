/**
 * Stalls and risks of open deals, with their evidence and one suggested next action each.
 *
 *  - stalled: the time in the current stage exceeds the 75th percentile of what the owner's
 *    team's won deals spent in that stage (the funnel's `stallDays` while the team has fewer than
 *    `minWon` won deals that passed the stage);
 *  - silent: the customer has not replied to us for the stage's working days (the playbook's
 *    silence rules);
 *  - single-threaded: one customer contact only, from the demo on;
 *  - no decision-maker seen, from the demo on: no customer-side sender whose name or title reads
 *    as a decision-maker (院长, 总监, 王总, CEO, 采购负责人 …) and no customer saying they are one
 *    (「我是采购负责人」, 「我拍板」); the evidence names the contacts seen and quotes the latest
 *    message that mentions one (「院长周四开会」): the decision-maker exists but is not in the chat;
 *  - objection raised and not handled; competitor mentioned by the customer and not answered
 *    (no `objection_handled` of ours since);
 *  - promised date passed: a day someone committed to went by (a whole day after its reminder)
 *    and we have not written since it came.
 *
 * Five queries whatever the number of deals: the open deals, the teams' stage percentiles, the
 * unanswered objections and mentions, the passed promises, the customer senders of the deals
 * from the demo on (read per deal through the conversation index).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Attachment } from '../../core/types.ts';
import { addWorkingDays, type WorkingHours, wallClock } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import type { Funnel, Rule } from '../catalog/schema.ts';
import { rowsOf, scopeCondition } from './breakpoints.ts';
import type { DealScope } from './deal.ts';
import { UNNAMED_DEAL_LABEL } from './deal-name.ts';
import { excerpt } from './text.ts';

const DAY = 86_400_000;
/** Stall days for a stage the funnel gives none. */
const FALLBACK_STALL_DAYS = 14;

export type RiskKind = 'objection_unhandled' | 'promise_passed' | 'competitor_unanswered' | 'silent' | 'stalled' | 'no_decision_maker' | 'single_threaded';

/** How much each flag weighs in the ranking; the heaviest one names the next action. */
const WEIGHTS: Record<RiskKind, number> = {
  objection_unhandled: 5,
  promise_passed: 4,
  competitor_unanswered: 3,
  silent: 3,
  stalled: 2,
  no_decision_maker: 2,
  single_threaded: 1,
};

/** A decision-maker's title or address, in a sender's name or what a customer says about someone. */
export const DECISION_MAKER =
  '(院长|副院长|总监|总经理|总裁|副总|董事长|董事|老板|厂长|校长|局长|处长|采购负责人|项目负责人|CEO|CFO|CTO|CIO|COO|VP|^.{1,3}总$)';
/** A customer saying they decide. */
const SELF_DECIDES = `(我是[^，。,.!?！？]{0,10}${DECISION_MAKER.replace('|^.{1,3}总$', '')}|我(来)?拍板|我说了算|我来定)`;
/** A customer mentioning a decision-maker who is not in the chat (the evidence quotes it). */
const MENTIONS = '(院长|总监|总经理|老板|董事长|领导|决策|采购负责人|[王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗]总)';

export interface RiskFlag {
  kind: RiskKind;
  /** What the flag rests on, in a line: a quote of the message, the days, the threshold. */
  evidence: string;
  at: Date | null;
  /** For an objection: its type (price, competitor …). */
  objection?: string;
}

/** Where a stage's stall threshold comes from: the team's won deals, or the funnel's default. */
export interface StageThreshold {
  days: number;
  source: 'team' | 'playbook';
  /** Won deals it was computed from. */
  wonDeals: number;
}

export interface DealRisk {
  id: string;
  name: string;
  ownerId: string | null;
  ownerName: string | null;
  ownerTeamId: string | null;
  stage: string;
  amount: number | null;
  daysInStage: number;
  threshold: StageThreshold;
  flags: RiskFlag[];
  score: number;
  /** The heaviest flag's suggested next action; null without flags. */
  nextAction: string | null;
}

export interface RiskParams {
  scope: DealScope;
  /** One deal only (`/deal`). */
  dealId?: string;
  now: Date;
  funnel: Funnel;
  rules: readonly Rule[];
  wh: WorkingHours;
  /** Won deals a team needs at a stage before its own percentile is used (default 10). */
  minWon?: number;
  stageLabel?: (stage: string) => string;
}

interface DealRow {
  id: string;
  name: string | null;
  owner_id: string | null;
  owner_name: string | null;
  team_id: string | null;
  stage: string;
  stage_at: string | Date;
  amount: number | null;
  awaiting_since: string | Date | null;
  last_rep_at: string | Date | null;
  contacts: number;
}

const date = (v: string | Date | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

/**
 * The open deals in scope with their flags, riskiest first (weight of the flags, then amount,
 * then time in stage). Deals without a flag are included last, so `/deal` can say so.
 */
export async function dealRisks(db: Db, p: RiskParams): Promise<DealRisk[]> {
  const now = p.now;
  const label = p.stageLabel ?? ((s: string) => p.funnel.labels[s] ?? s);
  const only: SQL = p.dealId ? sql`and o.id = ${p.dealId}` : sql``;
  const deals = rowsOf<DealRow>(
    await db.execute(sql`
      select o.id, o.name, o.owner_id, p.name as owner_name, p.team_id, o.stage, o.stage_at, o.amount,
        o.awaiting_reply_since as awaiting_since, o.last_rep_at, jsonb_array_length(o.contacts)::int as contacts
      from opportunities o left join people p on p.id = o.owner_id
      where o.status = 'open' and ${scopeCondition(p.scope)} ${only}`),
  );
  if (deals.length === 0) return [];
  const teamIds = [...new Set(deals.map((d) => d.team_id).filter((t): t is string => t !== null))];
  const promiseRules = p.rules.filter((r) => r.startAt === 'commitment').map((r) => r.id);

  const order = p.funnel.stages;
  const threadFrom = order.indexOf('demo') >= 0 ? order.indexOf('demo') : 3;
  const late = deals.filter((d) => order.indexOf(d.stage) >= threadFrom);
  const [spans, open, promises, senders] = await Promise.all([
    teamIds.length === 0
      ? Promise.resolve([])
      : db
          .execute(sql`
        with spans as (
          -- Each won deal's moves through its index (a lateral per deal): joined, the server
          -- reads all 400,000 stage moves to keep the won deals' few.
          select p.team_id, s.stage, s.days
          from opportunities o join people p on p.id = o.owner_id
            cross join lateral (
              select sc.from_stage as stage,
                extract(epoch from sc.at - coalesce(lag(sc.at) over (order by sc.at, sc.id), o.created_at)) / 86400 as days
              from stage_changes sc where sc.opportunity_id = o.id
            ) s
          where o.status = 'won' and p.team_id in (${sql.join(
            teamIds.map((t) => sql`${t}`),
            sql`, `,
          )})
        )
        select team_id, stage, count(*)::int as n, percentile_cont(0.75) within group (order by days) as p75
        from spans group by team_id, stage`)
          .then((r) => rowsOf<{ team_id: string; stage: string; n: number; p75: number }>(r)),
    db
      .execute(sql`
        select distinct on (a.opportunity_id, a.kind) a.opportunity_id as id, a.kind, a.attrs, a.at, a.text, a.attachments
        from opportunities o left join people p on p.id = o.owner_id
          -- Each open deal's actions through its index (a lateral per deal; the deals as the
          -- first query read them): joined to a list of thousands of ids, the server scans every
          -- action, and every handled objection for the check.
          cross join lateral (
            select a.id, a.opportunity_id, a.kind, a.attrs, a.at, m.text, m.attachments
            from actions a join messages m on m.id = a.message_id
            where a.opportunity_id = o.id and a.kind in ('objection_raised', 'competitor_mentioned') and m.role = 'customer'
              and not exists (select 1 from actions h where h.opportunity_id = a.opportunity_id and h.kind = 'objection_handled' and h.at >= a.at)
            offset 0
          ) a
        where o.status = 'open' and ${scopeCondition(p.scope)} ${only}
        order by a.opportunity_id, a.kind, a.at desc, a.id`)
      .then((r) => rowsOf<{ id: string; kind: string; attrs: Record<string, unknown>; at: string | Date; text: string; attachments: Attachment[] }>(r)),
    promiseRules.length === 0
      ? Promise.resolve([])
      : db
          .execute(sql`
        select distinct on (t.opportunity_id) t.opportunity_id as id, t.due_at, m.text
        from opportunities o left join people p on p.id = o.owner_id
          -- Each open deal's promise timers through its index (see the actions above).
          cross join lateral (
            select t.opportunity_id, t.due_at, t.status, t.trigger_message_id from timers t
            where t.opportunity_id = o.id and t.rule_id in (${sql.join(
              promiseRules.map((r) => sql`${r}`),
              sql`, `,
            )}) offset 0
          ) t
          left join messages m on m.id = t.trigger_message_id
        where o.status = 'open' and ${scopeCondition(p.scope)} ${only}
          and t.status <> 'cancelled' and t.due_at + interval '1 day' <= ${now.toISOString()}::timestamptz
          and (o.last_rep_at is null or o.last_rep_at < t.due_at)
        order by t.opportunity_id, t.due_at desc`)
          .then((r) => rowsOf<{ id: string; due_at: string | Date; text: string | null }>(r)),
    late.length === 0
      ? Promise.resolve([])
      : db
          .execute(sql`
        -- A decision-maker's title in a sender's name is looked for once per distinct name of
        -- the deal (a dozen names over tens of thousands of messages), not once per message.
        select id, self or exists (select 1 from unnest(senders) n where coalesce(n, '') ~* ${DECISION_MAKER}) as seen,
          array_remove(senders, null) as names, mention
        from (
          select c.opportunity_id as id,
            bool_or(m.text ~* ${SELF_DECIDES}) as self,
            array_agg(distinct m.sender_name) as senders,
            (array_agg(m.text order by m.sent_at desc) filter (where m.text ~* ${MENTIONS}))[1] as mention
          from conversations c
            -- Each conversation's customer messages through its index: planned as a join, the
            -- server reads the whole messages table (millions of rows) for a few thousand deals.
            cross join lateral (
              select m.sender_name, m.text, m.sent_at from messages m where m.conversation_id = c.id and m.role = 'customer' offset 0
            ) m
          where c.opportunity_id in (${sql.join(
            late.map((d) => sql`${d.id}`),
            sql`, `,
          )})
          group by c.opportunity_id
        ) d`)
          .then((r) => rowsOf<{ id: string; seen: boolean; names: string[] | null; mention: string | null }>(r)),
  ]);
  const sendersBy = new Map(senders.map((x) => [x.id, x]));

  const minWon = p.minWon ?? 10;
  const thresholds = new Map<string, { n: number; p75: number }>(spans.map((s) => [`${s.team_id}\u0000${s.stage}`, { n: s.n, p75: Number(s.p75) }]));
  const silenceDays = silenceByStage(p.rules);
  const cutoffs = new Map([...silenceDays].map(([stage, days]) => [stage, silenceCutoff(days, now, p.wh)]));
  const openBy = groupBy(open, (o) => o.id);
  const promiseBy = new Map(promises.map((x) => [x.id, x]));

  return deals
    .map((d): DealRisk => {
      const stageAt = date(d.stage_at)!;
      const daysInStage = (now.getTime() - stageAt.getTime()) / DAY;
      const team = thresholds.get(`${d.team_id}\u0000${d.stage}`);
      const threshold: StageThreshold =
        team && team.n >= minWon
          ? { days: team.p75, source: 'team', wonDeals: team.n }
          : { days: p.funnel.stallDays[d.stage] ?? FALLBACK_STALL_DAYS, source: 'playbook', wonDeals: team?.n ?? 0 };
      const flags: RiskFlag[] = [];
      const quoted = new Set<string>();
      // Objections first: when one message is both, the objection carries the quote.
      const unanswered = [...(openBy.get(d.id) ?? [])].sort((a, b) => Number(b.kind === 'objection_raised') - Number(a.kind === 'objection_raised'));
      for (const o of unanswered) {
        const text = excerpt(o.text.trim() !== '' ? o.text : o.attachments.map((f) => f.name).join(' '), 40);
        // An objection that names a competitor is one message: quoted once.
        const quote = quoted.has(text) ? '（同一条消息）' : ` 「${text}」`;
        quoted.add(text);
        const at = date(o.at);
        if (o.kind === 'objection_raised') {
          const objection = typeof o.attrs.objection === 'string' ? o.attrs.objection : undefined;
          flags.push({ kind: 'objection_unhandled', evidence: `客户异议未回应${quote}`, at, ...(objection ? { objection } : {}) });
        } else flags.push({ kind: 'competitor_unanswered', evidence: `客户提到竞品未回应${quote}`, at });
      }
      const promise = promiseBy.get(d.id);
      if (promise) {
        const due = date(promise.due_at)!;
        flags.push({
          kind: 'promise_passed',
          evidence: `约定的日子已过（${mmdd(due, p.wh.timeZone)}）${promise.text ? `「${excerpt(promise.text, 40)}」` : ''}`,
          at: due,
        });
      }
      const awaiting = date(d.awaiting_since);
      const silence = silenceDays.get(d.stage);
      const cutoff = cutoffs.get(d.stage);
      if (awaiting && silence !== undefined && cutoff !== undefined && awaiting.getTime() <= cutoff) {
        const days = Math.floor((now.getTime() - awaiting.getTime()) / DAY);
        flags.push({ kind: 'silent', evidence: `客户 ${days} 天未回复（我方 ${mmdd(awaiting, p.wh.timeZone)} 发出后）`, at: awaiting });
      }
      if (daysInStage > threshold.days) {
        const basis = threshold.source === 'team' ? `团队赢单商机在此阶段的第75百分位 ${days(threshold.days)} 天` : `剧本默认 ${days(threshold.days)} 天`;
        flags.push({ kind: 'stalled', evidence: `在「${label(d.stage)}」已停留 ${days(daysInStage)} 天，超过${basis}`, at: stageAt });
      }
      const dm = noDecisionMaker(order.indexOf(d.stage) >= threadFrom, sendersBy.get(d.id));
      if (dm) flags.push(dm);
      if (d.contacts <= 1 && order.indexOf(d.stage) >= threadFrom) flags.push({ kind: 'single_threaded', evidence: '只和一位客户联系人沟通过', at: null });
      flags.sort((a, b) => WEIGHTS[b.kind] - WEIGHTS[a.kind]);
      const score = flags.reduce((s, f) => s + WEIGHTS[f.kind], 0) + (daysInStage > threshold.days ? Math.min(3, daysInStage / threshold.days - 1) : 0);
      return {
        id: d.id,
        name: d.name ?? UNNAMED_DEAL_LABEL,
        ownerId: d.owner_id,
        ownerName: d.owner_name,
        ownerTeamId: d.team_id,
        stage: d.stage,
        amount: d.amount,
        daysInStage,
        threshold,
        flags,
        score,
        nextAction: flags[0] ? nextAction(flags[0], label(d.stage)) : null,
      };
    })
    .sort((a, b) => b.score - a.score || (b.amount ?? 0) - (a.amount ?? 0) || b.daysInStage - a.daysInStage || a.id.localeCompare(b.id));
}

const OBJECTION_ZH: Record<string, string> = { price: '价格', competitor: '竞品', timing: '时机', authority: '决策权', need: '需求', trust: '信任' };

/** One next step for the deal's heaviest flag, with the /kb topic that helps when there is one. */
export function nextAction(f: RiskFlag, stageLabel: string): string {
  switch (f.kind) {
    case 'objection_unhandled': {
      const o = f.objection ? (OBJECTION_ZH[f.objection] ?? f.objection) : '';
      return `回应客户的${o}异议：先确认背后的真实顾虑，再用价值和案例回答（/kb ${o || ''}异议）`;
    }
    case 'promise_passed':
      return '约定的日子已过：今天主动联系客户，带上上次讨论的要点和一个明确的问题';
    case 'competitor_unanswered':
      return '客户提到了竞品：不贬低对方，把比较拉回同口径（功能范围、实施、三年总成本）（/kb 竞品）';
    case 'silent':
      return '客户一直没回复：换个角度跟进，问一个容易回答的具体问题，必要时找第二位联系人';
    case 'stalled':
      return `在「${stageLabel}」停留太久：和客户约定明确的下一步和日期`;
    case 'no_decision_maker':
      return '还没见到决策人：请对接人引荐院长/总监/采购负责人，约一次高层沟通，带上一页纸方案（/kb 决策人）';
    case 'single_threaded':
      return '只有一位联系人：请对接人引荐决策人或使用部门，避免单线联系';
  }
}

/** The flag for a deal from the demo on whose customer senders include no decision-maker. */
function noDecisionMaker(late: boolean, s: { seen: boolean; names: string[] | null; mention: string | null } | undefined): RiskFlag | null {
  if (!late || s?.seen) return null;
  const names = (s?.names ?? []).slice(0, 3);
  const who = names.length > 0 ? `（客户联系人：${names.join('、')}）` : '';
  const said = s?.mention ? `；客户提到「${excerpt(s.mention, 40)}」` : '';
  return { kind: 'no_decision_maker', evidence: `还没有决策人参与沟通${who}${said}`, at: null };
}

/** The working days of silence that flag each stage, from the playbook's silence rules. */
export function silenceByStage(rules: readonly Rule[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rules) {
    if (!r.enabled || !('message' in r.on) || r.on.message !== 'rep' || !r.expect || !('reply' in r.expect) || r.expect.reply !== 'customer') continue;
    if (r.within === undefined) continue;
    for (const s of r.stages ?? []) out.set(s, Math.max(1, Math.round(r.within / DAY)));
  }
  return out;
}

/**
 * The latest time from which `days` working days have passed by `now`: a message waiting since
 * then or earlier is a silence. Working days only grow with their start, so one binary search
 * (to the second) per stage replaces working-day arithmetic per deal.
 */
export function silenceCutoff(days: number, now: Date, wh: WorkingHours): number {
  const passed = (t: number) => addWorkingDays(new Date(t), days, wh).getTime() <= now.getTime();
  // A week holds at least one working day; fewer calendar days than working days never pass.
  let lo = now.getTime() - (days + 1) * 7 * DAY;
  let hi = now.getTime() - days * DAY + 1;
  if (passed(hi)) return hi;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (passed(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

function days(x: number): string {
  return x >= 10 ? String(Math.round(x)) : String(Math.round(x * 10) / 10);
}

function mmdd(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  return `${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
