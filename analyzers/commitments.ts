/**
 * A day someone commits to: 「1月8号再聊」, 「下周一给您答复」, 「院长周四开会」, "I'll get back to you
 * next Monday". The coach turns it into a reminder to the rep on that working day.
 *
 * A commitment needs, in one sentence, a day that lies ahead (明天, 周四, 1月8号, 月底, 过两天, Jan 8,
 * end of the month…) and a word for a future contact, answer, decision, meeting, approval or event
 * (再聊, 答复, 决定, 开会, 开办公会, 审批, 确认, 到期, get back, decide, meet, review…), in the same clause or
 * with the day alone in the clause before (「1月8号吧，到时候再聊」). A bare date (「发票日期是1月8号」),
 * a past one (「上周四开会说的」), a recurring one (「每周四开会」), a negated word (「周四不开会」)
 * and a question (「周四开会吗？」) are none; a trailing confirmation tag (「下周一给您答复，可以吗？」) still commits.
 *
 * Days resolve against `sentAt` in the organisation's time zone: a weekday or date is the next
 * one strictly after today unless a clock time later today is stated; 这周四 is this week's;
 * 下周一 next week's (on a Sunday: tomorrow); 月底 the month's last day; 月初/下个月初 the 1st of
 * next month; 过两天 two days on. A bare week (下周) is not a day and gives none.
 *
 * Text is normalised (./text.ts) and scanned sentence by sentence with bounded patterns: linear.
 */
import type { Commitment } from '../core/types.ts';
import type { WallClock } from '../core/zoned-time.ts';
import { addDays, enTime, localClock, localInstant, type Ymd, zhNumber, zhTime } from './meeting-time.ts';

// Sentences end at 。 ! ? or a line; clauses also at , ; and 、.
const SENTENCE = /[^。!?\n]+[。!?]*/g;
const CLAUSE_END = new Set([',', ';', '、']);

const ZH_NUM = '(?:\\d{1,2}|[一二两三四五六七八九十]{1,3})';
const EN_MONTHS =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const MONTH_INDEX: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const EN_WEEKDAYS: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const RELATIVE_DAYS: Record<string, number> = {
  今天: 0,
  今晚: 0,
  今早: 0,
  今儿: 0,
  today: 0,
  tonight: 0,
  eod: 0,
  明天: 1,
  明早: 1,
  明晚: 1,
  明儿: 1,
  tomorrow: 1,
  后天: 2,
  大后天: 3,
};
const SMALL: Record<string, number> = { a: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, couple: 2, few: 3 };

/**
 * Every way of naming a day, one named group per form. 下周一定 is 下周 + 一定 (certainly), not
 * Monday; 3号楼 and 2号线 are a building and a metro line.
 */
