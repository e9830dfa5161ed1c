/**
 * Competitor names and generic references (别家, 友商, "another vendor"). The name list is data:
 * `setCompetitors` swaps it (e.g. from a tenant's config) and rebuilds the one compiled matcher.
 * Chat platforms never count (ACTIONS.md), nor do the customer's own unnamed tools (Excel, 老系统).
 */
import { messageLiterals } from '../prefilter/shared.ts';

/**
 * Common vendors in the Chinese and global CRM/SaaS, industrial, medical, education and
 * logistics markets. Names that are also ordinary words (Outreach, Copper, UPS, 菜鸟, 浪潮, 开立)
 * are left out or spelled in full.
 */
export const DEFAULT_COMPETITORS: readonly string[] = [
  // CRM, sales and collaboration software (China)
  '纷享销客',
  '销售易',
  '用友',
  '金蝶',
  '红圈',
  '励销云',
  '悟空CRM',
  '八百客',
  '神州云动',
  '探迹',
  '尘锋',
  '微盛',
  '卫瓴',
  '致远互联',
  '泛微',
  '明源云',
  '有赞',
  '微盟',
  '北森',
  '简道云',
  '明道云',
  '伙伴云',
  '道一云',
  'EC SCRM',
  '六度人和',
  '小满科技',
  '孚盟',
  '浪潮信息',
  '鼎捷',
  '畅捷通',
  '阿里云',
  '腾讯云',
  '华为云',
  '百度智能云',
  // CRM and SaaS (global)
  'Salesforce',
  'HubSpot',
  'SAP',
  'Oracle',
  'NetSuite',
  'Microsoft Dynamics',
  'Dynamics 365',
  'Zoho',
  'Pipedrive',
  'Freshworks',
  'Freshsales',
  'Zendesk',
  'ServiceNow',
  'Workday',
  'Monday.com',
  'Gong',
  'Salesloft',
  'Clari',
  'Close.com',
  'Insightly',
  'SugarCRM',
  'Odoo',
  // Industrial equipment and automation
  '西门子',
  'Siemens',
  '施耐德',
  'Schneider',
  'ABB',
  '发那科',
  'FANUC',
  '安川',
  'Yaskawa',
  '库卡',
  'KUKA',
  '三菱电机',
  '欧姆龙',
  'Omron',
  '汇川',
  '霍尼韦尔',
  'Honeywell',
  '罗克韦尔',
  'Rockwell',
  '博世',
  'Bosch',
  '海康威视',
  '海康机器人',
  '海康',
  'Hikvision',
  '大华',
  '基恩士',
  'Keyence',
  '通快',
  'Trumpf',
  '大族激光',
  '埃斯顿',
  '新松',
  '极智嘉',
  'Geek+',
  '快仓',
  '大疆',
  '华为',
  'Zebra',
  '斑马技术',
  'Datalogic',
  'Cognex',
  '康耐视',
  // Medical devices
  '迈瑞',
  'Mindray',
  '联影',
  'United Imaging',
  'GE医疗',
  'GE Healthcare',
  '飞利浦',
  'Philips',
  '西门子医疗',
  'Siemens Healthineers',
  '美敦力',
  'Medtronic',
  '鱼跃',
  '东软医疗',
  '万东',
  // Education
  '好未来',
  '新东方',
  '作业帮',
  '猿辅导',
  '希沃',
  'Seewo',
  '科大讯飞',
  '校宝',
  '小鹅通',
  // Logistics
  '顺丰',
  'SF Express',
  '京东物流',
  '中通',
  '圆通',
  '韵达',
  '德邦',
  '菜鸟物流',
  '菜鸟网络',
  '满帮',
  '货拉拉',
  '运满满',
  'G7易流',
  'DHL',
  'FedEx',
  'Flexport',
  'Manhattan Associates',
  'Blue Yonder',
];

/** Chat platforms: where the conversation happens, never a competitor (ACTIONS.md). */
export const CHAT_PLATFORMS: readonly string[] = [
  '钉钉',
  '飞书',
  '企业微信',
  '企微',
  '微信',
  'WeCom',
  'WeChat',
  'DingTalk',
  'Feishu',
  'Lark',
  'Slack',
  'Teams',
  'Zoom',
  '腾讯会议',
];

