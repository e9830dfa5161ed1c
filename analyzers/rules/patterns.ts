/**
 * Regex source fragments shared by several rule files, written against normalised text
 * (lower case, full-width punctuation folded to ASCII; see ../text.ts). Strings, not RegExps:
 * each rule compiles its own pattern once at module load.
 */

/** One character inside a Chinese clause: patterns never reach across , 。 ! ? ; or a line. */
export const G = '[^,。!?;\\n]';
/** One character inside an English sentence. */
export const E = '[^.!?;\\n]';

/** Builds a case-sensitive regex from fragments (text is already lower-cased). */
export function re(...parts: string[]): RegExp {
  return new RegExp(parts.join(''));
}

// ---- time -----------------------------------------------------------------------------------

const ZH_WEEKDAY = '(?:周|星期|礼拜)[一二三四五六日天1-7]';
/** A concrete day: 明天, 周三, 下周二, 3月5日, 15号. Not 下周 alone: a week is not a day. */
export const ZH_DAY = `(?:今天|今晚|明天|明早|明晚|后天|大后天|(?:这|本|下下|下)?${ZH_WEEKDAY}|\\d{1,2}月\\d{1,2}[日号]?|\\d{1,2}[日号]|\\d{1,2}/\\d{1,2})`;
/** A time or half-day: 下午, 两点, 14:30, 三点半. */
export const ZH_TIME = '(?:上午|下午|中午|晚上|早上|傍晚|\\d{1,2}:\\d{2}|[0-9一二两三四五六七八九十]{1,3}[点时](?:半|[0-9一二三四五]{1,2}分?)?)';
/** A deadline: 周五前, 月底, 下周一之前, 3天内. */
export const ZH_DEADLINE = `(?:(?:今天|明天|后天|(?:这|本|下)?${ZH_WEEKDAY}|下周|本周|这周|月底|月初|月中|年底|\\d{1,2}月\\d{1,2}[日号]?|\\d{1,2}[日号]|\\d{1,2}点)(?:之前|以前|前|内|为止)?|(?:(?<!\\d)\\d+|[一两三四五六七])(?:个工作日|天|周)(?:之内|内))`;

const EN_WEEKDAY = '(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?';
const EN_MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?';
/** A concrete day: tomorrow, next tuesday, mar 5, the 12th, 3/14. */
export const EN_DAY = `(?:today|tonight|tomorrow|(?:this |next )?${EN_WEEKDAY}\\b|${EN_MONTH} \\d{1,2}(?:st|nd|rd|th)?\\b|(?:the )?\\d{1,2}(?:st|nd|rd|th)\\b|\\d{1,2}/\\d{1,2}\\b)`;
/** A time or half-day: 3pm, 10:30, at 2, morning. */
export const EN_TIME = '(?:\\d{1,2}(?::\\d{2})? ?(?:am|pm|a\\.m\\.|p\\.m\\.)|\\d{1,2}:\\d{2}|at \\d{1,2}\\b|noon|morning|afternoon|evening|lunch(?:time)?)';
/** A deadline: by friday, before the 15th, end of next week, within 3 days. */
export const EN_DEADLINE = `(?:(?:by|before|no later than|until) (?:the )?(?:end of (?:the |this |next )?(?:day|week|month|quarter)|eod|cob|${EN_DAY}|next week|${EN_MONTH})|end of (?:the |this |next )?(?:day|week|month|quarter)|within (?<!\\d)\\d+ (?:business |working )?(?:days|weeks))`;

// ---- sending --------------------------------------------------------------------------------

/** A promise or plan to send later: 明天/稍后/等批下来 … 发. The send verb must follow in the clause. */
export const ZH_LATER_SEND = `(?:明天|明早|后天|稍后|晚点|晚些|回头|待会|等会|一会儿?|今晚|下午|晚上|改天|过两天|过几天|下周|周[一二三四五六日天]|之后|随后|马上|尽快|争取|打算|准备|需要的话|如果需要|要不要|是否需要|我会|会把|再把|可以把|可以给您|等${G}{0,8}(?:后|了|再|就)|整理(?:好|完|一份|一下)|准备一份|做一份|弄一份|做好|出来后|批下来|找一下|找找|找到)${G}{0,10}(?:发|给|传|提供|出|分享)`;
/** Something already sent earlier, mentioned again: 上次发您的…, 之前报的. */
export const ZH_EARLIER = `(?:上次|之前|前几天|前两天|昨天|上周|上个月|刚才那)${G}{0,6}(?:发|给|报)(?:您|你)?的`;
/** The customer is asked to receive something: 请查收, 请过目. */
export const ZH_RECEIVE = '请(?:您)?(?:查收|查阅|过目|审阅|参考|确认|审核|回签|签署|签收)';
/** A completed send: 已发, 发您了, 传到群里了. */
export const ZH_SENT = `(?:(?:已|已经|刚|刚刚)${G}{0,4}(?:发|发送|传|上传|共享|分享|邮件|放|寄)|(?:发|发送|传|上传|共享|分享|放|邮件|抄送|寄|快递)${G}{0,8}(?:了|啦|咯))`;
/** Here it is: 附件是, 这是, 附上. */
export const ZH_HERE = '(?:附件(?:里|中)?(?:是|为|有)?|链接(?:是|在)|这是|这份是|这个是|附上|奉上|给您附上|下面是|如下是|群文件(?:里)?)';

/** A promise or offer to send later, in one sentence: "i'll send", "happy to share", "once approved". */
export const EN_LATER_SEND = `(?:(?:will|'ll|going to|gonna|plan to|can|could|would|happy to|let me|shall|need to|about to|want to) (?:\\w+ )?(?:send|share|get|put together|prepare|pull|find|dig up|forward|email|draft)|(?:once|after|when|as soon as) ${E}{0,40}(?:approv|sign|ready|final|done)|(?:tomorrow|later today|later this week|next week|by (?:eod|friday|monday|end of)|if (?:you'd like|helpful|useful|interested|you want))|would you like|do you want|should i send|pending)`;
/** A completed send: "i've sent", "attached is", "here's". */
export const EN_SENT =
  "(?:(?:i've|i have|we've|we have|i|we|just) (?:just )?(?:sent|shared|emailed|attached|uploaded|forwarded|dropped|posted)|(?:is|are) attached|attached (?:is|are|you'll find|you will find|please find|the|our|a)|^attached\\b|please find (?:attached|enclosed)|here(?:'s| is| are)|(?:is|are) (?:now )?in your inbox|(?:has|have) been (?:sent|shared|emailed|uploaded)|sending (?:you|over)|sent (?:over|you)|enclosed (?:is|are))";
