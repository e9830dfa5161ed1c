/**
 * What a message is about (core/types.ts `TOPICS`), so coaching picks the knowledge atom that
 * answers the customer's question rather than one for the deal's stage.
 *
 * A topic is the subject matter, whoever says it and whether or not it is a question: 「发票收到了」
 * is about payment, 「案例发您了」 about references. The coach mostly reads customer questions;
 * `MessageAnalysis.question` says which messages are those. A word that only names a document
 * being sent is not a subject: 「合同发您了」 is contract_sent, not a legal question, and 「钉钉上发您了」
 * names a chat platform, not an integration.
 *
 * Patterns are written against normalised text (./text.ts: lower case, full-width folded) and
 * use only bounded quantifiers, so one test costs a scan of the text and no more.
 */
import { TOPICS, type Topic } from '../core/types.ts';
import { messageLiterals } from './prefilter/shared.ts';
import { matchCompetitor } from './rules/competitors.ts';
import { E, G } from './rules/patterns.ts';

/** A topic's pattern and the vetoes that hold on the same text. */
interface TopicPattern {
  topic: Topic;
  /** Alternatives, each either Chinese (holds an ideograph) or Latin: see `script`. */
  parts: string[];
  /** When this matches too, the topic is not reported. */
  not?: RegExp;
}

// Systems a customer integrates with. 钉钉/企业微信/飞书 are also the chat platforms, so they
// count only beside an integration word (「能和钉钉打通吗」), never alone (「钉钉上发您了」).
const SYSTEMS = '(?:erp|oa|crm|hrm?|mes|wms|scm|his|lis|pacs|sap|oracle|金蝶|用友|k3|u8|nc|钉钉|企业微信|企微|飞书|财务系统|oa系统|现有系统|内部系统|业务系统)';
const ZH_LINK = '(?:对接|集成|打通|同步|兼容|连通|联通|接入|导入|导出|连接|连起来|接起来|打通)';

