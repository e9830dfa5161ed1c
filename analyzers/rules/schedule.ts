/**
 * meeting_scheduled and next_step_agreed, either role. A meeting needs a concrete day plus a time
 * or half-day and a meeting word, stated as the plan (not asked, not past, not internal). A next
 * step needs an explicit yes or a mutual plan, a deadline and a deliverable that is not a meeting.
 */
import type { Rule } from './types.ts';
import { E, EN_DAY, EN_DEADLINE, EN_TIME, G, re, ZH_DAY, ZH_DEADLINE, ZH_TIME } from './patterns.ts';

// Every EN_DAY match holds a day or month name, today/tonight/tomorrow, an ordinal or a d/m date.
// Every EN_DEADLINE match holds one of these words.
const EN_DEADLINE_NEEDS = /by |before|no later|until|end of|within/;
const EN_DAY_NEEDS = /today|tonight|tomorrow|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d(?:st|nd|rd|th)|\d\/\d/;
// Every ZH_DEADLINE match holds one of these characters (or 年底).
const ZH_DEADLINE_NEEDS = /[今明后周月日号点天拜期]|年底/;
// Every ZH_DAY match holds one of these (a digit date always has 月, 日, 号 or /).
const ZH_DAY_NEEDS: readonly string[] = ['今', '明', '后天', '周', '星期', '礼拜', '月', '日', '号', '/'];

const ZH_MEET =
  '(?:会议|开会|开个会|线上会|视频会|腾讯会议|zoom|teams|演示|demo|拜访|见面|面谈|来访|上门|(?:过来|过去)(?:拜访|一趟|看看|找您|贵司|现场|聊|坐坐|看)|(?:到|去|来)(?:贵司|我司|公司|工厂|厂里|现场|医院|学校|仓库|园区)|电话|通话|沟通|交流|碰一下|碰个头|聊一下|聊聊|过一下方案|讲解|汇报|参观|考察|看厂|看设备|看样机|试驾|试机|培训|路演|宣讲|答辩|开标|见个面|会面|会谈)';
const ZH_RESCHEDULE = '(?:约|定|改|调|挪|推|延|安排|预约|确定|敲定)(?:在|到|成|为)?';
// Asking for availability or offering alternatives (周三上午还是下午) proposes, it does not plan
// (ACTIONS.md: stated, accepted, booked).
const ZH_ASKING =
  '(?:有空吗|方便吗|有时间吗|可以吗|行吗|怎么样|如何|是否方便|能不能|可不可以|哪天|什么时候|吗)\\??\\s*$|(?:上午|下午|晚上|[点号]|周[一二三四五六日天])还是';
const ZH_PAST = '上(?:周|星期|礼拜)|昨天|前天|上次|上回|那天|刚才';
// Internal meetings of one side (our weekly, their board) are not meetings with the other party.
const ZH_INTERNAL = `内部|周会|例会|晨会|站会|组会|部门会|我们团队|咱们团队|自己人|开完(?:会)?(?:再|后|给)|(?:我们|我这边|我们这边)${G}{0,8}开(?:个)?会`;
const ZH_MEETING_NOT = re(`${ZH_ASKING}|${ZH_PAST}|${ZH_INTERNAL}|找(?:个)?时间|再约|改天`);

const EN_MEET =
  '(?:meeting|meet|demo|call|visit|session|walk-?through|presentation|sync|catch[- ]up|zoom|teams|webex|tour|on-?site|training|workshop|chat|see you|invite|appointment)';
const EN_ASKING =
  '\\?\\s*$|are you (?:free|available)|would (?:\\w+ ){0,6}work|does (?:\\w+ ){0,6}work|how about|what about|could we|can we|is (?:\\w+ ){0,4}(?:ok|okay|good)\\?';
const EN_PAST = '\\blast (?:week|mon|tue|wed|thu|fri|time)|yesterday|\\bduring\\b|\\bearlier\\b';
const EN_INTERNAL =
  'internal|stand-?up|team (?:sync|meeting)|our weekly|all-hands|\\bevery (?:mon|tue|wed|thu|fri|sat|sun|day|week|morning)|team meets\\b|we meet (?:every|weekly)';
