/**
 * Customer-only asks: price_inquiry (a price, quote, price list or a lower price) and
 * buying_signal (a procurement step with this vendor). Receipts (报价单收到了), praise and
 * forwarding collateral to the boss fire nothing; neither does chatter addressed to a colleague.
 */
import type { Rule } from './types.ts';
import { E, G, re } from './patterns.ts';

const rule = (id: string, kind: Rule['kind'], lang: Rule['lang'], confidence: number, pattern: string, not?: string): Rule => ({
  id: `${lang}.${kind === 'price_inquiry' ? 'price' : 'buying'}.${id}`,
  kind,
  role: 'customer',
  lang,
  confidence,
  re: re(pattern),
  ...(not ? { not: re(not) } : {}),
});

// "@小王 你把采购申请提一下": addressed to a colleague, not to the vendor (ACTIONS.md: internal chatter is []).
const ZH_TO_COLLEAGUE = `^@\\S+\\s*(?:你|麻烦你|帮忙)?(?:把|先|去|跟进|负责|提|走|安排|看下|看一下)(?!${G}*(?:发我|给我|告诉我|发给我们))`;
const EN_TO_COLLEAGUE = '^@\\S+\\s+(?:can you|could you|please)\\b(?!.*\\b(?:send (?:me|us)|let me know)\\b)';
const ZH_RECEIPT = `收到${G}{0,4}$|已收到|收到了`;