const PATTERNS: readonly TopicPattern[] = [
  {
    topic: 'security',
    parts: [
      '(?:数据|信息|网络|系统|账号)安全|安全(?:性|认证|合规|资质|审计|评估|测评|漏洞|策略|等级|防护)',
      '等保|等级保护|等宝|密评|国密|信创|国产化适配|安不安全|(?:系统|数据|平台)?安全(?:吗|么)|云端还是本地|本地还是云',
      '私有化|私有话|私有部署|私有云|本地(?:化)?部署|内网部署|离线部署|本地服务器|自己的服务器|部署在(?:我们|本地|内网|院内|厂内|自己)',
      `数据${G}{0,6}(?:存|放|保存|存储|托管)(?:在)?${G}{0,4}(?:哪|什么地方|国内|境内|境外|本地|云|服务器|机房)|(?:服务器|机房)(?:在|放在?)(?:哪|什么地方)|数据出境|数据主权`,
      '加密|脱敏|泄露|泄漏|防泄|渗透测试|漏洞扫描|权限管控|访问控制|审计日志|容灾|灾备|备份机制',
      '个人信息保护|个保法|网络安全法',
      'iso ?27001|soc ?2|gdpr|hipaa',
      '\\bsecurity\\b|\\bsecure (?:data|storage|connection|hosting)|data (?:residency|sovereignty|protection|privacy|location|center|centre)',
      `where ${E}{0,20}data ${E}{0,10}(?:stored|hosted|kept|live|reside)|data (?:is |gets |will be )?(?:stored|kept|hosted)`,
      '\\bhosting\\b|\\bhosted\\b|on-?prem(?:ise|ises)?\\b|self-?hosted|private (?:cloud|deployment)|encrypt|pen(?:etration)? ?test|vulnerabilit|\\bsoc\\b',
    ],
  },
  {
    topic: 'implementation',
    parts: [
      '(?<!线|(?:版本|功能|新品|小程序|活动|官网|app)[^,。!?]{0,4})上线|驻场|驻点|实施|交付(?:周期|时间|团队|计划|节奏|工期)|(?:多久|多长时间|什么时候|何时)(?:能|可以|才能)?(?:交付|部署|用上|用起来|装好|落地|切换)',
      '(?:多久|多长时间|什么时候|何时)(?:能|可以|才能)(?:用|使用|启用|投入使用)|工期|项目周期|部署(?:周期|时间|要多久|需要多久|多长时间|好|完)|上门(?:实施|部署|安装|调试)|安装调试|现场(?:支持|服务|工程师|调试|部署)',
      '数据迁移|迁移数据|系统切换|切换系统|项目经理|落地(?:周期|时间|实施|计划)',
      '\\bgo[- ]?live\\b|implementation|\\bimplement(?:ing|ed)?\\b|\\bonboarding\\b|\\brollout\\b|\\broll(?:ing)? (?:it )?out\\b|cut-?over|\\bmigrat(?:e|ion|ing)\\b',
      '(?:deployment|rollout|implementation|setup|set-up|onboarding) (?:time|timeline|plan|schedule|period)',
      `how long ${E}{0,30}(?:take|deploy|set ?up|install|go live|up and running)|up and running|on-?site (?:support|team|engineers?|staff|implementation|deployment|resources?)|(?:be|stay|work) on-?site`,
    ],
  },
  {
    topic: 'integration',
    parts: [
      // 对接人/接口人 are contact persons, 跟您对接 is liaising: neither is a system.
      '(?:系统|接口|数据|平台|api)(?:对接|集成|打通|同步|互通)|对接(?!人|一下|下|您|你|好了吗)(?:我们的?|现有的?)?(?:系统|平台|接口|数据)',
      `${SYSTEMS}(?:系统)?${G}{0,4}${ZH_LINK}|${ZH_LINK}${G}{0,6}${SYSTEMS}|(?:和|与|跟|连|支持|兼容)(?:我们的?|现有的?)?${SYSTEMS}(?:系统)?(?:吗|么|对接|集成|打通)`,
      '(?:能|可以|支持)(?:不能)?对接(?:吗|么|不)|(?<!接口|对接)接口(?!人)|集成|(?<![话没不])打通(?!电话)|数据同步|自动同步|实时同步|单点登录',
      '\\bsso\\b|\\bapi\\b|\\bapis\\b|\\bsdk\\b|webhook|\\bldap\\b',
      '\\bintegrat(?:e|es|ed|ion|ions|ing)\\b|\\bconnectors?\\b|\\bsync(?:s|ing|hroni[sz]e)? (?:with|to|data|our)|data sync|single sign-?on|active directory',
      `(?:connect|plug|talk|work|hook) ${E}{0,12}(?:into|to|with) (?:our |their |the )?(?:erp|sap|crm|salesforce|oracle|netsuite|workday|hris|oa|systems?|stack)\\b`,
    ],
  },
  {
    topic: 'payment',
    parts: [
      '付款|支付(?:方式|条件|周期|节点)|账期|帐期|(?<!分期)分期(?!实施|上线|建设|部署|交付|推进|开发|采购|项目)|分(?:几|两|三|四)期(?:付|支付|付款|打款)|发票|专票|普票|开票|增值税|税点|税率|含税|对公|打款|汇款|转账|预付(?:款)?|首付|尾款|定金|订金|月结|月付|季付|年付|信用期|结算方式|回款',
      '\\bpayment|\\bpay (?:in|by|via|with|monthly|annually|quarterly|upfront|up front)|installments?|instalments?|\\bnet ?(?:15|30|45|60|90)\\b|\\binvoic|\\bbilling\\b|\\bbilled\\b|wire transfer|bank transfer|\\bdeposit\\b|credit terms|\\bvat\\b|\\btax (?:invoice|receipt|id)',
    ],
  },
  {
    topic: 'discount',
    parts: [
      '打(?:个|点)?(?:几|[一二三四五六七八九\\d])?(?:\\.\\d)?折|(?<![打周曲])(?:[一二三四五六七八九]|\\d(?:\\.\\d)?)折(?!腾|叠|扣率|线|算)|折扣|优惠|让利|让(?:一|个)?(?:点|步)|(?:便宜|少|降)(?:点|些|一点|一些)|(?:能不能|可不可以|能|可以|再)(?:便宜|降价|降)|降价|砍价|还价|议价|抹零|抹个零|去零头|最低价|底价|最低(?:多少|能给|能到|给到)|(?:价格|价钱)(?:还有|有没有)?(?:空间|余地)|返点|折让|促销|活动价|团购价|特价',
      '\\bdiscount|\\d+ ?(?:%|percent) off|\\bcheaper (?:option|plan|tier|price)|(?:make (?:it|this)|go|get (?:it|this)|any|little|bit) cheaper|(?:lower|reduce|sharpen|better) (?:the |your |that )?(?:price|pricing|quote|rate)|\\bbest price|price (?:break|reduction|cut|match)|come down (?:on|in|a bit)|wiggle room|flexib(?:le|ility) on (?:the )?pric|\\bpromo(?:tion)?s?\\b|\\bcoupon|special (?:price|offer|pricing|rate)|volume pricing|negotiable',
    ],
  },
  {
    topic: 'competitor',
    // Named vendors come from the shared list in ./rules/competitors.ts (see detectTopics).
    parts: [
      '比一比|比一下|比较一下|对比一下|对比表|对比|比价|货比三家|横向(?:比较|对比|评测)|(?:同时|也|还)在(?:看|谈|接触|评估|比)|(?:几|多|两|三)家(?:在比|对比|比较|一起比)|人家(?:报价|价格|只要|才)',
      '\\bvs\\.?\\b|\\bversus\\b|\\bcompar(?:e|ed|es|ing|ison)\\b|shopping around|\\bincumbent\\b|\\balternatives? to (?:you|your)|other (?:quotes|bids|offers)',
    ],
    // Comparing our own plans or versions is not about another vendor.
    not: /(?:版本|套餐|方案[a-z一二三]|两个方案|前后|去年|上个月|上月|同比|环比)(?:的)?(?:对比|比较)|(?:对比|比较)(?:一下)?(?:两个|几个)?(?:版本|套餐|方案)|compare (?:plans|tiers|editions|versions|the (?:plans|tiers|editions|two plans))|year over year|compared to last/,
  },
  {
    topic: 'legal',
    parts: [
      '条款|法务|律师|违约|责任(?:上限|限制|限额|条款|划分|认定)|赔偿|免责|知识产权|著作权|专利|ip归属|保密协议|保密条款|管辖|仲裁|争议解决|适用法律|法律|红线|合规条款|数据处理协议',
      `合同${G}{0,8}(?:修改|改动|修订|批注|审核|审查|意见|改一下|有问题|风险)|(?:修改|修订|批注)${G}{0,4}(?:合同|协议)`,
      '\\blegal\\b(?! (?:entity|name))|\\blawyers?\\b|\\bcounsel\\b|\\battorneys?\\b|red-?lines?|red line|\\bliabilit|\\bindemni|intellectual property|\\bip (?:rights|ownership|clause)|\\bnda\\b|non-disclosure|confidentiality (?:agreement|clause|terms)|terms and conditions|\\bt ?& ?cs?\\b|\\bclauses?\\b|governing law|jurisdiction|arbitration|\\bwarrant(?:y|ies)\\b|termination (?:clause|rights|for)|\\bdpa\\b|data processing agreement|contract (?:terms|language|changes|review|redlines)',
    ],
  },
  {
    topic: 'executive',
    parts: [
      `(?:董事长|老板|总经理|老总|高层|领导|总裁|副总|一把手|ceo|cto|cfo|coo|院长|校长|局长|书记|合伙人|创始人|负责人)${G}{0,12}(?:见(?:个|一)?面|见见|见一下|碰(?:个面|一下|个头)|拜访|会面|会晤|吃(?:个)?饭|聊聊|坐坐|喝(?:个)?茶|过来|过去看看|来一趟|亲自|出面|到场|出席|带队)`,
      `(?:拜访|见见|见一下|约)${G}{0,4}(?:董事长|老板|总经理|老总|高层|领导|总裁|ceo|院长|校长)|高层(?:会面|拜访|对接|互访|交流|会谈)|(?:领导|高层)互访`,
      `\\b(?:ceo|cto|cfo|coo|cio|president|founder|chairman|chairwoman|chair|vp|svp|evp|executives?|leadership|senior management|boss|managing director|general manager|head of \\w+)\\b${E}{0,30}\\b(?:meet(?!s\\b|ing\\b)|meeting with|visit|dinner|lunch|sit down|intro|introduce|connect with|call with|get on a call)`,
      '\\b(?:exec(?:utive)?|leadership|c-level|ceo)[- ](?:sponsor|meeting|alignment|briefing|intro|dinner|visit|to[- ]exec)|\\bc-suite\\b',
    ],
    // Reporting to one's own boss is an authority objection, not a meeting of executives.
    not: /汇报|请示|(?:老板|领导)(?:说|觉得|认为|不同意|没批)/,
  },
  {
    topic: 'references',
    parts: [
      '案例|同行(?!人|的人|者|人员)|同行业|同类(?:客户|企业|公司|医院|学校|工厂|项目)|客户名单|(?:有|服务过)(?:哪些|什么|哪几家)(?:客户|企业|公司|医院|学校)|哪(?:些|几)家(?:在用|用了|用过)|谁在用|有谁(?:在)?用|在用的(?:客户|企业|公司|医院)',
      '参观|考察|实地(?:看|去)|去(?:你们)?(?:客户|现场|工厂|样板)(?:那里|那边)?看|标杆|样板(?:客户|间|工程|点|项目)|口碑|用户评价|推荐(?:几个|一些)?客户|背书|成功(?:经验|项目)',
      '\\bcase stud(?:y|ies)\\b|\\breferences?(?: customers?| clients?| calls?| checks?| sites?| accounts?)\\b|(?:customer|client) references?|(?:any|some|a few|provide|give|share|speak to|talk to) (?:a )?references?\\b',
      '\\bcustomer (?:list|stories|story|logos?|success)|success stor(?:y|ies)|testimonials?|who else (?:uses|is using|has)|other customers|similar (?:companies|customers|clients|hospitals|schools)|in (?:our|the same) industry|\\bpeers\\b|site visit|showcase|lighthouse customer',
    ],
  },
  {
    topic: 'training',
    parts: [
      '培训|上手|教程|(?:使用|操作|用户)(?:手册|指南|说明)|说明书|教学|学习成本|好学|难学|学得会|学会|(?:怎么|如何)(?:使用|操作)|怎么用|咋用|使用方法|入门',
      '\\btraining\\b|\\btrain (?:our|the|my|your|new)\\b|\\btutorials?\\b|user (?:guide|manual)s?|\\bhow-to\\b|learning curve|easy to (?:learn|use|pick up)|\\bdocumentation\\b|help (?:docs|center|centre)|\\bonboarding (?:session|training|course)',
    ],
  },
  {
    topic: 'trial',
    parts: [
      `试用|试点|试运行|试跑|(?:系统|产品|软件|功能|平台|app|效果)${G}{0,4}试(?:试|一下|一试)|试(?:试|一下|一试)(?:你们的?)?(?:系统|产品|软件|功能|平台|app|效果)|测试(?:账号|帐号|环境|版|期)|(?:演示|体验|demo) ?(?:账号|帐号|版|环境)|免费(?:用|体验|试)|先试(?:试|一下|用)|概念验证|沙箱|先用(?:一段时间|几天|一下|一个月|两周)|开(?:个|通)(?:试用|测试|体验)?(?:账号|帐号)`,
      '(?<!clinical )\\btrial\\b|\\bpoc\\b|proof of concept|\\bpilot\\b|test (?:account|environment|instance)|\\bsandbox\\b|demo (?:account|environment|instance|login)|test drive|\\btry (?:it|the (?:product|platform|system|tool|software)|out|before)',
    ],
  },
];

