/**
 * Rep-only "sent" actions found in the text: quote_sent (as a document), proposal_sent,
 * material_sent, contract_sent. Each document kind is one noun pattern run through the same few
 * sending shapes (已发/发您了, 请查收, 附件是, 发您审一下, "attached is", "i've sent"), with
 * the same vetoes: a promise to send later, a remark about an earlier send, a question.
 */
import type { ActionKind, MaterialType } from '../../core/types.ts';
import type { Rule, RuleAttrs } from './types.ts';
import { E, EN_LATER_SEND, EN_SENT, G, re, ZH_EARLIER, ZH_HERE, ZH_LATER_SEND, ZH_RECEIVE, ZH_SENT } from './patterns.ts';

interface DocSpec {
  /** Short name used in rule ids: `zh.quote.doc_sent`. */
  name: string;
  kind: ActionKind;
  zh: string;
  en: string;
  /** Substrings one of which every match of `zh` / `en` contains (Rule.needs). */
  zhNeeds: readonly string[];
  enNeeds: readonly string[];
  /** Extra veto: things that look like the document but are not (发票资料, nda). */
  zhNot?: string;
  enNot?: string;
  /** Attributes from the matched document name (演示视频 → materialType video). */
  attrs?: (doc: string) => RuleAttrs | null;
}

const MATERIAL_TYPE_OF: [RegExp, MaterialType][] = [
  [/视频|录屏|video|recording/, 'video'],
  [/对比|comparison|battle ?card/, 'comparison'],
  [/案例|case|stor(y|ies)/, 'case'],
  [/白皮书|white ?paper/, 'whitepaper'],
  [/参数|规格|data ?sheet|spec/, 'datasheet'],
  [/报告|证书|report|certific/, 'report'],
  [/手册|宣传|彩页|画册|介绍|brochure|one-pager|catalog/, 'brochure'],
];

/** The material type a collateral name implies (演示视频 → video), or undefined for 资料. */
export function materialTypeOf(name: string): MaterialType | undefined {
  for (const [pattern, type] of MATERIAL_TYPE_OF) if (pattern.test(name)) return type;
  return undefined;
}

