/**
 * Word families for the classifier: a feature per family fires for any of its words, so the
 * evidence of many rare words (invoice, remittance, installments…) is pooled where the training
 * corpus holds each of them only once or twice. English words are matched by Porter stem, the
 * way the message's own words are; Chinese words by character n-gram (1 to 3 characters).
 */
import { stemEnglish } from './english.ts';
import { hashString, namespace } from './hash.ts';

const EN: Record<string, string> = {
  procure: 'po procurement purchase requisition vendor supplier tender rfp portal w-9 w9 registration onboarding seats seat licenses sandbox',
  legal: 'contract msa agreement legal lawyer lawyers redline redlines redlined terms term clause countersign paperwork',
  billing: 'invoice invoicing invoiced billing billed bill payment pay paid wire wired transfer deposit installment installments vat card bank remittance',
  implement:
    'implementation implement onboard onboarding rollout training train migrate migration import setup install installation sandbox environment go-live kickoff started running',
  yes: 'approved approve green ahead chosen chose selected awarded decided signed countersigned renew renewal won confirmed',
  no: 'cancel cancelled canceled shelved scrapped against declined stay stick keep shelve',
  later: 'later next after pause paused hold park postpone revisit busy season until quarter spring summer autumn fall winter',
  money: 'price pricing priced cost costs quote quoted budget budgeted expensive cheap cheaper discount rate fee charge afford',
  rival:
    'vendor vendors provider providers supplier suppliers agency agencies forwarder forwarders broker brokers competitor competitors incumbent alternative alternatives',
  trust: 'worried worry concern concerned risk risky references reference reviews secure security safe prove proof trust reliable guarantee',
  // Well-known vendors and products: a competitor named in a message nobody here wrote is often
  // one of these, and one family feature carries what the few training lines naming any of them teach.
  vendor:
    'salesforce hubspot zoho pipedrive freshdesk freshworks zendesk intercom sap oracle netsuite workday quickbooks xero sage shopify docusign mailchimp marketo asana trello jira atlassian airtable clickup smartsheet servicenow dynamics odoo bamboohr gusto adp paychex ups fedex dhl maersk siemens honeywell schneider bosch hikvision dahua huawei lenovo dell cisco aws azure',
  // The words a rep answers a concern with (acknowledging, reframing, conceding): pooled for objection_handled.
  reassure:
    'understand understood hear fair point totally actually though however includes included covers waive waived pilot payback roi save saves saving sla certified warranty proven match',
  // A rep acknowledging or naming the customer's concern before answering it ("Fair question.", "on the integration worry").
  ack: 'fair sense understand understood hear get got hesitation worry worried concern concerns concerned common glad true appreciate valid',
  boss: 'boss ceo cfo coo cto director board owner manager committee hq headquarters leadership management vp',
  send: 'attached attach attaching enclosed sent sending shared sharing emailed uploaded here',
  later_send: "will i'll we'll tomorrow once soon shortly later",
  ask: 'what how when which could can would do does is are any',
  doc_quote: 'quote quotation quotes pricing pricelist proforma estimate ratecard',
  doc_proposal: 'proposal proposals deck sow solution roadmap recommendation design roi',
  doc_material: 'brochure datasheet spec specs whitepaper case study video catalog catalogue manual report certificate',
  doc_contract: 'contract contracts agreement msa nda lease docusign envelope addendum amendment',
  accept: 'ok okay sure yes agreed agree deal fine great perfect sounds alright works done',
  deadline: 'by before eod eow cob tomorrow tonight monday tuesday wednesday thursday friday weekend end',
  receipt: 'received got noted thanks thank thx',
};

const ZH: Record<string, string> = {
  procure: '采购 招标 投标 入库 供应商 请购 立项 比价 询价 订单 走流程 执照 三证 开户',
  legal: '合同 协议 法务 条款 盖章 签字 签约 模板',
  billing: '发票 专票 普票 付款 账期 分期 定金 订金 首付款 尾款 对公 开票 打款 转账 税号 预付',
  implement: '实施 上线 部署 培训 迁移 导入 测试 交付 货期 交期 安装 调试 开通 试用 驻场 验收',
  yes: '同意 批了 定了 拍板 签了 中标 批准 决定 确定 续约 续签 点头 选你们 就你们 下单 打过去 盖好 寄回',
  no: '取消 放弃 终止 不考虑 不合作 不续',
  // Money paid or an order placed: done deeds of a won deal.
  paid: '结清 付清 付完 已到账 到账了 已付 打过去 款收到 收到款 先订 订了 要了 下单 定金',
  // Procurement steps ACTIONS.md lists under buying_signal that the families above miss.
  step: '比价 登记表 纳税人 税号 月结 供货 加账号 账号 门店 机房 本地化 部署 样品 样机 考察 律师 审一下 试点 分期',
  later: '明年 年后 下半年 以后 暂缓 暂停 搁置 推迟 延期 过段 忙',
  money: '价格 报价 价位 费用 贵 便宜 预算 折扣 优惠 成本 多少钱',
  rival: '别家 友商 竞品 供应商 厂家 同行 另外 其他 那家 另一家 隔壁',
  trust: '担心 顾虑 放心 靠谱 安全 案例 售后 保障 质量 风险',
  vendor:
    '金蝶 用友 钉钉 飞书 销售易 纷享 简道云 明道云 有赞 微盟 海康 大华 浪潮 华为 西门子 施耐德 顺丰 德邦 京东 阿里云 腾讯云 泛微 致远 畅捷通 管家婆 北森 金山 鼎捷 汇川 博世 霍尼韦 三菱 欧姆龙 美的 格力 海尔',
  reassure: '理解 明白 其实 您放心 不用担 包含 含 赔付 承诺 保证 试点 免费 申请 算下来 总账 回本 节省',
  boss: '老板 领导 总监 总部 集团 董事会 上级 总经理 老总 院长 校长',
  send: '附件 发您 请查收 已发 发给 发到 这是 附上',
  later_send: '明天 稍后 回头 晚点 整理 准备 马上',
  ask: '吗 什么 怎么 多少 多久 哪 能不能 可以吗',
  doc_quote: '报价 报价单 价格表 价目表 报价表 估价',
  doc_proposal: '方案 建议书 策划案 规划 测算 计划书 提案',
  doc_material: '案例 白皮书 手册 彩页 宣传册 参数 规格书 说明书 报告 视频 资料 对比表 样册 证书',
  doc_contract: '合同 协议 确认书 框架 补充 保密 签署',
  accept: '可以 好的 没问题 同意 就按 成交 好嘞 就这么 妥了',
  deadline: '之前 以前 月底 本周 这周 下周 明天 今天 后天 月初 年底 号前 下班前',
  receipt: '收到 收悉 已阅 看了',
};

const NS = namespace('lex');

function build(groups: Record<string, string>, key: (w: string) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, words] of Object.entries(groups)) {
    const h = hashString(NS, name);
    for (const w of words.split(' ')) {
      const k = key(w);
      const list = out.get(k);
      if (list) {
        if (!list.includes(h)) list.push(h);
      } else out.set(k, [h]);
    }
  }
  return out;
}

/** Porter stem → the family features it belongs to. */
export const EN_LEXICON: ReadonlyMap<string, readonly number[]> = build(EN, stemEnglish);
/** Chinese word → the family features it belongs to. */
export const ZH_LEXICON: ReadonlyMap<string, readonly number[]> = build(ZH, (w) => w);