const CJK = /[\u3400-\u9fff]/;
const LATIN = /[a-z]/;

/** One topic's alternatives of one script, as one pattern. */
interface Part {
  topic: Topic;
  cjk: boolean;
  re: RegExp;
}

// An alternative with an ideograph needs one in the text, one without needs a Latin letter
// (every Latin alternative holds a word): most messages are one script, so most try one. Latin
// alternatives all start a word; a \b in front lets the engine skip every position inside a word.
const PARTS: readonly Part[] = PATTERNS.flatMap((p) =>
  [true, false].flatMap((cjk) => {
    const parts = p.parts.filter((x) => CJK.test(x) === cjk);
    if (parts.length === 0) return [];
    return [{ topic: p.topic, cjk, re: new RegExp(cjk ? `(?:${parts.join('|')})` : `\\b(?:${parts.join('|')})`) }];
  }),
);
/**
 * The parts' required literals (./prefilter): one scan of the text says which topics can be there
 * at all, and only their patterns run. Three messages in four have no topic.
 */
const LITERALS = messageLiterals(PARTS.map((p) => p.re));
const VETO = new Map<Topic, RegExp>(PATTERNS.flatMap((p) => (p.not ? [[p.topic, p.not] as const] : [])));

/** Marks in `found` the topics whose patterns match somewhere in `text`. */
function scan(text: string, found: Set<Topic>): void {
  const cjk = CJK.test(text);
  const latin = LATIN.test(text);
  LITERALS.scan(text);
  for (let i = 0; i < PARTS.length; i++) {
    const p = PARTS[i] as Part;
    if ((p.cjk ? cjk : latin) && !found.has(p.topic) && LITERALS.candidate(i) && p.re.test(text)) found.add(p.topic);
  }
}