// Unnamed references. 另一家 is left alone when it is one of the customer's own sites.
const GENERIC_ZH =
  '别家|别人家|别的家|别的(?:厂家|厂商|供应商|公司|品牌|家)|其[他它](?:家|厂家|厂商|供应商|品牌|服务商)|另(?:一|外一)家(?!分公司|门店|医院|工厂|客户|子公司|店|学校|校区|仓库)|另外(?:的)?(?:厂家|供应商|服务商)|友商|竞品|竞争对手|(?:几|多|两|三|四)家(?:供应商|厂家|厂商|在比|对比)|(?:在)?(?:比较|对比)(?:几|多|两|三)家' +
  // The vendor they have or had: 现在的供应商, 老供应商, 之前合作的那家, 另外两家.
  '|(?:现在|目前|原来|原先|之前|以前|现有|老)的?(?:供应商|服务商|合作方|代理商|代运营|外包商|物业公司)' +
  '|(?:之前|以前|去年|原来|上次)(?:合作|用|租|请|找)(?:过)?的(?:那|一)家|另外(?:两|几|三)家|(?:有|找了)(?:一|两|几)家(?:报价|报的?|才|只要|便宜|更便宜)';
const GENERIC_EN =
  '\\b(?:an?other vendors?|another (?:vendor|provider|supplier|solution provider)|other (?:vendors|providers|suppliers)|(?:a )?different (?:vendor|provider|supplier)|competitors?|competing (?:vendor|product|solution|offer|quote|bid)|your competition|the competition|alternative (?:vendors?|providers?|suppliers?)|(?:\\d+|two|three|four|several|multiple|a few|other) (?:vendors|suppliers|providers)|(?:current|existing|previous|old|last|former|incumbent) (?:vendor|supplier|provider|agency|forwarder|broker|partner|contractor|integrator)|(?:local|cheaper|another|other|different|two|three|several|a few) (?:agency|agencies|forwarders?|brokers?|integrators?|contractors?|bidders?))\\b';

/** What the matcher found: a named vendor (display spelling) or a generic reference. */
export interface CompetitorMatch {
  name?: string;
}

interface Matcher {
  /** Names with a Latin letter; only tried on text that has one. */
  latin: RegExp | null;
  cjk: RegExp | null;
  display: Map<string, string>;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Each half only runs on text that has its script: most chat is one script, and these are the
// two longest patterns of the rule set.
const GENERIC_ZH_RE = new RegExp(GENERIC_ZH);
const GENERIC_EN_RE = new RegExp(GENERIC_EN);
/** The generic references' required literals, in the message's one literal scan (../prefilter). */
const GENERIC = messageLiterals([GENERIC_ZH_RE, GENERIC_EN_RE]);
const HAS_LATIN = /[a-z]/;
const HAS_CJK = /[\u3400-\u9fff]/;
const PLATFORM_KEYS = new Set(CHAT_PLATFORMS.map((p) => p.toLowerCase()));

function build(names: readonly string[]): Matcher {
  const display = new Map<string, string>();
  for (const n of names) {
    const key = n.trim().toLowerCase();
    if (key && !PLATFORM_KEYS.has(key)) display.set(key, n.trim());
  }
  // Longest first so 西门子医疗 beats 西门子 and Dynamics 365 beats a shorter alias.
  const keys = [...display.keys()].sort((a, b) => b.length - a.length);
  // A name with a Latin letter goes with the Latin names (it needs one in the text to match).
  const latin = keys.filter((k) => /[a-z]/.test(k));
  const cjk = keys.filter((k) => !/[a-z]/.test(k));
  // Latin names need word edges (SAP must not fire inside "asap"); CJK names cannot have them.
  // One pair of edges around the alternation: checked once a position, not once a name.
  return {
    latin: latin.length ? new RegExp(`(?<![a-z0-9])(?:${latin.map(escapeRegExp).join('|')})(?![a-z0-9])`) : null,
    cjk: cjk.length ? new RegExp(cjk.map(escapeRegExp).join('|')) : null,
    display,
  };
}

let active = build(DEFAULT_COMPETITORS);

/** Replaces the competitor name list (chat platforms are dropped). Generic references stay. */
export function setCompetitors(names: readonly string[]): void {
  active = build(names);
}

/** The first named competitor in normalised text, else a generic reference, else null. */
export function matchCompetitor(text: string): CompetitorMatch | null {
  const latin = HAS_LATIN.test(text);
  const cjk = HAS_CJK.test(text);
  let m = cjk ? (active.cjk?.exec(text) ?? null) : null;
  if (latin && active.latin) {
    const l = active.latin.exec(text);
    // The leftmost name wins, the longer one at the same place, as one alternation would have it.
    if (l && (!m || l.index < m.index || (l.index === m.index && l[0].length > m[0].length))) m = l;
  }
  if (m) return { name: active.display.get(m[0]) ?? m[0] };
  GENERIC.scan(text);
  return (cjk && GENERIC.candidate(0) && GENERIC_ZH_RE.test(text)) || (latin && GENERIC.candidate(1) && GENERIC_EN_RE.test(text)) ? {} : null;
}
