/**
 * Money in sales chat: 12.8万, ¥35,000, 35000元, 3.5k, $12k, 1.2百万, 三万五. A bare number is money
 * only right after a price word (总价 35000), so years, counts, times and percentages never are.
 */

// Only starts at the head of a digit run: without the lookbehind a long run of digits is quadratic.
const NUM = String.raw`(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)`;
// A 万/千 followed by a counting unit is a quantity (1万台, 3千人), not money.
const NOT_COUNT = '(?![台个件人套次条家名张箱吨公里平米方辆户座床所位])';
const UNIT = `(?:百万|千万|万|千|亿)${NOT_COUNT}|(?:w|k|million|mn|thousand)(?![a-z])`;
const CUR = String.raw`[¥$€£]|rmb|cny|usd|us\$`;
const SUF = '元|块钱?|人民币|美元|美金|欧元|(?:rmb|cny|usd|yuan|dollars?|euros?)(?![a-z])';
const CN_DIGIT = '[一二两三四五六七八九十]';
const CN_NUM = `${CN_DIGIT}[一二两三四五六七八九十百千零]*(?:万|千)${NOT_COUNT}${CN_DIGIT}?`;

/**
 * A money expression with a currency or magnitude marker, without capture groups, for embedding
 * in rule patterns. Plain numbers are left out on purpose.
 */
export const MONEY_SRC =
  `(?:(?:${CUR})\\s?(?:${NUM})(?:\\s?(?:${UNIT}|m(?![a-z])))?` +
  `|(?:${NUM})\\s?(?:${UNIT})(?:\\s?(?:${SUF}))?` +
  `|(?:${NUM})\\s?(?:${SUF})` +
  `|${CN_NUM}(?:元|块)?)`;

const TOKEN = new RegExp(`(?<cur>${CUR})?\\s?(?<num>${NUM})(?:\\s?(?<unit>${UNIT}|m(?![a-z])))?(?:\\s?(?<suf>${SUF}))?|(?<cn>${CN_NUM})`, 'g');
/** A unit's multiplier: 万 is 1e4, k 1e3, 亿 1e8 … (corrections read theirs here too). */
export const MULT: Record<string, number> = {
  万: 1e4,
  w: 1e4,
  千: 1e3,
  k: 1e3,
  thousand: 1e3,
  百万: 1e6,
  million: 1e6,
  mn: 1e6,
  m: 1e6,
  千万: 1e7,
  亿: 1e8,
};
const PRICE_WORD_BEFORE = /(价|价格|报价|合计|总计|费用|年费|price|total|cost|quote)\s?(是|为|:|is|of)?\s?$/;
// Where a message names several amounts, the one after these is the price on the table.
const FINAL_MARKER = /(折后|优惠后|优惠价|到手|最终|最低|现价|特价|只要|仅需|打完折|合计|总价|总计|一共|after discount|discounted|final|now|total)/;
const CN_VAL: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Parses a Chinese numeral below 10,000 (十二, 三千五百, 两百). */
function cnSmall(s: string): number {
  let total = 0;
  let digit = 0;
  for (const ch of s) {
    const v = CN_VAL[ch];
    if (v !== undefined) {
      digit = v;
    } else if (ch === '十' || ch === '百' || ch === '千') {
      total += (digit || 1) * (ch === '十' ? 10 : ch === '百' ? 100 : 1000);
      digit = 0;
    }
  }
  return total + digit;
}

/** 十二万八 → 128000, 三万五 → 35000, 八千 → 8000, 两千五 → 2500. */
export function parseChineseAmount(s: string): number {
  const wan = s.indexOf('万');
  if (wan >= 0) {
    const tail = s.slice(wan + 1);
    const tailVal = tail.length === 1 ? (CN_VAL[tail] ?? 0) * 1000 : cnSmall(tail);
    return cnSmall(s.slice(0, wan)) * 1e4 + tailVal;
  }
  const qian = s.indexOf('千');
  const tail = s.slice(qian + 1);
  const tailVal = tail.length === 1 ? (CN_VAL[tail] ?? 0) * 100 : cnSmall(tail);
  return cnSmall(s.slice(0, qian + 1)) + tailVal;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Every amount of money in normalised text, in order. Bare numbers count only after a price
 * word. Returns [] when there is none.
 */
export function findAmounts(text: string): { value: number; index: number; end: number }[] {
  const out: { value: number; index: number; end: number }[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const g = m.groups ?? {};
    if (g.cn !== undefined) {
      out.push({ value: parseChineseAmount(g.cn), index: m.index, end: m.index + m[0].length });
      continue;
    }
    const num = g.num;
    if (num === undefined) continue;
    const unit = g.unit;
    // `m` alone is metres or minutes unless a currency sign says otherwise.
    if (unit === 'm' && g.cur === undefined) continue;
    const marked = g.cur !== undefined || unit !== undefined || g.suf !== undefined;
    const base = Number(num.replace(/,/g, ''));
    if (!marked && !(base >= 100 && PRICE_WORD_BEFORE.test(text.slice(Math.max(0, m.index - 8), m.index)))) continue;
    out.push({ value: round(base * (unit === undefined ? 1 : (MULT[unit] ?? 1))), index: m.index, end: m.index + m[0].length });
  }
  return out;
}

/**
 * The amount a quote names: the one after a final-price marker (折后, total…) when the message
 * lists several, else the first one.
 */
export function pickAmount(text: string): number | undefined {
  const all = findAmounts(text);
  const first = all[0];
  if (first === undefined || all.length === 1) return first?.value;
  for (const a of all) {
    if (FINAL_MARKER.test(text.slice(Math.max(0, a.index - 8), a.index))) return a.value;
  }
  return first.value;
}

// A price per unit, head, day or month (每台八千块, 每天不到 3 元, 800 元/人, 3.5k per seat, $99 a
// month) says what one of something costs; a year's price (年费, 每年, $12k a year) is what a
// subscription deal is worth, so it is not one.
const PER_BEFORE = /(?:每(?!年)|单价|均价|人均|\b(?:per|each)\b(?!\s?(?:year|yr|annum)\b))[^，,。；;！!？?\n]{0,10}$/;
const PER_AFTER = /^\s?(?:\/|每|per\b|each\b|an?\s)(?!\s?(?:年|year|yr|annum)\b)/;

/** Whether `amount`, as named in normalised `text`, is a price per unit or per period under a year. */
export function isUnitPrice(text: string, amount: number): boolean {
  for (const a of findAmounts(text)) {
    if (a.value !== amount) continue;
    if (PER_BEFORE.test(text.slice(Math.max(0, a.index - 16), a.index)) || PER_AFTER.test(text.slice(a.end, a.end + 10))) return true;
  }
  return false;
}