// Beside an integration or hosting word a named vendor is a system to connect to or a cloud to
// run on, not a competitor: 「能和金蝶对接吗」, 「服务器在阿里云」; 「金蝶便宜一半」 is a competitor.
const SYSTEM_CONTEXT = new RegExp(`${ZH_LINK}|接口|服务器|机房|部署|云上|\\bintegrat|\\bapi\\b|\\bconnect|\\bsync|\\bhost|\\bdeploy`);

/**
 * The topics of one message, in TOPICS order, from normalised text (./text.ts `normalize`).
 * `competitorMentioned`: the classifier's competitor_mentioned for this message, when known.
 * Bounded patterns only: linear in the text's length.
 */
export function detectTopics(text: string, competitorMentioned?: boolean): Topic[] {
  const found = new Set<Topic>();
  scan(text, found);
  const out: Topic[] = [];
  for (const topic of TOPICS) {
    const hit = found.has(topic) && !VETO.get(topic)?.test(text);
    if (hit || (topic === 'competitor' && namesCompetitor(text, competitorMentioned))) out.push(topic);
  }
  return out;
}

/**
 * A named or unnamed other vendor, unless a named one is a system or cloud in context. The
 * caller that already has the classifier's competitor_mentioned passes it, which saves a second
 * scan for vendor names; the vendor list decides otherwise.
 */
function namesCompetitor(text: string, mentioned: boolean | undefined): boolean {
  if (mentioned !== undefined) return mentioned && !SYSTEM_CONTEXT.test(text);
  const m = matchCompetitor(text);
  if (m === null) return false;
  // A generic reference (别家, 友商, another vendor) is always about a competitor.
  if (m.name === undefined) return true;
  return !SYSTEM_CONTEXT.test(text);
}