const DAY_SOURCE = [
  `(?<zwMod>上上|上|下下|下|这|本|这个|下个)?(?:周|星期|礼拜)(?<zw>[一二三四五六日天1-7])(?!(?<=一)定)`,
  '(?<zrel>大后天|今天|今晚|今早|今儿|明天|明早|明晚|明儿|后天)',
  `(?:(?<zy>\\d{4})年)?(?<zmo>${ZH_NUM})月(?<zmd>${ZH_NUM})[日号]?`,
  `(?<![\\d月.])(?<zd>\\d{1,2})[日号](?![码线楼床机店口位])`,
  '(?<zmMod>下个?|本|这个?)?(?<zmPart>月底|月末|月初|月中)',
  '(?<zyEnd>年底|年末)',
  '过(?<zafter>一两|两三|两|三|几)天',
  `(?<zwork>${ZH_NUM})个?工作日`,
  `(?<zdays>${ZH_NUM})天(?=内|之内|后|以后)`,
  '(?<zweek>这周|本周)(?=内|之内|以内)',
  `(?<ewMod>\\blast |\\bthis |\\bnext |\\bcoming )?\\b(?<ew>mon|tue|tues|wed|thu|thur|thurs|fri)(?:day|nesday|sday|rsday)?\\b|\\b(?<ewFull>saturday|sunday)\\b`,
  '\\b(?<erel>today|tonight|tomorrow|eod)\\b',
  `\\b(?<emo>${EN_MONTHS})\\.? (?<emd>\\d{1,2})(?:st|nd|rd|th)?\\b|\\b(?<emd2>\\d{1,2})(?:st|nd|rd|th)? (?:of )?(?<emo2>${EN_MONTHS})\\b`,
  '\\bthe (?<ed>\\d{1,2})(?:st|nd|rd|th)\\b',
  '(?<![\\d/])(?<esm>\\d{1,2})/(?<esd>\\d{1,2})(?![\\d/])',
  '\\bend of (?:the |this )?(?<eend>week|month)\\b|\\bend of next (?<eendNext>week|month)\\b|\\b(?:early|beginning of|start of) next (?<estart>month)\\b',
  '\\bin (?:a |the next )?(?<eafter>\\d|one|two|three|four|five|six|seven|couple|few)(?: of)? (?<ework>business |working )?days\\b',
].join('|');
// Named groups cost an object per match; the pattern runs with plain groups and names are
// looked up by position only for the day that is used.
const DAY_NAMES = [...DAY_SOURCE.matchAll(/\(\?<([a-zA-Z][a-zA-Z0-9]*)>/g)].map((m) => m[1] as string);
const DAY = new RegExp(DAY_SOURCE.replace(/\(\?<[a-zA-Z][a-zA-Z0-9]*>/g, '('), 'g');
// Every capturing group must be a named one, or positions would shift.
if ((new RegExp(`${DAY.source}|`).exec('')?.length ?? 0) - 1 !== DAY_NAMES.length) throw new Error('commitments: DAY has unnamed capturing groups');

// Every DAY match holds one of these, by script: a quick scan that lets most messages skip
// the rest (three in four in the corpus have no day word at all).
const DAY_HINT_ZH =
  /周|星期|礼拜|今[天晚早儿]|明[天早晚儿]|后天|月[底末初中]|[\d一二三四五六七八九十]月|[\d一二三四五六七八九十][日号]|年[底末]|过[一两三几]{1,2}天|天(?:内|之内|后|以后)|工作日/;
const DAY_HINT_EN = new RegExp(
  `\\b(?:mon|tue|wed|thu|fri|saturday|sunday|today|tonight|tomorrow|eod|end of|next month|(?:early|beginning of|start of) next|${EN_MONTHS}\\.? \\d|\\d{1,2}(?:st|nd|rd|th)?\\.? (?:of )?${EN_MONTHS}|\\d{1,2}(?:st|nd|rd|th)\\b|\\d{1,2}\\/\\d|days\\b|the \\d)`,
);
const HAS_CJK = /[\u3400-\u9fff]/;
const HAS_LATIN = /[a-z]/;

/**
 * The meetings a customer holds by name (开办公会, 开个周会, 召开评审会, 开股东大会): a list, not any
 * word before 会, because 会 is also "will" and 开车会晚, 开始会有, 开票会慢 are no meeting.
 */
const ZH_MEETING_KIND =
  '院长办公|总经理办公|办公|院务|党委|党组|党政联席|董事|股东|理事|常委|班子|总办|行政|高管|管理层|经营|投委|投决|周|例|月度|季度|年度|早|晨|短|小|内部|部门|科室|项目|评审|讨论|论证|协调|专题|复盘|预算|采购|招标|评标|决策|碰头|启动|汇报|交流|推进|视频|电话|线上';
/** Future contact, answer, decision, meeting, approval or event. 开会员 (a membership) is no meeting. */
const ZH_VERB = `再聊|再谈|再说|再沟通|再联系|再约|再碰|再看|聊一下|聊聊|谈一下|沟通|联系|答复|回复|回您|回你|回电|电话|回个话|给(?:您|你)(?:个)?(?:消息|结果|反馈|准信|信儿?|回话|话|说法)|反馈|决定|定下来|定一下|敲定|拍板|定夺|开(?:个|次)?(?:${ZH_MEETING_KIND})?大?会(?!员)|上会|会上|碰头|碰一下|汇报|审批|批下来|批复|确认|考虑|商量|讨论|评估|出结果|出结论|有结果|见面|拜访|过来|过去(?=[,。!~吧哈]|$|拜访|一趟|找)|见(?=[,。!~吧哈啦]|$)|演示|开标|评标|截标|截止|到期|签约|签合同|盖章|付款|打款|下单`;
const EN_VERB =
  '\\b(?:talk|speak|chat|get back|come back|circle back|revert|reply|respond|answer|decide|decision|confirm|meet|meets|meeting|review|discuss|approve|approval|sign|call|touch base|reconnect|let you know|update you|follow up|feedback|present|sync|catch up|regroup|reconvene|hear back|expires?|deadline)\\b';
const VERB = new RegExp(`${ZH_VERB}|${EN_VERB}`, 'g');

// Just before the verb: a negation makes it none (周四不开会, won't be able to decide).
const ZH_NEGATED = /(?:不|没|别|无需|不用|不必|不会|没法|无法)$/;
const EN_NEGATED = /\b(?:not|never|no need to|don't|won't|can't|cannot|didn't)\b[^.!?]{0,12}$/;
// Just after the verb: 开会说的, 答复过 are about the past.
const PAST_AFTER = /^(?:(?:说|讲|提|定|聊|谈)(?:的|过)(?!时候)|过(?!来|去|几|两)|了的)/;
// A question does not commit, unless all it asks is "OK?" after the commitment.
const QUESTION = /(?:\?|[吗么呢])\s*[!。?]*\s*$/;
const CONFIRM_TAG = /[,;]\s*(?:可以吗|好吗|行吗|行不行|好不好|ok吗|ok|okay|alright|right|sound good|does that work|works for you)\s*[?!。]*\s*$/;
// Before the verb in its clause: said of the past (上次开会, we had a meeting).
const PAST_BEFORE = /上次|昨天|前天|刚才|刚刚|\b(?:had|was|were|did|last|ago|yesterday|earlier|previous)\b/;
// 「给您一点反馈」: 一点 with no half-day before it and nothing after it is not 1 p.m.
const VAGUE_ONE = /(?<!上午|下午|中午|晚上|早上)一点(?![半钟\d一二三四五十:])/;
const PHRASE_MAX = 60;
// Bounds on the work a sentence can cause, whatever it holds: verbs tried, days collected.
const MAX_TRIES = 8;
const MAX_DAYS = 32;
// Just before a day: a habit, not a date (我们每周四开会, every Monday we review).
const RECURRING = /(?:每个?|\bevery )$/;
// A clause that opens like this takes its day from the clause before: 「1月8号吧，到时候再聊」.
const CARRY = /^\s*(?:到时候?|届时|那天|那就|就|再|then\b|at that point|and then)/;

interface DayHit {
  ymd: Ymd;
  /** Said as today (今天, tonight, 这周四 on a Thursday): a day equal to today is meant. */
  today: boolean;
}

/**
 * The first day committed to in normalised `text`, resolved against `sentAt` in `timeZone`,
 * or null. `original` is the text before normalisation, to quote the phrase as written.
 */
export function findCommitment(text: string, sentAt: Date, timeZone: string, original: string = text): Commitment | null {
  if (!((HAS_CJK.test(text) && DAY_HINT_ZH.test(text)) || (HAS_LATIN.test(text) && DAY_HINT_EN.test(text)))) return null;
  VERB.lastIndex = 0;
  if (!VERB.test(text)) return null;
  const source = original.length === text.length ? original : text;
  let base: WallClock | undefined;
  SENTENCE.lastIndex = 0;
  for (let s = SENTENCE.exec(text); s !== null; s = SENTENCE.exec(text)) {
    const sentence = s[0];
    if (QUESTION.test(sentence) && !CONFIRM_TAG.test(sentence)) continue;
    const verbs = verbsIn(sentence);
    if (verbs.length === 0) continue;
    const days = daysIn(sentence);
    if (days.length === 0) continue;
    for (const verb of verbs) {
      const clause = clauseAround(sentence, verb.from);
      if (PAST_BEFORE.test(sentence.slice(clause.from, verb.from))) continue;
      const day = dayFor(days, sentence, clause, verb.from);
      if (!day) continue;
      base ??= localClock(sentAt, timeZone);
      const when = placeDay(day, clockTime(sentence.slice(clause.from, clause.to)), base, sentAt, timeZone);
      if (when) return { ...when, phrase: phraseOf(source, s.index, clause, day, verb) };
    }
  }
  return null;
}

/** The instant of a matched day (and clock time, if stated), or null when it is past or impossible. */
function placeDay(
  day: DayMatch,
  time: { hour: number; minute: number } | null,
  base: WallClock,
  sentAt: Date,
  timeZone: string,
): Omit<Commitment, 'phrase'> | null {
  const g = groupsOf(day.match);
  const hit = resolve(g, base);
  if (!hit) return null;
  let ymd = hit.ymd;
  let at = localInstant(timeZone, ymd.year, ymd.month, ymd.day, time?.hour ?? 0, time?.minute ?? 0);
  // A day equal to today is meant only when said as today or with a time still ahead; else a
  // weekday, day of the month or date means its next occurrence.
  if (sameDay(ymd, base) && !(time ? at.getTime() > sentAt.getTime() : hit.today)) {
    const by = rollOf(g);
    if (!by) return null;
    ymd = roll(ymd, by);
    at = localInstant(timeZone, ymd.year, ymd.month, ymd.day, time?.hour ?? 0, time?.minute ?? 0);
  }
  return { at, allDay: time === null };
}

/** The words that stated it: the verb's clause (with the day's, when carried), or just day to verb when that is long. */
function phraseOf(source: string, offset: number, clause: Span, day: DayMatch, verb: Span): string {
  let from = Math.min(clause.from, day.index);
  let to = clause.to;
  if (to - from > PHRASE_MAX) {
    from = Math.min(day.index, verb.from);
    to = Math.max(day.index + day.length, verb.to);
  }
  return source
    .slice(offset + from, offset + to)
    .trim()
    .replace(/[,;、，；]+$/, '');
}

/** The commitment verbs of a sentence that are neither negated nor about the past (at most MAX_TRIES). */
function verbsIn(sentence: string): Span[] {
  const out: Span[] = [];
  VERB.lastIndex = 0;
  for (let m = VERB.exec(sentence); m !== null && out.length < MAX_TRIES; m = VERB.exec(sentence)) {
    const before = sentence.slice(Math.max(0, m.index - 24), m.index);
    const after = sentence.slice(m.index + m[0].length, m.index + m[0].length + 4);
    if (ZH_NEGATED.test(before) || EN_NEGATED.test(before) || PAST_AFTER.test(after)) continue;
    out.push({ from: m.index, to: m.index + m[0].length });
  }
  return out;
}

/** The day expressions of a sentence, in order (at most MAX_DAYS); a recurring one is none. */
function daysIn(sentence: string): DayMatch[] {
  const out: DayMatch[] = [];
  DAY.lastIndex = 0;
  for (let m = DAY.exec(sentence); m !== null && out.length < MAX_DAYS; m = DAY.exec(sentence)) {
    if (RECURRING.test(sentence.slice(Math.max(0, m.index - 6), m.index))) continue;
    out.push({ match: m, index: m.index, length: m[0].length });
  }
  return out;
}

/** The clause of the sentence that holds position `at`, as [from, to). */
function clauseAround(sentence: string, at: number): Span {
  let from = at;
  while (from > 0 && !CLAUSE_END.has(sentence[from - 1] as string)) from--;
  let to = at;
  while (to < sentence.length && !CLAUSE_END.has(sentence[to] as string)) to++;
  return { from, to };
}

interface Span {
  from: number;
  to: number;
}

interface DayMatch {
  match: RegExpExecArray;
  index: number;
  length: number;
}

type Groups = Record<string, string | undefined>;

/** The named groups of a DAY match. */
function groupsOf(m: RegExpExecArray): Groups {
  const g: Groups = {};
  for (let i = 0; i < DAY_NAMES.length; i++) if (m[i + 1] !== undefined) g[DAY_NAMES[i] as string] = m[i + 1];
  return g;
}

/** The day for a verb: the one nearest it in its clause, else one alone in the clause before when the verb's clause carries it. */
function dayFor(days: readonly DayMatch[], sentence: string, clause: Span, verbAt: number): DayMatch | null {
  let inClause: DayMatch | null = null;
  let before: DayMatch | null = null;
  for (const d of days) {
    if (d.index >= clause.from && d.index < clause.to) {
      // 「发票1月8号开，周四再聊」 is Thursday; within one clause the day nearest the verb wins.
      if (!inClause || Math.abs(d.index - verbAt) < Math.abs(inClause.index - verbAt)) inClause = d;
    } else if (d.index < clause.from) before = d;
  }
  if (inClause) return inClause;
  if (!before || !CARRY.test(sentence.slice(clause.from, clause.to))) return null;
  // The day's own clause must be the one just before, and short: a date and a particle.
  const prev = clauseAround(sentence, before.index);
  return prev.to - prev.from <= 10 && prev.to === clause.from - 1 ? before : null;
}

/** Bare weekdays roll a week, days of the month a month, dates a year; the rest never. */
function rollOf(g: Groups): 'week' | 'month' | 'year' | null {
  if ((g.zw && !g.zwMod) || (g.ew && (!g.ewMod || g.ewMod.trim() === 'coming')) || g.ewFull) return 'week';
  if (g.zd || g.ed) return 'month';
  if ((g.zmo && !g.zy) || g.emo || g.emo2 || g.esm) return 'year';
  return null;
}

function roll(d: Ymd, by: 'week' | 'month' | 'year'): Ymd {
  if (by === 'week') return addDays(d, 7);
  if (by === 'year') return valid(d.year + 1, d.month, d.day) ?? addDays(d, 365);
  const nm = nextMonthOf(d);
  return valid(nm.year, nm.month, d.day) ?? lastOfMonth(nm.year, nm.month);
}

const sameDay = (a: Ymd, b: Ymd): boolean => a.year === b.year && a.month === b.month && a.day === b.day;
const daysBetween = (a: Ymd, b: Ymd): number => (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000;
const isBefore = (a: Ymd, b: Ymd): boolean => daysBetween(a, b) > 0;

/** A real calendar day, or null (2月30日). */
function valid(year: number, month: number, day: number): Ymd | null {
  if (!Number.isInteger(month) || !Number.isInteger(day) || month < 1 || month > 12 || day < 1) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCMonth() === month - 1 ? { year, month, day } : null;
}

function lastOfMonth(year: number, month: number): Ymd {
  const d = new Date(Date.UTC(year, month, 0));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function nextMonthOf(b: { year: number; month: number }): { year: number; month: number } {
  return b.month === 12 ? { year: b.year + 1, month: 1 } : { year: b.year, month: b.month + 1 };
}

/** A month and day with no year: this year's if still ahead, next year's once more than two months past, else a past day (null). */
function monthDay(b: WallClock, month: number, day: number, year?: number): Ymd | null {
  if (year !== undefined) return valid(year, month, day);
  const thisYear = valid(b.year, month, day);
  if (!thisYear) return valid(b.year + 1, month, day);
  if (!isBefore(thisYear, b)) return thisYear;
  return daysBetween(thisYear, b) > 60 ? valid(b.year + 1, month, day) : null;
}

/** `n` working days (Monday to Friday) after `b`. */
function addWeekdays(b: WallClock, n: number): Ymd {
  let d: Ymd = b;
  let wd = b.weekday;
  for (let left = n; left > 0; ) {
    d = addDays(d, 1);
    wd = (wd % 7) + 1;
    if (wd <= 5) left--;
  }
  return d;
}

function weekdayOf(b: WallClock, target: number, mod: string | undefined): DayHit | null {
  const thisWeek = target - b.weekday;
  if (mod?.startsWith('上') || mod === 'last') return null;
  if (mod === '下下') return { ymd: addDays(b, thisWeek + 14), today: false };
  if (mod?.startsWith('下') || mod === 'next') return { ymd: addDays(b, thisWeek + 7), today: false };
  if (mod?.startsWith('这') || mod === '本' || mod === 'this') return thisWeek < 0 ? null : { ymd: addDays(b, thisWeek), today: thisWeek === 0 };
  // Bare or "coming": the next one; said on that day, today (a later time) or next week's.
  return { ymd: addDays(b, thisWeek < 0 ? thisWeek + 7 : thisWeek), today: false };
}

/** A weekday modifier without its spaces and 个: 下个 → 下, "next " → next. */
const mod = (s: string | undefined): string | undefined => s?.trim().replace(/个$/, '');
const num = (s: string | undefined): number => (s === undefined ? NaN : zhNumber(s));

/** The calendar day a matched day expression names, relative to `b`; null when it is past or impossible. */
function resolve(g: Groups, b: WallClock): DayHit | null {
  if (g.zw) return weekdayOf(b, zhNumber(g.zw) || 7, mod(g.zwMod));
  if (g.ew) return weekdayOf(b, EN_WEEKDAYS[g.ew.slice(0, 3)] ?? 1, mod(g.ewMod));
  if (g.ewFull) return weekdayOf(b, g.ewFull === 'saturday' ? 6 : 7, undefined);
  const rel = g.zrel ?? g.erel;
  if (rel) {
    const n = RELATIVE_DAYS[rel] ?? 0;
    return { ymd: addDays(b, n), today: n === 0 };
  }
  if (g.zmo) return wrap(monthDay(b, num(g.zmo), num(g.zmd), g.zy ? Number(g.zy) : undefined));
  if (g.emo || g.emo2) {
    const month = MONTH_INDEX[(g.emo ?? g.emo2 ?? '').slice(0, 3)] ?? NaN;
    return wrap(monthDay(b, month, Number(g.emd ?? g.emd2)));
  }
  if (g.esm) return wrap(monthDay(b, Number(g.esm), Number(g.esd)));
  const dayOnly = g.zd ?? g.ed;
  if (dayOnly) {
    const d = Number(dayOnly);
    if (d >= b.day) return wrap(valid(b.year, b.month, d));
    const nm = nextMonthOf(b);
    return wrap(valid(nm.year, nm.month, d));
  }
  if (g.zmPart) return monthPart(b, g.zmPart.replace(/^月/, ''), g.zmMod?.startsWith('下') ?? false);
  if (g.eend) return g.eend === 'week' ? weekdayOf(b, 5, 'this') : monthPart(b, '底', false);
  if (g.eendNext) return monthPart(b, '底', true);
  if (g.estart) return monthPart(b, '初', true);
  if (g.zyEnd) return { ymd: { year: b.year, month: 12, day: 31 }, today: b.month === 12 && b.day === 31 };
  if (g.zafter) return { ymd: addDays(b, { 一两: 2, 两: 2, 两三: 3, 三: 3, 几: 3 }[g.zafter] ?? 2), today: false };
  if (g.eafter) return { ymd: g.ework ? addWeekdays(b, SMALL[g.eafter] ?? Number(g.eafter)) : addDays(b, SMALL[g.eafter] ?? Number(g.eafter)), today: false };
  if (g.zwork) return { ymd: addWeekdays(b, num(g.zwork)), today: false };
  if (g.zdays) return { ymd: addDays(b, num(g.zdays)), today: false };
  if (g.zweek) return weekdayOf(b, 5, 'this');
  return null;
}

const wrap = (ymd: Ymd | null): DayHit | null => (ymd ? { ymd, today: false } : null);

/** 月底 (末), 月初, 月中 of this month or, with 下个月, of the next. */
function monthPart(b: WallClock, part: string, next: boolean): DayHit | null {
  const m = next ? nextMonthOf(b) : { year: b.year, month: b.month };
  if (part === '底' || part === '末') {
    const last = lastOfMonth(m.year, m.month);
    return { ymd: last, today: sameDay(last, b) };
  }
  if (part === '中') {
    if (next || b.day < 15) return { ymd: { ...m, day: 15 }, today: false };
    const nm = nextMonthOf(b);
    return { ymd: { ...nm, day: 15 }, today: false };
  }
  // 月初 said during a month is the start of the next one.
  const nm = next ? m : nextMonthOf(b);
  return { ymd: { ...nm, day: 1 }, today: false };
}

/** A clock time stated in the clause; 一点 with no half-day is "a little", not one o'clock. */
function clockTime(clause: string): { hour: number; minute: number } | null {
  if (/[\u4e00-\u9fff]/.test(clause)) {
    const zh = zhTime(clause);
    if (zh && !(zh.hour === 13 && zh.minute === 0 && VAGUE_ONE.test(clause))) return zh;
    return null;
  }
  return enTime(clause);
}
