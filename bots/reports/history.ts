/**
 * A generated sales history for the reports: deals with their conversations' messages, key
 * actions, stage moves, timers (fulfilled on time, late or never), atom pushes and uses, and
 * outcomes, drawn from the planted model in history-model.ts with a seeded random generator.
 * Deals start over the `days` before `now`; whatever would happen after `now` is not written, so
 * the recent deals are still open (and some of them stalled). Rows are written as multi-row
 * inserts, a few statements per thousand rows; the analysis never runs on them (they are marked
 * analysed), exactly as if the loop had analysed them when they happened.
 */
import { getTableColumns, getTableName, inArray, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import { actions, atomEvents, conversations, messages, opportunities, people, stageChanges, timers } from '../../db/schema/index.ts';
import type { StoredActionKind } from '../../db/schema/enums.ts';
import { addWorkingDays, addWorkingMinutes, type WorkingHours, wallClock, zonedInstant } from '../../core/zoned-time.ts';
import { AppError } from '../../core/errors.ts';
import { ACTION_KINDS } from '../../core/types.ts';
import type { Rule } from '../catalog/schema.ts';
import { timerWindow } from '../coaching/windows.ts';
import { DEFAULT_MODEL, type HistoryModel, skilled, skillOf } from './history-model.ts';

export interface HistoryOptions {
  deals: number;
  seed: number;
  now: Date;
  /** How far back deals start (default 365 days). */
  days?: number;
  wh: WorkingHours;
  /** The playbook's rules: the timers get their windows from them, as the loop does. */
  rules: readonly Rule[];
  model?: HistoryModel;
  /** Owners; default: every active rep in the directory. */
  repIds?: readonly string[];
  /**
   * Pad each deal with small talk (acknowledgements, scheduling, 「我跟领导汇报一下」) to about
   * this many messages: the message volume of real chats, for the scale bench. No actions.
   */
  messagesPerDeal?: number;
  /** Deals drawn and written per transaction (default 2,000): bounds the memory of a large history. */
  batch?: number;
}

export interface HistoryCounts {
  deals: number;
  open: number;
  won: number;
  lost: number;
  messages: number;
  actions: number;
  stageChanges: number;
  timers: number;
  atomEvents: number;
  /** Owners the deals were drawn over (plantedRates needs it: reps differ in skill). */
  reps: number;
  /** Time spent drawing the history and writing it, in milliseconds. */
  generateMs: number;
  writeMs: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Rows per insert statement (one JSON parameter each). */
const CHUNK = 5_000;

type Rand = () => number;

/** mulberry32: small, fast and good enough to draw a history from a seed. */
function rng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CITIES = ['华东', '苏州', '杭州', '南京', '合肥', '北京', '天津', '成都', '重庆', '武汉', '长沙', '厦门', '青岛', '西安', '深圳', '宁波'];
const TRADES = ['医疗', '精密', '物流', '制造', '教育', '零售', '能源', '化工', '汽配', '食品', '地产', '电子'];
const SUFFIXES = ['集团', '科技', '股份', '有限公司', '', '中心'];

const TEXT = {
  hello: ['你好，想了解一下你们的系统', '您好，朋友推荐来的，想看看你们的方案', 'Hi，我们在选型，能介绍一下吗'],
  intro: ['您好，我是负责华东区的销售，方便简单介绍一下吗？', '您好！很高兴认识您，我先发一份产品介绍给您'],
  inquiry: ['大概什么价格？', '能报个价吗？我们预算有限', '你们一般怎么收费？'],
  question: ['你们支持和钉钉对接吗？', '数据是存在哪里的？能私有化吗？', '实施一般要多久？', '有没有同行业的案例？'],
  answer: [
    '支持的，我们有标准接口，可以对接钉钉和企业微信',
    '可以私有化部署，数据存在贵司机房',
    '标准实施 6 到 8 周，分三个阶段',
    '有的，我们服务过好几家同行',
  ],
  meeting: ['约周三下午两点线上演示可以吗？', '那我们周四上午十点做一次线上演示', '下周一下午给您和团队演示一下'],
  material: ['演示回顾视频和同行案例发您了，请查收', '按您的场景整理了一份对比表，发您了', '这是我们在三家同行的案例，供您参考'],
  quote: (amount: number, who: string) => `${who}，按贵司的规模，这套是 ${Math.round(amount / 1000) / 10} 万，含实施和一年维保，报价单发您了`,
  followUp: ['上次的方案您看得怎么样了？', '报价您这边内部讨论得怎么样？', '方案有什么需要调整的地方吗？'],
  promise: ['好的，我们下周三前给您反馈', '我们内部评估一下，下周给您答复'],
  contract: ['合同发您审一下，有问题随时沟通', '采购合同已发您邮箱，请法务看一下'],
  objection: ['价格还是太高了，预算批不下来', '别家便宜两成，你们能不能再让一点', '我们现在用的系统也还行，换的成本太高'],
  handled: ['理解您的顾虑，我们按三年总成本算给您看，其实更划算', '可以分期付款，首年只需付一半', '我们在三家同行的案例，上线后人效提升了三成'],
  won: ['合同已盖章，原件寄给您了', '付款流程走完了，合作愉快'],
  lost: ['我们暂时不考虑了，谢谢', '领导决定选别家了，不好意思', '今年预算取消了，先不推进了'],
};

/** Small talk between the key moments: no action in them (the pads of `messagesPerDeal`). */
const FILLER = {
  customer: ['好的', '收到，谢谢', '我跟领导汇报一下', '这两天有点忙，晚点回复您', '明白了', '好的，我看一下', '嗯嗯', '稍等，我在开会'],
  rep: ['好的，有问题随时找我', '收到', '不客气，我这边随时配合', '明白，我整理一下再发您', '好的，不着急', '您先忙'],
};

/**
 * Customer contacts: who opens the chat and who joins later. A decision-maker's title reads as
 * one (risks.ts DECISION_MAKER); the others are the usual evaluators and buyers.
 */
const DECIDERS = ['王总', '刘院长', '陈总监', '张总', '赵总经理', '采购负责人周姐'];
const EVALUATORS = ['李工', '小林', '孙主任', '吴老师', '郑经理', '信息科何工'];
/** Share of deals whose first contact is a decision-maker; of the others, the share where one joins. */
const FIRST_DECIDER = 0.3;
const DECIDER_JOINS = 0.55;

type Who = 'rep' | 'customer';
interface Draft {
  msgs: { id: string; at: Date; who: Who; contact: number; text: string }[];
  acts: { messageId: string; kind: StoredActionKind; attrs: Record<string, unknown>; at: Date; who: Who }[];
  moves: { from: string; to: string; at: Date; messageId: string; actionKind?: StoredActionKind }[];
  timers: {
    ruleId: string;
    triggerMessageId: string;
    triggerAt: Date;
    startedAt: Date;
    nudgeAt: Date;
    dueAt: Date;
    resolvedAt: Date | null;
    resolvedBy: string | null;
  }[];
  atoms: { atomId: string; kind: 'pushed' | 'used'; at: Date }[];
  amount: number | null;
}

/**
 * Writes `opts.deals` generated deals (ids `h<seed>-<n>`, so histories of several seeds can sit
 * side by side; writing the same seed twice writes nothing new) and returns what it wrote.
 */
export async function seedHistory(db: Db, opts: HistoryOptions): Promise<HistoryCounts> {
  const model = opts.model ?? DEFAULT_MODEL;
  const rand = rng(opts.seed);
  const reps =
    opts.repIds ??
    (
      await db
        .select({ id: people.id, role: people.role, active: people.active })
        .from(people)
        .where(inArray(people.role, ['rep']))
    )
      .filter((p) => p.active)
      .map((p) => p.id)
      .sort();
  if (reps.length === 0) throw new AppError('BAD_REQUEST', 'no active reps in the directory: load the org file first (npm run seed:history does)');
  const rule = (id: string) => {
    const r = opts.rules.find((x) => x.id === id);
    if (!r) throw new AppError('CONFIG_INVALID', `the playbook has no rule ${id}: the generated timers follow it`);
    return r;
  };
  const skillOfRep = new Map(reps.map((r, i) => [r, skillOf(model, i)]));
  const questionRule = rule('question-unanswered-2h');
  const demoRule = rule('demo-golden-48h');
  const promiseRule = rule('promised-date');
  const span = (opts.days ?? 365) * DAY;
  const now = opts.now.getTime();
  const wh = opts.wh;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo);
  /** A working-hours moment `days` (fractional) after `t`, at least `t`. */
  const later = (t: Date, days: number): Date => {
    const at = new Date(t.getTime() + days * DAY);
    return addWorkingMinutes(at, 0, wh);
  };
  /** Within `minutes` working minutes of `t` (never earlier). */
  const soon = (t: Date, minutes: number): Date => addWorkingMinutes(t, minutes, wh);

  const out: HistoryRows = { conversations: [], opportunities: [], messages: [], actions: [], stageChanges: [], timers: [], atomEvents: [] };
  const counts: HistoryCounts = {
    deals: 0,
    open: 0,
    won: 0,
    lost: 0,
    messages: 0,
    actions: 0,
    stageChanges: 0,
    timers: 0,
    atomEvents: 0,
    reps: 0,
    generateMs: 0,
    writeMs: 0,
  };
  const started = performance.now();
  const batch = opts.batch ?? 2_000;
  counts.reps = reps.length;
  const flush = async () => {
    const t = performance.now();
    await insertAll(db, out);
    counts.writeMs += performance.now() - t;
    counts.messages += out.messages.length;
    counts.actions += out.actions.length;
    counts.stageChanges += out.stageChanges.length;
    counts.timers += out.timers.length;
    counts.atomEvents += out.atomEvents.length;
    for (const rows of Object.values(out)) rows.length = 0;
    counts.generateMs = performance.now() - started;
  };

  for (let n = 0; n < opts.deals; n++) {
    const id = `h${opts.seed}-${n}`;
    const owner = reps[Math.floor(rand() * reps.length)]!;
    const skill = skillOfRep.get(owner)!;
    // Who the customer is: drawn from a stream of its own, so the planted draws stay as they were.
    const side = rng(opts.seed * 1_000_003 + n);
    const names = [side() < FIRST_DECIDER ? pickFrom(side, DECIDERS) : pickFrom(side, EVALUATORS)];
    names.push(DECIDERS.includes(names[0]!) || side() >= DECIDER_JOINS ? pickFrom(side, EVALUATORS) : pickFrom(side, DECIDERS));
    const address = DECIDERS.includes(names[0]!) ? names[0]!.replace(/^采购负责人/, '') : '您好';
    const d: Draft = { msgs: [], acts: [], moves: [], timers: [], atoms: [], amount: null };
    let seq = 0;
    const say = (at: Date, who: Who, text: string, kinds: [StoredActionKind, Record<string, unknown>?][] = [], contact = 0): string => {
      const mid = `${id}-m${seq++}`;
      d.msgs.push({ id: mid, at, who, contact, text });
      for (const [kind, attrs] of kinds) d.acts.push({ messageId: mid, kind, attrs: attrs ?? {}, at, who });
      return mid;
    };
    const move = (from: string, to: string, at: Date, messageId: string, actionKind?: StoredActionKind) =>
      d.moves.push({ from, to, at, messageId, ...(actionKind ? { actionKind } : {}) });
    const lose = (stage: string, after: Date) => {
      const at = later(after, between(5, 20));
      move(stage, 'lost', at, say(at, 'customer', pick(TEXT.lost), [['deal_lost']]), 'deal_lost');
    };
    // A second contact joins some deals once they are qualified (multi-threading): half of them
    // for an average rep, more for the better ones.
    const contacts = rand() < skilled(0.5, skill) ? 2 : 1;

    const created = addWorkingMinutes(new Date(now - rand() * span), 0, wh);
    // Run outside working hours, the latest deals would open after `now`: not written at all.
    if (created.getTime() > now) continue;
    say(created, 'customer', pick(TEXT.hello));
    const intro = soon(created, between(5, 240));
    move('lead', 'contacted', intro, say(intro, 'rep', pick(TEXT.intro)));

    // contacted → qualified
    const inquiryAt = later(intro, between(1, 5));
    if (rand() >= model.qualify) lose('contacted', intro);
    else {
      move('contacted', 'qualified', inquiryAt, say(inquiryAt, 'customer', pick(TEXT.inquiry), [['price_inquiry']]), 'price_inquiry');
      // qualified: a question, answered within two working hours or not.
      let t = inquiryAt;
      let advance = model.question.advanceNoTrigger;
      if (rand() < model.question.p) {
        const askedAt = later(inquiryAt, between(0.2, 2));
        const qid = say(askedAt, 'customer', pick(TEXT.question), [], contacts - 1);
        const w = timerWindow(questionRule, { sentAt: askedAt, meetingAt: null, commitment: null }, wh)!;
        const onTime = rand() < skilled(model.question.prevalence, skill);
        const answeredAt = onTime
          ? new Date(askedAt.getTime() + rand() * (w.dueAt.getTime() - askedAt.getTime()))
          : new Date(w.dueAt.getTime() + between(1, 30) * HOUR);
        const aid = say(answeredAt, 'rep', pick(TEXT.answer));
        d.timers.push({ ruleId: questionRule.id, triggerMessageId: qid, triggerAt: askedAt, ...w, resolvedAt: answeredAt, resolvedBy: aid });
        advance = onTime ? model.question.advanceWith : model.question.advanceWithout;
        t = answeredAt;
      }
      if (rand() >= advance) lose('qualified', t);
      else {
        // qualified → demo: a demo booked; material within two working days of it, or not.
        const bookedAt = later(t, between(2, 7));
        const meetingAt = addWorkingMinutes(later(bookedAt, between(1, 3)), 0, wh);
        const bid = say(bookedAt, 'rep', pick(TEXT.meeting), [['meeting_scheduled', { meetingType: 'demo' }]]);
        move('qualified', 'demo', bookedAt, bid, 'meeting_scheduled');
        const w = timerWindow(demoRule, { sentAt: bookedAt, meetingAt, commitment: null }, wh)!;
        const onTime = rand() < skilled(model.material.prevalence, skill);
        let materialAt: Date | null = null;
        if (onTime) materialAt = new Date(meetingAt.getTime() + between(0.05, 0.95) * (w.dueAt.getTime() - meetingAt.getTime()));
        else if (rand() < 0.5) materialAt = later(w.dueAt, between(1, 5));
        const mid = materialAt
          ? say(materialAt, 'rep', pick(TEXT.material), [['material_sent', { materialType: pick(['case', 'video', 'comparison']) }]])
          : null;
        d.timers.push({ ruleId: demoRule.id, triggerMessageId: bid, triggerAt: bookedAt, ...w, resolvedAt: materialAt, resolvedBy: mid });
        const settled = materialAt && materialAt > w.dueAt ? materialAt : w.dueAt;
        if (rand() >= (onTime ? model.material.advanceWith : model.material.advanceWithout)) lose('demo', settled);
        else {
          // demo → proposal: the quote; a follow-up within 3 days, an atom pushed and used.
          const quoteAt = later(settled, between(1, 6));
          d.amount = Math.round(between(5, 80)) * 10_000;
          const quoteId = say(quoteAt, 'rep', TEXT.quote(d.amount, address), [['quote_sent', { amount: d.amount }]]);
          move('demo', 'proposal', quoteAt, quoteId, 'quote_sent');
          const pr = model.proposal;
          const followed = rand() < skilled(pr.followUpPrevalence, skill);
          let last = quoteAt;
          // Within 3 days is 72 hours, evenings and weekends included (not snapped to working hours).
          const followAt = followed ? new Date(quoteAt.getTime() + between(0.5, 2.9) * DAY) : rand() < 0.5 ? later(quoteAt, between(4, 8)) : null;
          if (followAt) {
            say(followAt, 'rep', pick(TEXT.followUp), [['follow_up']]);
            last = followAt;
          }
          let chance = pr.base + (followed ? pr.followUp : 0);
          if (rand() < pr.atomPushed) {
            const pushedAt = later(quoteAt, between(0.1, 1));
            d.atoms.push({ atomId: 'quote-followup-silence', kind: 'pushed', at: pushedAt });
            if (rand() < skilled(pr.atomPrevalence, skill)) {
              const usedAt = new Date(pushedAt.getTime() + between(1, 20) * HOUR);
              d.atoms.push({ atomId: 'quote-followup-silence', kind: 'used', at: usedAt });
              chance += pr.atomUsed;
              if (usedAt > last) last = usedAt;
            }
          }
          // Some customers promise an answer by a day (a promised-date timer).
          if (rand() < 0.3) {
            const saidAt = later(quoteAt, between(0.2, 1.5));
            const pid = say(saidAt, 'customer', pick(TEXT.promise), [['next_step_agreed']]);
            const day = addWorkingDays(saidAt, 5, wh);
            const w = timerWindow(promiseRule, { sentAt: saidAt, meetingAt: null, commitment: { at: day, allDay: true, phrase: '下周三前' } }, wh)!;
            d.timers.push({ ruleId: promiseRule.id, triggerMessageId: pid, triggerAt: saidAt, ...w, resolvedAt: null, resolvedBy: null });
          }
          if (rand() >= chance) lose('proposal', last);
          else {
            const contractAt = later(last, between(2, 8));
            move('proposal', 'negotiation', contractAt, say(contractAt, 'rep', pick(TEXT.contract), [['contract_sent']]), 'contract_sent');
            const o = model.objection;
            let win = o.winNoTrigger;
            let end = contractAt;
            if (rand() < o.p) {
              const raisedAt = addWorkingMinutes(later(contractAt, between(0.5, 4)), 0, wh);
              const text = pick(TEXT.objection);
              const kinds: [StoredActionKind, Record<string, unknown>?][] = [['objection_raised', { objection: 'price' }]];
              if (text.includes('别家')) kinds.push(['competitor_mentioned']);
              say(raisedAt, 'customer', text, kinds, contacts - 1);
              const sameDay = rand() < skilled(o.prevalence, skill);
              // Same day: within the rest of that working day (never past midnight).
              const w = wallClock(raisedAt, wh.timeZone);
              const dayEnd = zonedInstant(wh.timeZone, w.year, w.month, w.day, 23, 0);
              const handledAt = sameDay
                ? new Date(raisedAt.getTime() + rand() * Math.min(4 * HOUR, dayEnd.getTime() - raisedAt.getTime()))
                : rand() < 0.6
                  ? later(raisedAt, between(1.2, 4))
                  : null;
              if (handledAt) {
                say(handledAt, 'rep', pick(TEXT.handled), [['objection_handled']]);
                end = handledAt;
              } else end = raisedAt;
              win = sameDay ? o.winWith : o.winWithout;
            }
            if (rand() >= win) lose('negotiation', end);
            else {
              const wonAt = later(end, between(3, 14));
              move('negotiation', 'won', wonAt, say(wonAt, 'customer', pick(TEXT.won), [['deal_won']]), 'deal_won');
            }
          }
        }
      }
    }
    const name = `${pick(CITIES)}${pick(TRADES)}${pick(SUFFIXES)}${n}`;
    if (opts.messagesPerDeal) pad(d, opts.messagesPerDeal, side, now);
    emit(out, counts, d, { id, owner, seed: opts.seed, n, now, contacts, names, name });
    if ((n + 1) % batch === 0) await flush();
  }
  await flush();
  counts.generateMs -= counts.writeMs;
  return counts;
}

function pickFrom<T>(rand: Rand, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

/** Small talk in pairs (customer, then the rep a few minutes later) between the deal's moments. */
function pad(d: Draft, target: number, rand: Rand, now: number): void {
  const key = d.msgs.filter((m) => m.at.getTime() <= now).sort((a, b) => a.at.getTime() - b.at.getTime());
  if (key.length < 2) return;
  const first = key[0]!.at.getTime();
  const span = key.at(-1)!.at.getTime() - first;
  const joined = key.find((m) => m.who === 'customer' && m.contact === 1)?.at.getTime();
  for (let i = 0; key.length + i * 2 < target - 1; i++) {
    const at = first + rand() * span;
    const reply = Math.min(at + (1 + rand() * 30) * 60_000, key.at(-1)!.at.getTime() - 1);
    // The second contact speaks only once they have joined the chat.
    const contact = joined !== undefined && at >= joined && rand() < 0.3 ? 1 : 0;
    d.msgs.push({ id: `${d.msgs[0]!.id.replace(/-m0$/, '')}-f${i}c`, at: new Date(at), who: 'customer', contact, text: pickFrom(rand, FILLER.customer) });
    d.msgs.push({
      id: `${d.msgs[0]!.id.replace(/-m0$/, '')}-f${i}r`,
      at: new Date(Math.max(at, reply)),
      who: 'rep',
      contact: 0,
      text: pickFrom(rand, FILLER.rep),
    });
  }
}

/** The rows the generator writes, table by table. */
interface HistoryRows {
  conversations: (typeof conversations.$inferInsert)[];
  opportunities: (typeof opportunities.$inferInsert)[];
  messages: (typeof messages.$inferInsert)[];
  actions: (typeof actions.$inferInsert)[];
  stageChanges: (typeof stageChanges.$inferInsert)[];
  timers: (typeof timers.$inferInsert)[];
  atomEvents: (typeof atomEvents.$inferInsert)[];
}

/** Turns a drafted deal into rows, keeping only what happened by `now`. */
function emit(
  out: HistoryRows,
  counts: HistoryCounts,
  d: Draft,
  x: { id: string; owner: string; seed: number; n: number; now: number; contacts: number; names: readonly string[]; name: string },
): void {
  const past = (t: Date) => t.getTime() <= x.now;
  const msgs = d.msgs.filter((m) => past(m.at)).sort((a, b) => a.at.getTime() - b.at.getTime());
  // A deal drawn to start after `now` (its first message later today) has nothing to write yet.
  if (msgs.length === 0) return;
  const moves = d.moves.filter((m) => past(m.at));
  const convId = `wecom:${x.id}`;
  const contactId = (c: number) => `${x.id}-contact${c}`;
  const actionIds = new Map<string, string>();
  const kinds = new Set<StoredActionKind>();

  let lastCustomer: Date | null = null;
  let lastRep: Date | null = null;
  let awaiting: Date | null = null;
  let customerMessages = 0;
  const seen = new Set<string>();
  for (const m of msgs) {
    if (m.who === 'customer') {
      customerMessages++;
      lastCustomer = m.at;
      awaiting = null;
      seen.add(contactId(m.contact));
    } else {
      lastRep = m.at;
      awaiting ??= m.at;
    }
    out.messages.push({
      id: m.id,
      platform: 'wecom',
      platformMessageId: m.id,
      conversationId: convId,
      slot: x.n % 64,
      senderId: m.who === 'rep' ? x.owner : contactId(m.contact),
      senderName: m.who === 'rep' ? null : (x.names[m.contact] ?? null),
      personId: m.who === 'rep' ? x.owner : null,
      role: m.who,
      kind: 'text',
      text: m.text,
      sentAt: m.at,
      receivedAt: m.at,
      analyzedAt: m.at,
    });
  }
  for (const a of d.acts) {
    if (!past(a.at)) continue;
    const aid = `${a.messageId}-${a.kind}`;
    actionIds.set(`${a.messageId}:${a.kind}`, aid);
    kinds.add(a.kind);
    out.actions.push({
      id: aid,
      messageId: a.messageId,
      conversationId: convId,
      opportunityId: x.id,
      personId: a.who === 'rep' ? x.owner : null,
      kind: a.kind,
      confidence: 0.95,
      attrs: a.attrs,
      at: a.at,
    });
  }
  for (const [i, m] of moves.entries()) {
    out.stageChanges.push({
      id: `${x.id}-s${i}`,
      opportunityId: x.id,
      fromStage: m.from,
      toStage: m.to,
      actionId: m.actionKind ? (actionIds.get(`${m.messageId}:${m.actionKind}`) ?? null) : null,
      messageId: m.messageId,
      at: m.at,
    });
  }
  const lastMove = moves.at(-1);
  const stage = lastMove?.to ?? 'lead';
  const closedAt = lastMove && (stage === 'won' || stage === 'lost') ? lastMove.at : null;
  // A deal's timers end with it, as the loop's do (cancelDealTimers).
  for (const [i, t] of d.timers.entries()) {
    if (!past(t.triggerAt)) continue;
    const resolved = t.resolvedAt && past(t.resolvedAt) && (!closedAt || t.resolvedAt <= closedAt) ? t.resolvedAt : null;
    const fired = !resolved || t.nudgeAt < resolved ? (past(t.nudgeAt) && (!closedAt || t.nudgeAt <= closedAt) ? t.nudgeAt : null) : null;
    const cancelled = !resolved && closedAt && closedAt < t.dueAt ? closedAt : null;
    const status = resolved ? 'fulfilled' : cancelled ? 'cancelled' : fired ? 'fired' : 'pending';
    out.timers.push({
      id: `${x.id}-t${i}`,
      ruleId: t.ruleId,
      opportunityId: x.id,
      conversationId: convId,
      repId: x.owner,
      triggerMessageId: t.triggerMessageId,
      triggerAt: t.triggerAt,
      expect: {},
      startedAt: t.startedAt,
      nudgeAt: t.nudgeAt,
      dueAt: t.dueAt,
      status,
      firedAt: fired,
      resolvedAt: resolved ?? cancelled,
      resolvedByMessageId: resolved ? t.resolvedBy : null,
    });
  }
  for (const [i, e] of d.atoms.entries()) {
    if (!past(e.at)) continue;
    out.atomEvents.push({ id: `${x.id}-e${i}`, atomId: e.atomId, personId: x.owner, opportunityId: x.id, kind: e.kind, at: e.at });
  }
  const first = msgs[0]!;
  const updated = msgs.at(-1)!.at;
  out.conversations.push({
    id: convId,
    platform: 'wecom',
    chatId: x.id,
    chatType: 'group',
    title: `${x.name} · 项目群`,
    opportunityId: x.id,
    ownerId: x.owner,
    createdAt: first.at,
  });
  out.opportunities.push({
    id: x.id,
    name: x.name,
    namedBy: 'title',
    ownerId: x.owner,
    stage,
    stageAt: lastMove?.at ?? first.at,
    status: stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'open',
    closedAt,
    amount: d.amount,
    createdAt: first.at,
    updatedAt: updated,
    customerMessages,
    lastCustomerAt: lastCustomer,
    lastRepAt: lastRep,
    awaitingReplySince: awaiting,
    contactName: x.names[0] ?? null,
    contacts: [...seen],
    // What the analysis keeps of them: the kinds of its messages' actions.
    actionKinds: ACTION_KINDS.filter((k) => kinds.has(k)),
  });
  counts.deals++;
  if (stage === 'won') counts.won++;
  else if (stage === 'lost') counts.lost++;
  else counts.open++;
}

async function insertAll(db: Db, out: HistoryRows): Promise<void> {
  await db.transaction(async (tx) => {
    // The foreign keys' checks are half of the write (one lookup a row and key, 3.0 s against
    // 1.5 s for 2,000 deals on PGlite), and every reference here is made by the generator
    // above, parents first. As pg_dump's data-only restore does, a superuser (PGlite always)
    // turns the checks off for this transaction alone (`set_config(…, true)`: `set local`);
    // test/reports/report-facts.test.ts checks afterwards that every key of a seeded history
    // holds. Other roles keep the checks: for them the statement selects no row and sets nothing.
    await tx.execute(sql`select set_config('session_replication_role', 'replica', true) where current_setting('is_superuser') = 'on'`);
    await bulkInsert(tx, opportunities, out.opportunities);
    await bulkInsert(tx, conversations, out.conversations);
    await bulkInsert(tx, messages, out.messages);
    await bulkInsert(tx, actions, out.actions);
    await bulkInsert(tx, stageChanges, out.stageChanges);
    await bulkInsert(tx, timers, out.timers);
    await bulkInsert(tx, atomEvents, out.atomEvents);
  });
}

/**
 * Rows as one JSON parameter per chunk, read back as the table's own row type
 * (`jsonb_populate_recordset`): a short statement however many rows, and the column types
 * (enums, timestamps, jsonb) come from the table. Every row has the first row's keys.
 */
async function bulkInsert<T extends PgTable>(db: Db, table: T, rows: readonly T['$inferInsert'][]): Promise<void> {
  if (rows.length === 0) return;
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const keys = Object.keys(rows[0]!);
  const names = keys.map((k) => `"${columns[k]!.name}"`).join(', ');
  const name = getTableName(table);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK).map((r) => {
      const o: Record<string, unknown> = {};
      for (const k of keys) {
        const v = (r as Record<string, unknown>)[k];
        o[columns[k]!.name] = v instanceof Date ? v.toISOString() : (v ?? null);
      }
      return o;
    });
    await db.execute(
      sql`insert into ${sql.raw(`"${name}"`)} (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_populate_recordset(null::${sql.raw(`"${name}"`)}, ${JSON.stringify(chunk)}::text::jsonb) on conflict do nothing`,
    );
  }
}
