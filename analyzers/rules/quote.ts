/**
 * quote_sent from a concrete price in the rep's text (这套是12.8万, "it comes to $12k a year",
 * 最低可以给到85折). The amount attribute is picked from the whole message by ./amount.ts.
 * Savings, budgets, revenues and discounts still awaiting approval are not quotes.
 */
import type { Rule, RuleAttrs } from './types.ts';
import { MONEY_SRC, pickAmount } from './amount.ts';
import { E, EN_LATER_SEND, G, re, ZH_LATER_SEND } from './patterns.ts';

const ZH_PRICE_WORD =
  '(?:报价|价格|价钱|总价|单价|合计|总计|一共|总共|优惠价|折后价?|打完折|到手价|落地价|含税价?|不含税|费用|年费|首年|服务费|订阅费|软件费|实施费|打包价|套餐价|特价|这套|整套|全套|这台|这款|这个型号|这个版本|标准版|专业版|旗舰版|企业版|每台|每套|每年|每月|每个账号|每人|每用户|每个点位|每个站点|给您的价|算下来)';
const ZH_PER_UNIT = '(?:/|每|一)(?:年|台|套|个|人|月|账号|用户|席位|点位|站点|license|份|批)';
// Money that is saved, lost, earned or budgeted is not a price on the table.
const ZH_NOT_PRICE = `省|节省|节约|损失|营收|收入|产值|利润|多赚|赔|预算|成本降低|(?:人工|人力|运营|管理|时间|维护|隐性|您的|你们的|现在的?)成本|工资|薪资|营业额|销售额|流水|估值|罚款|市值|融资|(?:还在|正在|在)(?:申请|审批)|申请中|审批中|待审批|还没批|等${G}{0,6}批|${ZH_LATER_SEND}|(?:上次|之前)${G}{0,6}(?:报|发)的`;

const EN_PRICE_WORD =
  "(?:price|pricing|total|cost|comes? (?:out )?to|quote is|quoted|it's|that's|it is|that is|we can do|we can offer|i can do|i can offer|annual fee|license fee|subscription|list price|discounted|net price|per (?:seat|user|unit|year|month|license|site|device)|works out (?:at|to)|landed at)";
const EN_PER_UNIT = '\\s?(?:/|per|a|an|each)\\s?(?:year|yr|month|mo|seat|user|license|licence|unit|site|device|machine|annum|store|location)\\b';
const EN_NOT_PRICE = `sav(?:e|es|ing|ings)|roi\\b|revenue|los(?:e|es|ing|s)|lost|budget|\\bspend|wast(?:e|ing)|fine[sd]?\\b|penalt|pending approval|awaiting approval|once (?:it's )?approved|${EN_LATER_SEND}`;

// Every money expression (./amount.ts) has a currency sign or word, a magnitude (万, k…) or a
// money suffix (元, dollars…) — a far rarer thing in chat than a digit. k and w count only after a digit.
const MONEY_NEEDS = /[¥$€£万千亿元块]|\d\s?(?:[wk]|mn|million|thousand)|rmb|cny|usd|dollar|euro|yuan|人民币|美元|美金|欧元/;

const withAmount = (_m: RegExpExecArray, text: string): RuleAttrs | null => {
  const amount = pickAmount(text);
  return amount === undefined ? null : { amount };
};

/** quote_sent from a stated price or an approved discount, rep only. */
export const QUOTE_RULES: Rule[] = [
  {
    id: 'zh.quote.price_amount',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'zh',
    confidence: 0.85,
    needs: MONEY_NEEDS,
    re: re(ZH_PRICE_WORD, `${G}{0,8}`, MONEY_SRC),
    not: re(ZH_NOT_PRICE),
    attrs: withAmount,
  },
  {
    id: 'zh.quote.amount_per_unit',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'zh',
    confidence: 0.8,
    needs: MONEY_NEEDS,
    re: re(MONEY_SRC, `\\s?${ZH_PER_UNIT}`),
    not: re(ZH_NOT_PRICE),
    attrs: withAmount,
  },
  {
    // 这个配置12.8万: a demonstrative then money in one short clause, looser.
    id: 'zh.quote.this_is_amount',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'zh',
    confidence: 0.65,
    needs: MONEY_NEEDS,
    re: re(`(?:这个|这套|这边|我们这边|我这边|给您|可以做到|能做到|最低|最终)${G}{0,10}`, MONEY_SRC),
    not: re(ZH_NOT_PRICE),
    attrs: withAmount,
  },
  {
    // 基础版一年9800: an edition or package then a bare number is a list price, no 元 needed.
    id: 'zh.quote.edition_price',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'zh',
    confidence: 0.7,
    needs: /版|套餐/,
    re: re(
      `(?:基础版|标准版|专业版|旗舰版|企业版|高级版|入门版|套餐|版本)${G}{0,10}?(\\d{3,7})(?![\\d.%])(?!\\s?(?:个|台|人|天|年|月|日|号|家|套|次|条|点|分|小时|g|gb|kg|mm|m\\b))`,
    ),
    not: re(ZH_NOT_PRICE),
    attrs: (m, text) => ({ amount: pickAmount(text) ?? Number(m[1]) }),
  },
  {
    // An approved discount is a concrete price; one still being asked for is not.
    id: 'zh.quote.discount',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'zh',
    confidence: 0.6,
    needs: ['折'],
    re: re(
      `(?:可以|能|给到|给您|最低|最终|申请到了?|批下来了?|特批)${G}{0,6}(?:\\d(?:\\.\\d)?|[一二三四五六七八九])(?:\\d|[五])?折|打(?:\\d(?:\\.\\d)?|[一二三四五六七八九])折`,
    ),
    not: re(`${ZH_NOT_PRICE}|吗|\\?|能不能|可不可以|是否`),
  },
  {
    id: 'en.quote.price_amount',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'en',
    confidence: 0.85,
    needs: MONEY_NEEDS,
    re: re(EN_PRICE_WORD, `${E}{0,20}`, MONEY_SRC),
    not: re(EN_NOT_PRICE),
    attrs: withAmount,
  },
  {
    id: 'en.quote.amount_per_unit',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'en',
    confidence: 0.8,
    needs: MONEY_NEEDS,
    re: re(MONEY_SRC, EN_PER_UNIT),
    not: re(EN_NOT_PRICE),
    attrs: withAmount,
  },
  {
    id: 'en.quote.discount',
    kind: 'quote_sent',
    role: 'rep',
    lang: 'en',
    confidence: 0.6,
    needs: ['%'],
    re: /(?:we can|i can|approved|final|best|got you)[^.!?;\n]{0,25}(?:\d{1,2}% (?:off|discount)|discount of \d{1,2}%)/,
    not: re(`${EN_NOT_PRICE}|\\?|can we|could we|if you`),
  },
];