const EN_MEETING_NOT = re(`${EN_ASKING}|${EN_PAST}|${EN_INTERNAL}|find (?:a )?time|sometime|at some point`);

const ZH_ACCEPT =
  '(?:(?:^|[,。!\\s])(?:好的|好|可以|行|没问题|ok|同意|成交)(?:[,。!\\s~]|的|呀|啊|哈|$)|就按(?:这个|这样|您说的|你说的|这个方案)?来|就这么(?:定|办)|一言为定|说定了|按这个来|就这样)';
const ZH_MUTUAL = '(?:那我们|那咱们|咱们|那就|双方|我们这边|你们那边|您那边|说好|约定)';
const ZH_DELIVER =
  '(?:反馈|答复|回复|确认|提交|发|给|完成|走完|准备|出|签|盖章|付款|打款|下单|开通|部署|上线|提供|整理|审完|回签|定下来|报上去|申请|走(?:合同|采购|审批|内部|付款)?流程|到货|交付|上会|拍板|开好|搭好|弄好|做好|准备好|配置好|装好|处理好|测试|试用)';
// A meeting time alone is meeting_scheduled only (ACTIONS.md).
const ZH_NEXT_NOT = re(`\\?$|吗\\??$|${ZH_TIME}${G}{0,14}${ZH_MEET}`);

const EN_ACCEPT =
  "(?:^|[.!,]\\s*)(?:sounds (?:good|great)|deal|agreed|ok|okay|perfect|great|works for me|that works|let's do (?:it|that)|yes|sure|absolutely|will do|done|confirmed)\\b";
const EN_OWNER = "(?:i'll|we'll|you'll|i will|we will|you will|our (?:team|legal|cfo|it) will|legal will|they'll)";
const EN_MUTUAL = "(?:so we'll|so you'll|next steps?:|action items?:|to recap|as agreed|we agreed|let's plan)";
const EN_DELIVER =
  '(?:send|sign|get|have|review|approve|confirm|share|submit|finali[sz]e|complete|set up|provision|issue|pay|return|decide|deliver|come back|circle back|prepare)';
const EN_NEXT_NOT = re(`\\?\\s*$|${EN_INTERNAL}|${EN_TIME}${E}{0,30}${EN_MEET}`);