const DOCS: DocSpec[] = [
  {
    name: 'quote',
    kind: 'quote_sent',
    zh: '(?:报价单|报价表|报价函|正式报价|报价方案|价格表|价目表|价格清单|价格单|报价)',
    zhNeeds: ['价'],
    enNeeds: ['quot', 'pric', 'estimate'],
    en: '(?:quote|quotation|pricing(?: sheet| proposal| breakdown| details)?|price (?:sheet|list|breakdown)|estimate)\\b',
    // A discount still waiting for sign-off is not a quote yet (ACTIONS.md).
    zhNot: `(?:还在|正在|在)(?:申请|审批|走流程)|申请中|审批中|待审批|还没批|等${G}{0,6}批`,
    enNot: "pending approval|awaiting approval|once (?:it's |it is )?approved|still (?:waiting|working)",
  },
  {
    name: 'proposal',
    kind: 'proposal_sent',
    zh: '(?:(?<!报价)方案(?:书)?|建议书|规划书|计划书|roi(?:测算|分析)?(?:表|报告)?|投资回报(?:测算|分析)表?|实施计划)',
    zhNeeds: ['方案', '建议书', '规划书', '计划', 'roi', '投资回报'],
    enNeeds: ['proposal', 'solution', 'roi', 'business case', 'implementation', 'rollout', 'deployment', 'project', 'pilot'],
    en: '(?:(?<!pricing )proposal|solution (?:deck|design|overview|document|doc)|(?:roi|business case|implementation|rollout|deployment|project|pilot) (?:deck|plan|proposal|analysis|model|calculator|doc|document))\\b',
  },
  {
    name: 'material',
    kind: 'material_sent',
    zhNeeds: ['案例', '白皮书', '参数', '规格', '手册', '宣传', '彩页', '画册', '对比', '视频', '证书', '录屏', '报告', '介绍', '资料'],
    enNeeds: [
      'case stud',
      'stor',
      'paper',
      'sheet',
      'spec',
      'comparison',
      'battle',
      'video',
      'recording',
      'brochure',
      'one-pager',
      'catalog',
      'report',
      'certificat',
      'collateral',
    ],
    zh: '(?:案例(?:集|合集)?|白皮书|参数表|规格书|规格表|技术参数|参数|产品手册|宣传册|彩页|画册|对比表|对比分析|对比资料|竞品对比|(?:演示|产品|介绍|操作|demo|宣传|案例|场景|功能)?视频(?!会议|会|通话|电话|号|连线)|(?:等保|认证|检测|iso|ce|fda|nmpa)?证书|录屏|检测报告|测试报告|质检报告|认证证书|认证报告|第三方报告|产品介绍|公司介绍|资料)',
    en: '(?:case stud(?:y|ies)|customer stor(?:y|ies)|success stor(?:y|ies)|white ?paper|data ?sheet|spec(?:ification)? sheet|specs|technical specifications|comparison (?:table|chart|sheet|matrix|doc|guide)|battle ?card|(?:demo|product|walkthrough|explainer|overview|recorded|short|quick) video|video (?:demo|walkthrough|of (?:the|our) (?:demo|product|line|machine|system))|recording of (?:the|our) (?:demo|product)|brochure|one-pager|catalog(?:ue)?|(?:test|lab|audit|validation|benchmark|soc ?2|security|compliance|pen(?:etration)? test) report|certificat(?:e|ion)s?|collateral)\\b',
    // Onboarding papers, invoices, minutes and photos are not collateral (ACTIONS.md).
    zhNot: '(?:入库|资质|开票|发票|纪要|照片|图片|截图|营业执照|报名|个人)资料|纪要|发票',
    enNot: 'minutes|invoice|receipt|photos?\\b|screenshots?',
    attrs: (doc) => {
      const materialType = materialTypeOf(doc);
      return materialType ? { materialType } : {};
    },
  },
  {
    name: 'contract',
    kind: 'contract_sent',
    zhNeeds: ['合同', '协议', '确认', '链接', '电子签', 'e签宝', '法大大', '上上签', 'docusign'],
    enNeeds: ['contract', 'agreement', 'msa', 'order', 'sign', 'statement of work', 'sow'],
    zh: '(?:合同|(?<!通信|通讯|接口|传输|网络|用户|隐私|服务等级)协议|订单确认书|订单确认单|确认书|签署链接|签约链接|电子签|e签宝|法大大|上上签|docusign)',
    en: '(?:contract|(?<!non-disclosure |confidentiality )agreement|msa|order form|order confirmation|docusign(?: envelope)?|e-?sign(?:ature)? (?:link|request|envelope)|signing link|statement of work|sow)\\b',
  },
];

// A question about the send ("发您了吗") or about the document is not a send.
const ZH_ASKED = `(?:发|传|给)${G}{0,6}(?:了吗|没有?\\?|吗)|^${G}*吗\\??$`;
const EN_EARLIER = `(?:last (?:week|month|time)|earlier|previous(?:ly)?|yesterday|the other day|a (?:few|couple of) days ago|did you (?:get|see|receive|review|have|manage)|have you (?:had|got|seen|reviewed))`;

