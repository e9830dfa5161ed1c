/**
 * The bot's commands in a 1:1 chat: `/team 本周`, `/rep 张三 上周`, `/deal 华东医疗` (and its
 * corrections), `/funnel`, `/kb 价格异议`, `/share 报价单 华东医疗`, `/docs 报价单`, `/help`. A
 * leading @-mention (WeCom group text keeps it) is ignored; Chinese aliases work too (团队, 销售,
 * 商机, 漏斗, 知识, 分享, 文档, 资料).
 */
import { isPeriod } from '../reports/period.ts';

/** What a correction changes: `/deal 华东医疗 阶段 赢单`, `金额 20万`, `改名 新名`, `负责人 张三`. */
export type CorrectionField = 'stage' | 'amount' | 'name' | 'owner';

const CORRECTION_WORDS: Record<string, CorrectionField> = {
  阶段: 'stage',
  stage: 'stage',
  金额: 'amount',
  amount: 'amount',
  改名: 'name',
  rename: 'name',
  负责人: 'owner',
  owner: 'owner',
};
const CORRECTION = /^(.+?)\s+(阶段|金额|改名|负责人|stage|amount|rename|owner)\s+(.+)$/i;

export type Command =
  | { name: 'team'; period?: string }
  | { name: 'rep'; who: string; period?: string }
  | { name: 'deal'; query: string }
  | { name: 'correct'; query: string; field: CorrectionField; value: string }
  | { name: 'funnel'; period?: string }
  /** `view: 'attribution'` for `/breakpoints 归因 [本季度]`: behaviours ranked by lift. */
  | { name: 'breakpoints'; period?: string; view?: 'attribution' }
  /** `/forecast 本季度`, and a what-if: `/forecast 本季度 假如 华东医疗 赢单`. */
  | { name: 'forecast'; period?: string; whatIf?: { query: string; outcome: 'won' | 'lost' } }
  | { name: 'kb'; query: string }
  /** The knowledge loop per atom and the decay list: `/atoms`, `/atoms 衰减`. */
  | { name: 'atoms'; view?: string }
  /** A tracked link to a stored document for a deal's customer chat: `/share 报价单 华东医疗`. */
  | { name: 'share'; query: string }
  /** Documents' reading: `/docs`, `/docs 报价单`. */
  | { name: 'docs'; query: string }
  | { name: 'console' }
  | { name: 'help' };

const ALIASES: Record<string, Command['name']> = {
  team: 'team',
  团队: 'team',
  rep: 'rep',
  销售: 'rep',
  deal: 'deal',
  商机: 'deal',
  funnel: 'funnel',
  漏斗: 'funnel',
  breakpoints: 'breakpoints',
  断点: 'breakpoints',
  行为断点: 'breakpoints',
  forecast: 'forecast',
  预测: 'forecast',
  atoms: 'atoms',
  知识闭环: 'atoms',
  kb: 'kb',
  知识: 'kb',
  话术: 'kb',
  share: 'share',
  分享: 'share',
  docs: 'docs',
  文档: 'docs',
  资料: 'docs',
  help: 'help',
  帮助: 'help',
  console: 'console',
  控制台: 'console',
};

/** 「本季度 假如 华东医疗 赢单」, 「假如 华东医疗 丢单」, 「if 华东医疗 won」. */
const WHAT_IF = /^(.*?)\s*(?:假如|如果|if)\s+(.+?)\s+(赢单|赢|丢单|输单|丢|输|won|lost)$/i;

/** Null when the text is not a command (plain chat to the bot). */
export function parseCommand(text: string): Command | null {
  const t = text.replace(/^(@\S+\s+)+/, '').trim();
  const m = /^[/／](\S+)\s*(.*)$/s.exec(t);
  if (!m) return null;
  const name = ALIASES[m[1]!.toLowerCase()];
  const arg = m[2]!.trim();
  switch (name) {
    case 'breakpoints': {
      const view = /^(归因|attribution|lift)(?:\s+|$)/i.exec(arg);
      if (!view) return arg ? { name, period: arg } : { name };
      const period = arg.slice(view[0].length).trim();
      return period ? { name, view: 'attribution', period } : { name, view: 'attribution' };
    }
    case 'team':
    case 'funnel':
      return arg ? { name, period: arg } : { name };
    case 'forecast': {
      const w = WHAT_IF.exec(arg);
      const period = (w ? w[1]! : arg).trim();
      const whatIf = w ? { query: w[2]!.trim(), outcome: /^(赢单|赢|won)$/i.test(w[3]!) ? ('won' as const) : ('lost' as const) } : undefined;
      return { name, ...(period ? { period } : {}), ...(whatIf ? { whatIf } : {}) };
    }
    case 'atoms':
      return arg ? { name, view: arg } : { name };
    case 'rep': {
      // "/rep 张三 上周", "/rep Zhang San last week": the period, if any, is the trailing word(s),
      // any that /team reads (本季度, 上个月 too).
      const words = arg.split(/\s+/).filter(Boolean);
      for (const n of [2, 1]) {
        if (words.length < n || !isPeriod(words.slice(-n).join(' '))) continue;
        return { name, who: words.slice(0, -n).join(' '), period: words.slice(-n).join(' ') };
      }
      return { name, who: arg };
    }
    case 'deal': {
      const c = CORRECTION.exec(arg);
      if (c) return { name: 'correct', query: c[1]!.trim(), field: CORRECTION_WORDS[c[2]!.toLowerCase()]!, value: c[3]!.trim() };
      return { name, query: arg };
    }
    case 'kb':
    case 'share':
    case 'docs':
      return { name, query: arg };
    case 'help':
    case 'console':
      return { name };
    default:
      return { name: 'help' };
  }
}

export const HELP_TEXT = [
  '**可用命令**',
  '- `/kb 价格异议`：查话术、证据和风险提示',
  '- `/team 本周`：团队概览（经理）；也可用 上周、本月、上月',
  '- `/rep 张三 本周`：某位销售的概览（经理；销售可看自己）',
  '- `/deal 华东医疗`：商机时间线与证据',
  '- `/deal 华东医疗 阶段 赢单`：更正商机（阶段、金额 20万、改名 新名、负责人 张三；负责人或其经理可改）',
  '- `/funnel 本月`：漏斗与各阶段转化',
  '- `/breakpoints 本季度`：关键行为做到与没做到的推进率、赢单率（经理看团队，销售看自己）',
  '- `/forecast 本季度`：加权预测（本月或本季度）与撑起预测的商机；`/forecast 本季度 假如 华东医疗 赢单`（或 丢单）看假设后的预测（经理看团队，销售看自己）',
  '- `/breakpoints 归因`：哪些行为之后商机更常推进，按提升倍数排序，以及推进率最高的销售做得不同的',
  '- `/atoms`：每条话术的推送→采用→有用/没用→7天内推进→赢单；`/atoms 衰减`：连续两个月少有人用的话术（经理；销售看自己的采用）',
  '- `/share 报价单 华东医疗`：给客户群发文档的跟踪链接（不写客户名时发到你最近在跟的商机）；也可以直接把 PDF 发给我',
  '- `/docs 报价单`：文档阅读情况：打开次数、读者、每页停留、跳过和反复看的页（经理看团队，销售看自己）',
  '- `/console`：网页控制台的一次性登录链接（10 分钟内有效）',
].join('\n');