/** price_inquiry and buying_signal, both languages. */
export const CUSTOMER_RULES: Rule[] = [
  rule(
    'ask_price',
    'price_inquiry',
    'zh',
    0.9,
    `多少钱|什么价|啥价|什么价位|价位(?:是|大概|在)|价格(?:是)?(?:多少|怎么样|如何)|(?:怎么|如何)(?:收费|卖|算钱|计费|报价)|收费(?:标准|方式|模式)|费用(?:大概|大约|一般)?(?:是)?(?:多少|怎么算)|(?:报|给|出)(?:个|一个|一份|一下|下)(?:价|报价|底价|预算价)|(?:给|发)(?:我|我们)(?:一份|一个|个)?(?:报价|价格)|(?:能|可以|方便)报(?:个)?价|报价单?${G}{0,4}(?:发|给)(?:我|我们)|价目表|价格表|价格清单|多少一(?:年|台|套|个|月)|一(?:年|台|套|个)(?:要|大概)?多少`,
    ZH_RECEIPT,
  ),
  rule(
    'ask_discount',
    'price_inquiry',
    'zh',
    0.85,
    `最低(?:能|可以)?(?:给到|做到|到)?多少|底价|几折|(?:能|可以)打(?:几|个)?折|折扣(?:是|有)?多少|有(?:没有)?(?:折扣|优惠)|优惠(?:空间|力度|政策)|(?:便宜|少)(?:点|些|一点|一些)|能不能(?:再)?(?:便宜|优惠|降)|(?:价格|价钱|报价|费用)${G}{0,4}(?:能|可以|可不可以|能不能|还能)(?:再)?(?:降|少|便宜|优惠)|(?:能|可以)(?:再)?降(?:一点|点|些|一些)|还能(?:再)?(?:少|降|便宜|优惠)|(?:批量|团购|多买|长签|签三年)${G}{0,6}(?:折扣|优惠|便宜)|(?:能不能|能否|可以|可不可以)(?:做到|给到|到)${G}{0,3}\\d`,
  ),
  rule(
    'ask_price',
    'price_inquiry',
    'en',
    0.9,
    `how much (?:is|does|would|will|for|do|are)|what(?:'s| is| are| would be) (?:the |your )?(?:price|cost|pricing|rate)|what do(?:es)? (?:it|you|this|that) (?:cost|charge)|pricing (?:for|on|look like)|price list|rate card|(?:send|give|get|share|provide)(?: me| us)? (?:a |the |your |an )?(?:\\w+ )?(?:quote|quotation|pricing|price list|estimate)\\b|can (?:you|i|we) get (?:a |the )?(?:quote|quotation|price|estimate)|ballpark|what would it cost|cost per (?:seat|user|unit|license)`,
  ),
  rule(
    'ask_discount',
    'price_inquiry',
    'en',
    0.85,
    `best price|(?:any|a|some) discounts?|discounts? (?:for|if|on)|room (?:on|in) (?:the )?pric|(?:lower|reduce|sharpen) (?:the |your )?(?:price|pricing|quote)|(?:a |any )?cheaper (?:option|plan|tier)|(?:do|can) (?:any )?better on (?:the )?price|wiggle room|volume pricing|multi-?year (?:discount|pricing)|negotiable|flexib(?:le|ility) on (?:the )?pric|(?:can|could|would) you (?:do|go|match|accept|meet)${E}{0,10}[$¥€£]?\\d`,
  ),

  rule(
    'contract_process',
    'buying_signal',
    'zh',
    0.85,
    `合同(?:流程|怎么签|怎么走|模板|范本)|签约流程|走合同|(?:需要|要|得)走(?:采购|招标|流程|审批|比价)|采购(?:流程|申请|单)|请购|招(?:标|投标)(?:流程|文件|公告|挂网|参数)|供应商(?:入库|准入|注册|资质|资料)|入库(?:资料|材料)|(?:提了?|提交了?|发起了?|走了)(?:采购申请|请购|采购单|付款申请|oa)|已(?:经)?立项|立项(?:了|通过)|预算(?:已经)?(?:批|申请)下来了|下一步(?:怎么走|怎么弄|走什么流程|需要(?:我们)?做什么)|签几年|签(?:一|两|三|几)年|(?:一|两|三)年一签|合同期(?:多长|多久|几年)?|合同(?:一般)?(?:签)?多久|合同${G}{0,4}(?:转|发|给)(?:给)?了?法务|法务(?:在|正在)?审`,
    ZH_TO_COLLEAGUE,
  ),
  rule(
    'invoice_payment',
    'buying_signal',
    'zh',
    0.85,
    `专票|普票|(?:能|可以)?开(?:票|发票|增值税)|发票(?:怎么开|能开|抬头|类型)|付款(?:方式|条件|条款|节点|周期|账期|比例)|账期|对公(?:转账|付款|账户)|(?:可以|能)分期(?:付款)?吗|预付(?:款)?比例|开户行`,
    ZH_TO_COLLEAGUE,
  ),
  rule(
    'implementation',
    'buying_signal',
    'zh',
    0.8,
    `多久(?:能|可以)?(?:上线|交付|到货|部署|实施|用上|发货)|什么时候(?:能|可以)?(?:上线|交付|到货|发货|部署|实施|开通|安装)|(?:实施|交付|部署|安装)(?:周期|计划|排期|多久|需要多久|要多久)|货期|交期|培训${G}{0,3}(?:怎么|如何|几天|多久|安排|吗)|(?:先|可以|申请|想)试用|试用(?:一|两|几)?(?:个月|周|天)|(?:历史)?数据(?:迁移|导入|能导|怎么导)|(?:迁移|导)(?:过来|进来)|测试环境|沙箱|试用账号|开(?:个)?(?:试用|测试)(?:账号|环境)`,
    ZH_TO_COLLEAGUE,
  ),
  rule(
    'expansion',
    'buying_signal',
    'zh',
    0.8,
    `(?:再|要|想)(?:加|增加|多开|开通|扩)${G}{0,4}\\d*${G}{0,2}(?:个)?(?:账号|席位|许可|license|门店|台|站点|用户)|新(?:开|增)的?${G}{0,6}(?:门店|分公司|工厂|校区|仓库|科室)${G}{0,6}(?:也要|也用|也上|也想)`,
    ZH_TO_COLLEAGUE,
  ),

  rule(
    'contract_process',
    'buying_signal',
    'en',
    0.85,
    `contract process|(?:msa|contract|agreement) template|(?:send|share)(?: me| us)?(?: over)? (?:your|the) (?:msa|contract|paperwork|order form|agreement)\\b|vendor (?:onboarding|registration|setup|form|approval)|set (?:you|your company) up as a (?:vendor|supplier)|\\bw-?9\\b|procurement (?:process|team|portal) (?:will|needs|requires|is)|purchase (?:request|requisition)|raise (?:a|the) po\\b|(?:submitted|sent|forwarded) (?:it|the contract|the agreement|your contract) to (?:legal|our lawyers|procurement)|legal is (?:reviewing|looking at)|(?:legal|our lawyers?) (?:has|have) (?:a few |some )?(?:redlines|comments|changes)|(?:passing|pass|sending|forwarding|forwarded|passed) it (?:on )?to (?:our )?(?:legal|lawyers|procurement)|rfp (?:process|is|goes)`,
    EN_TO_COLLEAGUE,
  ),
  rule(
    'invoice_payment',
    'buying_signal',
    'en',
    0.85,
    `vat invoice|(?:issue|send|need) (?:an? |the )?invoice|(?:split|divide) the invoice|invoice (?:us )?(?:in|into) (?:two|2|installments|parts)|invoic(?:e|ing) (?:process|details|address)|payment terms|net ?(?:30|45|60|90)\\b|pay (?:by|via) (?:wire|bank transfer|credit card|ach)|pay in installments\\?|pay (?:quarterly|monthly|annually|upfront|in advance)|(?:quarterly|monthly|annual) (?:billing|payments?)\\b|billing (?:address|contact|cycle)`,
    EN_TO_COLLEAGUE,
  ),
  rule(
    'implementation',
    'buying_signal',
    'en',
    0.8,
    `implementation (?:timeline|take|plan|process|look like|schedule)|how (?:long|soon) ${E}{0,25}(?:go[- ]live|implement|onboard|deploy|set up|install|deliver)|when (?:could|can|would) we (?:go[- ]live|start|get (?:it|set up))|go[- ]live date|onboarding (?:take|timeline|process|plan)|(?:do you|is there|will you|can you) (?:\\w+ ){0,3}training|training (?:for|included|sessions?)|migrat(?:e|ion) (?:our|the|from)|import (?:our|the) (?:existing|historical|old) data|sandbox|test environment|trial account|(?:need|want) (?:this|it) (?:live|running|installed|deployed|up and running)|go[- ]live by|lead time|up and running\\?|what do (?:we|you) need (?:from us )?to get started|how do we get started|(?:enrollment|enrolment|onboarding) process`,
    EN_TO_COLLEAGUE,
  ),
  rule(
    'expansion',
    'buying_signal',
    'en',
    0.8,
    `add (?:(?<!\\d)\\d+|more|another|a few|extra) (?:\\w+ )?(?:seats|licenses|licences|users|sites|stores|locations|machines|units)|roll (?:it |this )?out to (?:the |our )?(?:other|new|rest|remaining)|expand (?:it |this )?to (?:our |the )?(?:other|new)`,
    EN_TO_COLLEAGUE,
  ),
];