/** meeting_scheduled and next_step_agreed, both languages. */
export const SCHEDULE_RULES: Rule[] = [
  {
    id: 'zh.meeting.day_time_meet',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'zh',
    confidence: 0.85,
    // One comma may sit between the time and the meeting word: 明天上午老板在，你们过来聊聊.
    needs: ZH_DAY_NEEDS,
    re: re(ZH_DAY, `${G}{0,6}`, ZH_TIME, `[^。!?;\\n]{0,12}`, ZH_MEET),
    not: ZH_MEETING_NOT,
  },
  {
    id: 'zh.meeting.meet_at_day_time',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'zh',
    confidence: 0.8,
    needs: ZH_DAY_NEEDS,
    re: re(ZH_MEET, `${G}{0,10}`, ZH_RESCHEDULE, `${G}{0,3}`, ZH_DAY, `${G}{0,6}`, ZH_TIME),
    not: ZH_MEETING_NOT,
  },
  {
    id: 'zh.meeting.moved_to',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'zh',
    confidence: 0.8,
    needs: ZH_DAY_NEEDS,
    re: re('(?:改到|改成|调到|挪到|延到|推到|顺延到|定在|约在|约到|定到)', `${G}{0,3}`, ZH_DAY, `${G}{0,6}`, ZH_TIME),
    not: ZH_MEETING_NOT,
  },
  {
    // 明天上午十点到: arriving at a concrete time is a visit.
    id: 'zh.meeting.arrive',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'zh',
    confidence: 0.75,
    needs: ZH_DAY_NEEDS,
    re: re(ZH_DAY, `${G}{0,6}`, ZH_TIME, '(?:准时)?(?:到|过来|过去|上门|登门|出发)(?:[,。!~]|$)'),
    not: ZH_MEETING_NOT,
  },
  {
    id: 'zh.meeting.see_you',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'zh',
    confidence: 0.85,
    needs: ZH_DAY_NEEDS,
    re: re(ZH_DAY, `${G}{0,6}`, ZH_TIME, `${G}{0,6}(?:见|不见不散)(?:吧|哈|啊|了)?(?:[,。!~]|$)`),
    not: ZH_MEETING_NOT,
  },
  {
    // 可以，周三上午十点: accepting a proposed slot needs no meeting word.
    id: 'zh.meeting.accept_slot',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'zh',
    confidence: 0.65,
    needs: ZH_DAY_NEEDS,
    re: re(`^(?:好的|好|可以|行|没问题|ok|那就)[,\\s~!。]*(?:那就)?${ZH_DAY}${G}{0,4}${ZH_TIME}${G}{0,3}(?:吧|见)?[!。~]*$`),
    not: ZH_MEETING_NOT,
  },
  {
    id: 'en.meeting.slot_works',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'en',
    confidence: 0.7,
    needs: EN_DAY_NEEDS,
    re: re(EN_DAY, `${E}{0,10}`, EN_TIME, `${E}{0,10}(?:works|suits|is (?:fine|good|perfect|great)|it is|confirmed)\\b`),
    not: EN_MEETING_NOT,
  },
  {
    id: 'en.meeting.meet_day_time',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'en',
    confidence: 0.8,
    needs: EN_DAY_NEEDS,
    re: re(EN_MEET, `${E}{0,40}`, EN_DAY, `${E}{0,15}`, EN_TIME),
    not: EN_MEETING_NOT,
  },
  {
    id: 'en.meeting.day_time_meet',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'en',
    confidence: 0.8,
    needs: EN_DAY_NEEDS,
    re: re(EN_DAY, `${E}{0,15}`, EN_TIME, `${E}{0,30}`, EN_MEET),
    not: EN_MEETING_NOT,
  },
  {
    id: 'en.meeting.moved_to',
    kind: 'meeting_scheduled',
    role: 'either',
    lang: 'en',
    confidence: 0.8,
    needs: EN_DAY_NEEDS,
    re: re('(?:moved|rescheduled|pushed|booked|confirmed|scheduled|locked in|set|penciled in)', `${E}{0,40}`, EN_DAY, `${E}{0,15}`, EN_TIME),
    not: EN_MEETING_NOT,
  },
  {
    id: 'zh.next.accept_deadline',
    kind: 'next_step_agreed',
    role: 'either',
    lang: 'zh',
    confidence: 0.8,
    needs: ZH_DEADLINE_NEEDS,
    re: re(ZH_ACCEPT, `[^?]{0,20}`, ZH_DEADLINE, `${G}{0,14}`, ZH_DELIVER),
    not: ZH_NEXT_NOT,
  },
  {
    id: 'zh.next.mutual_deadline',
    kind: 'next_step_agreed',
    role: 'either',
    lang: 'zh',
    confidence: 0.75,
    needs: ZH_DEADLINE_NEEDS,
    re: re(ZH_MUTUAL, `${G}{0,8}`, ZH_DEADLINE, `${G}{0,14}`, ZH_DELIVER),
    not: ZH_NEXT_NOT,
  },
  {
    id: 'en.next.accept_owner_deadline',
    kind: 'next_step_agreed',
    role: 'either',
    lang: 'en',
    confidence: 0.8,
    needs: EN_DEADLINE_NEEDS,
    re: re(EN_ACCEPT, `[^?]{0,40}`, EN_OWNER, `${E}{0,60}`, EN_DEADLINE),
    not: EN_NEXT_NOT,
  },
  {
    id: 'en.next.accept_deadline_owner',
    kind: 'next_step_agreed',
    role: 'either',
    lang: 'en',
    confidence: 0.75,
    needs: EN_DEADLINE_NEEDS,
    re: re(EN_ACCEPT, `[^?]{0,40}`, EN_DEADLINE, `${E}{0,10}`, EN_OWNER, `${E}{0,30}`, EN_DELIVER),
    not: EN_NEXT_NOT,
  },
  {
    id: 'en.next.mutual_plan',
    kind: 'next_step_agreed',
    role: 'either',
    lang: 'en',
    confidence: 0.75,
    needs: EN_DEADLINE_NEEDS,
    re: re(EN_MUTUAL, `${E}{0,80}`, EN_DEADLINE),
    not: EN_NEXT_NOT,
  },
];