function zhRules(d: DocSpec): Rule[] {
  const doc = `(?<doc>${d.zh})`;
  const not = re(
    `${ZH_LATER_SEND}|${ZH_EARLIER}|${ZH_ASKED}|${d.zh}${G}{0,4}(?:收到|看了|看过)|(?:要|想|需要|找)${G}{0,4}${d.zh}`,
    d.zhNot ? `|${d.zhNot}` : '',
  );
  const base = { kind: d.kind, role: 'rep' as const, lang: 'zh' as const, not, attrs: attrsOf(d), needs: d.zhNeeds };
  return [
    // One comma may separate the document from the send: 报价单有个数字写错了，更正版发您了.
    { ...base, id: `zh.${d.name}.doc_sent`, confidence: 0.9, re: re(doc, '[^。!?;\\n]{0,14}', ZH_SENT) },
    {
      ...base,
      id: `zh.${d.name}.sent_doc`,
      confidence: 0.9,
      re: re(`(?:(?:已|已经|刚|刚刚)(?:把|将)?|(?:给|向)(?:您|你|贵司|各位)(?:发|传|寄)(?:了|过去了))${G}{0,8}`, doc),
    },
    { ...base, id: `zh.${d.name}.please_receive`, confidence: 0.9, re: re(`${doc}${G}{0,12}${ZH_RECEIVE}`) },
    { ...base, id: `zh.${d.name}.here_is`, confidence: 0.85, re: re(ZH_HERE, `${G}{0,12}`, doc) },
    {
      ...base,
      id: `zh.${d.name}.send_for_review`,
      confidence: 0.8,
      re: re(doc, `${G}{0,6}(?:发|给|传)(?:您|你|贵司|您们|你们)(?:看看|看一下|看下|参考|审|过目|确认|签|查收|瞧瞧)`),
    },
    {
      ...base,
      id: `zh.${d.name}.send_now`,
      confidence: 0.7,
      re: re(`(?:^|[,。])(?:给|发)(?:您|你)(?:发|传)?(?:一下|一份|一个|个|下)${G}{0,8}`, doc),
    },
  ];
}

function enRules(d: DocSpec): Rule[] {
  const doc = `(?<doc>${d.en})`;
  const not = re(
    `${EN_LATER_SEND}${E}{0,40}${d.en}|${d.en}${E}{0,40}(?:tomorrow|later|next week|once|after|by (?:eod|end of|mon|tue|wed|thu|fri))|${EN_EARLIER}${E}{0,60}${d.en}|${d.en}${E}{0,60}${EN_EARLIER}|\\b(?:need|want|looking for|find) (?:a |the |your )?${d.en}`,
    d.enNot ? `|${d.enNot}` : '',
  );
  const base = { kind: d.kind, role: 'rep' as const, lang: 'en' as const, not, attrs: attrsOf(d), needs: d.enNeeds };
  return [
    { ...base, id: `en.${d.name}.sent_doc`, confidence: 0.85, re: re(EN_SENT, `${E}{0,40}`, doc) },
    {
      ...base,
      id: `en.${d.name}.doc_sent`,
      confidence: 0.85,
      re: re(
        doc,
        `${E}{0,40}(?:(?:is|are) (?:now )?(?:attached|in your inbox|on its way|in the (?:shared )?(?:folder|drive|channel))|(?:has|have) been (?:sent|shared|uploaded|emailed|posted)|attached|enclosed|for your (?:review|signature|records|reference))`,
      ),
    },
    // "Brochure sent!": the short form, only at the end so "the quote i sent" is not caught.
    { ...base, id: `en.${d.name}.doc_sent_short`, confidence: 0.8, re: re(doc, `${E}{0,10}(?:sent|shared|uploaded)[!. ]*$`) },
    {
      ...base,
      id: `en.${d.name}.please_review`,
      confidence: 0.75,
      re: re(`please (?:review|sign|countersign|find|see|take a look at|check)${E}{0,30}`, doc),
    },
  ];
}

function attrsOf(d: DocSpec): Rule['attrs'] {
  const derive = d.attrs;
  if (!derive) return undefined;
  return (m) => derive(m.groups?.doc ?? '');
}

/** Every text rule for a document being sent, both languages. */
export const SENDING_RULES: Rule[] = DOCS.flatMap((d) => [...zhRules(d), ...enRules(d)]);
