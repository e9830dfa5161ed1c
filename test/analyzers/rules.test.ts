import { afterEach, describe, expect, it } from 'vitest';
import { analyze, analyzeRules, ruleHits } from '../../analyzers/analyze.ts';
import { DEFAULT_COMPETITORS, EXTRA_RULE_IDS, RULES, setCompetitors } from '../../analyzers/rules/index.ts';
import { detectLang } from '../../analyzers/text.ts';
import { ACTION_KINDS } from '../../core/types.ts';
import type { ActionKind, AnalyzerRole, DetectedAction } from '../../core/types.ts';

type Role = AnalyzerRole;

function run(role: Role, text: string, files?: string[]): DetectedAction[] {
  return analyzeRules({ role, text, ...(files ? { attachments: files.map((name) => ({ name })) } : {}) });
}
function kinds(role: Role, text: string, files?: string[]): ActionKind[] {
  return run(role, text, files).map((a) => a.kind);
}
function find(role: Role, text: string, kind: ActionKind, files?: string[]): DetectedAction | undefined {
  return run(role, text, files).find((a) => a.kind === kind);
}

// [role, text] pairs that must carry the kind: at least two Chinese and two English per action,
// from SaaS, manufacturing equipment, medical devices, education and logistics chats.
const POSITIVES: Record<ActionKind, [Role, string][]> = {
  quote_sent: [
    ['rep', '王总，报价单已经发到您邮箱了，请查收'],
    ['rep', '这台五轴加工中心含税落地价是86.5万，含安装调试'],
    ['rep', '附件是贵院彩超项目的正式报价'],
    ['rep', '标准版每个账号每年1200元，50个账号起订'],
    ['rep', 'Attached is our quote for the 40-seat plan.'],
    ['rep', 'The total comes to $48,000 per year, including onboarding.'],
    ['rep', "I've just emailed you the quotation for the two forklifts."],
    ['rep', 'Pricing is $35 per user per month on the annual plan.'],
  ],
  proposal_sent: [
    ['rep', '刘主任，我们给贵校做的智慧教室建设方案已经发您邮箱了'],
    ['rep', '仓储自动化改造方案发群里了，请各位领导审阅'],
    ['rep', '这是根据上周调研整理的实施方案，请您过目'],
    ['rep', 'ROI测算表已上传到群文件'],
    ['rep', "I've sent over the proposal we discussed on Tuesday."],
    ['rep', 'Attached is the implementation plan for the three warehouses.'],
    ['rep', 'Here is the solution deck for your board meeting.'],
    ['rep', 'The ROI analysis is in your inbox.'],
  ],
  material_sent: [
    ['rep', '这是我们在三甲医院的落地案例，您可以参考一下'],
    ['rep', '设备参数表发您了，您看下是否满足工况要求'],
    ['rep', '行业白皮书已经发到您邮箱了'],
    ['rep', '第三方检测报告请查收'],
    ['rep', "Here's the case study from a regional hospital network like yours."],
    ['rep', "I've attached the datasheet for the X200 conveyor."],
    ['rep', 'The comparison table is attached.'],
    ['rep', 'Please find attached our white paper on warehouse automation.'],
  ],
  meeting_scheduled: [
    ['rep', '那就定在下周二上午10点，我们去贵司现场拜访'],
    ['customer', '好的，周四下午三点腾讯会议线上演示'],
    ['rep', '演示改到周五上午9:30了'],
    ['customer', '可以，明天下午两点见'],
    ['rep', 'Confirmed: demo on Thursday at 3pm with your ops team.'],
    ['customer', "Let's book the site visit for next Monday at 10am."],
    ['rep', 'Moved our call to Wednesday afternoon.'],
    ['customer', 'See you tomorrow at 2:30 pm for the walkthrough.'],
  ],
  contract_sent: [
    ['rep', '合同发您审一下，有问题随时沟通'],
    ['rep', '框架协议已经发到您邮箱，请法务审阅'],
    ['rep', '附件是续签协议，请您确认后回签'],
    ['rep', '电子签已发起，请在手机上完成签署'],
    ['rep', 'The contract is attached for your review.'],
    ['rep', "I've sent the MSA and order form over DocuSign."],
    ['rep', 'Please find attached the renewal agreement.'],
    ['rep', 'Here is the order confirmation for countersignature.'],
  ],
  objection_handled: [
    ['rep', '理解您对价格的顾虑，不过算下来每个账号每天不到3块钱'],
    ['rep', '数据安全这块您放心，我们通过了等保三级，也支持私有化部署'],
    ['rep', '很多医院一开始也担心售后，我们在省内有12个服务网点'],
    ['rep', '预算的问题可以先签合同，明年再付款'],
    ['rep', 'I understand the concern about price, but it works out to less than $2 per user per day.'],
    ['rep', "That's a fair concern. We're SOC 2 Type II certified and can share the report."],
    ['rep', 'Unlike other vendors, we include onboarding and 24/7 support at no extra cost.'],
    ['rep', 'We can start with a free pilot in one warehouse so you can see the results first.'],
  ],
  follow_up: [
    ['rep', '上次的方案您看得怎么样了？'],
    ['rep', '张工，报价单您那边看了吗，有什么问题吗'],
    ['rep', '想跟您确认一下采购流程的进展'],
    ['rep', '合同法务那边审完了吗？'],
    ['rep', 'Just checking in on the proposal I sent last week, any thoughts?'],
    ['rep', 'Any update on the PO?'],
    ['rep', 'Did you get a chance to review the contract?'],
    ['rep', 'Has the budget been approved yet?'],
  ],
  next_step_agreed: [
    ['customer', '那我们下周三前给您反馈'],
    ['rep', '好的，就这么定，周五前我把合同初稿发您'],
    ['customer', '可以，我们月底前走完内部审批'],
    ['customer', '行，那你们周三前把测试环境开好'],
    ['customer', 'Sounds good, we will send the signed PO by Friday.'],
    ['customer', "Deal. I'll get legal's comments back to you by end of next week."],
    ['rep', "Agreed, you'll have our data export by the 15th."],
    ['rep', 'Next steps: your IT team reviews the security questionnaire by Monday.'],
  ],
  price_inquiry: [
    ['customer', '能报个价吗'],
    ['customer', '这台设备大概什么价位？'],
    ['customer', '一年费用大概多少'],
    ['customer', '批量采购有折扣吗'],
    ['customer', 'How much is it for 50 users?'],
    ['customer', 'Can you send me a quote for the 20-bed package?'],
    ['customer', 'What does it cost per seat?'],
    ['customer', 'Is there any discount for a three-year contract?'],
  ],
  objection_raised: [
    ['customer', '太贵了，超出我们的预算了'],
    ['customer', '这个我做不了主，得老板拍板'],
    ['customer', "That's way too expensive for a school our size."],
    ['customer', "It's not my decision, our CFO has to sign off."],
  ],
  competitor_mentioned: [
    ['rep', '纷享销客那边也有类似功能，不过我们支持离线使用'],
    ['customer', '友商上周也来演示过'],
    ['customer', '我们之前评估过用友和金蝶'],
    ['customer', 'We also looked at HubSpot.'],
    ['customer', 'One of your competitors pitched us last week.'],
    ['rep', 'Siemens offers a similar controller, but ours ships in two weeks.'],
  ],
  buying_signal: [
    ['customer', '合同流程怎么走？'],
    ['customer', '你们能开13%的专票吗'],
    ['customer', '大概多久能上线？'],
    ['customer', '我们这边已经提了采购申请'],
    ['customer', '新开的三家门店也要用，再加20个账号'],
    ['customer', '历史数据能迁移过来吗'],
    ['customer', 'What does your contract process look like?'],
    ['customer', 'Can you issue a VAT invoice?'],
    ['customer', 'How long does implementation usually take?'],
    ['customer', "We'd like to add 15 more seats for the Shenzhen team."],
    ['customer', "I've sent the contract to legal."],
  ],
  deal_won: [
    ['customer', '合同已盖章，快递寄回给您了'],
    ['rep', '我们中标了！'],
    ['customer', '采购订单已经下了'],
    ['customer', '首付款已经打过去了，请查收'],
    ['customer', 'The contract has been signed on our side.'],
    ['customer', 'We decided to go with you.'],
    ['customer', 'PO has been issued, number 4500123.'],
    ['customer', 'Payment has been wired this morning.'],
  ],
  deal_lost: [
    ['customer', '我们选了别家'],
    ['customer', '领导最终决定不采购了'],
    ['customer', '这个项目取消了'],
    ['customer', '我们决定不续约了'],
    ['customer', "We've decided to go with another vendor."],
    ['customer', 'The project has been cancelled.'],
    ['customer', "We won't be renewing."],
    ['customer', 'We chose HubSpot in the end.'],
  ],
};

describe('every action, both languages', () => {
  for (const kind of ACTION_KINDS) {
    it.each(POSITIVES[kind])(`${kind}: %s says %s`, (role, text) => {
      expect(kinds(role, text)).toContain(kind);
    });
  }
});

describe('objection types', () => {
  it.each([
    ['你们这个价格我们真的接受不了', 'price'],
    ['This is well over our budget.', 'price'],
    ['销售易的报价比你们低了差不多30%', 'competitor'],
    ['我们已经在用纷享销客了，换系统成本太高', 'competitor'],
    ['别家同配置的设备便宜两万多', 'competitor'],
    ['HubSpot is about 20% cheaper for the same seats.', 'competitor'],
    ['We already use Salesforce and are pretty happy with it.', 'competitor'],
    ['Another vendor quoted us 15% less.', 'competitor'],
    ['今年预算已经用完了，明年再说吧', 'timing'],
    ['最近是旺季，忙完这阵再聊', 'timing'],
    ['工厂下个月搬迁，项目先放一放', 'timing'],
    ['We have no budget left this year.', 'timing'],
    ["Let's put this on hold until after Chinese New Year.", 'timing'],
    ['需要总部审批，我这边说了不算', 'authority'],
    ['这个得院长点头才行', 'authority'],
    ['I need to run it by my manager first.', 'authority'],
    ['Our board makes the final call on anything over 100k.', 'authority'],
    ['我们用Excel就够了', 'need'],
    ['我们人少，这么多功能用不上', 'need'],
    ['Honestly, our spreadsheets work fine for now.', 'need'],
    ['This seems like overkill for a team of five.', 'need'],
    ['你们公司成立多久了？数据放你们那儿我们不太放心', 'trust'],
    ['有没有同行业的成功案例可以参考？', 'trust'],
    ['How long have you been in business?', 'trust'],
    ['Do you have any references in the medical device space?', 'trust'],
  ])('customer: %s → %s', (text, objection) => {
    expect(find('customer', text, 'objection_raised')?.objection).toBe(objection);
  });

  it('a competitor objection also carries competitor_mentioned, with the name when there is one', () => {
    const actions = run('customer', '销售易的报价比你们低了差不多30%');
    expect(actions.map((a) => a.kind)).toEqual(['objection_raised', 'competitor_mentioned']);
    expect(actions[1]?.competitor).toBe('销售易');
    expect(kinds('customer', 'Another vendor quoted us 15% less.')).toContain('competitor_mentioned');
  });

  it('choosing another vendor is deal_lost with competitor_mentioned, not an objection', () => {
    expect(kinds('customer', '我们最终选了销售易')).toEqual(['competitor_mentioned', 'deal_lost']);
    expect(find('customer', '我们最终选了销售易', 'competitor_mentioned')?.competitor).toBe('销售易');
    expect(kinds('customer', "We've decided to go with another vendor.")).toEqual(['competitor_mentioned', 'deal_lost']);
    expect(kinds('customer', 'We decided to go with Acme Robotics.')).toEqual(['competitor_mentioned', 'deal_lost']);
  });
});

describe('who said it decides', () => {
  it('能报个价吗 is price_inquiry from a customer and nothing from a rep', () => {
    expect(kinds('customer', '能报个价吗')).toEqual(['price_inquiry']);
    expect(kinds('rep', '能报个价吗')).toEqual([]);
  });

  it("a rep's 报价单发您了 is quote_sent; the same words from a customer are not", () => {
    expect(kinds('rep', '报价单发您了')).toEqual(['quote_sent']);
    expect(kinds('customer', '报价单发您了')).not.toContain('quote_sent');
  });

  it("a customer's 报价单收到了 is nothing", () => {
    expect(kinds('customer', '报价单收到了')).toEqual([]);
    expect(kinds('customer', '报价单收到了，我们内部看一下')).toEqual([]);
  });

  it.each([
    ['customer', '合同发您审一下', 'contract_sent'],
    ['customer', 'Attached is our quote for the pallets.', 'quote_sent'],
    ['customer', '方案已经发您邮箱了', 'proposal_sent'],
    ['rep', '太贵了，我也觉得', 'objection_raised'],
    ['rep', 'How much is it?', 'price_inquiry'],
    ['rep', '合同流程怎么走？', 'buying_signal'],
    ['customer', '上次的方案您看得怎么样了？', 'follow_up'],
    ['customer', '理解您的顾虑，这点您放心', 'objection_handled'],
  ] as [Role, string, ActionKind][])('%s: %s has no %s', (role, text, kind) => {
    expect(kinds(role, text)).not.toContain(kind);
  });

  it.each([
    ['周三下午两点线上演示', 'meeting_scheduled'],
    ['我们中标了', 'deal_won'],
    ['我们之前用的是金蝶', 'competitor_mentioned'],
  ] as [string, ActionKind][])('either role: %s → %s', (text, kind) => {
    expect(kinds('rep', text)).toContain(kind);
    expect(kinds('customer', text)).toContain(kind);
  });
});

describe('attachments', () => {
  it.each([
    ['见附件', '报价单_v2.pdf', 'quote_sent'],
    ['', 'Quotation_Q3_2024.pdf', 'quote_sent'],
    ['', '智慧仓储解决方案.pptx', 'proposal_sent'],
    ['see attached', 'Proposal - Line 3 Retrofit.pdf', 'proposal_sent'],
    ['见附件，请查收', '采购合同.docx', 'contract_sent'],
    ['see attached', 'Master Services Agreement.docx', 'contract_sent'],
    ['', '订单确认书_0312.pdf', 'contract_sent'],
  ] as [string, string, ActionKind][])('rep: "%s" + %s → %s', (text, file, kind) => {
    expect(kinds('rep', text, [file])).toEqual([kind]);
  });

  it.each([
    ['请查收', 'X200参数表.xlsx', 'datasheet'],
    ['see attached', 'Case Study - Regional Hospital.pdf', 'case'],
    ['', '产品演示视频.mp4', 'video'],
    ['', '与竞品功能对比.xlsx', 'comparison'],
    ['FYI', 'Cold Chain Logistics White Paper.pdf', 'whitepaper'],
    ['', '公司产品宣传册.pdf', 'brochure'],
    ['附件', 'CE认证检测报告.pdf', 'report'],
  ])('rep: "%s" + %s → material_sent (%s)', (text, file, materialType) => {
    const actions = run('rep', text, [file]);
    expect(actions.map((a) => a.kind)).toEqual(['material_sent']);
    expect(actions[0]?.materialType).toBe(materialType);
  });

  it.each([
    ['见附件', '截图2024-03-12.png'],
    ['', 'IMG_1234.jpg'],
    ['', '微信图片_20240312.jpg'],
    ['会议纪要见附件', '会议纪要0312.docx'],
    ['', '发票.pdf'],
    ['see attached', 'Invoice-2024-031.pdf'],
    ['see attached', 'Screenshot 2024-03-12 at 10.21.33.png'],
  ])('rep: "%s" + %s → nothing', (text, file) => {
    expect(kinds('rep', text, [file])).toEqual([]);
  });

  it('a customer sending a file never gives rep labels', () => {
    expect(kinds('customer', '见附件', ['报价单.pdf'])).toEqual([]);
    expect(kinds('customer', '', ['Proposal.pdf'])).toEqual([]);
    expect(kinds('customer', '你看下这份合同', ['采购合同.docx'])).toEqual([]);
    expect(kinds('customer', '', ['产品参数表.xlsx'])).toEqual([]);
  });

  it("a customer's purchase order file is a won deal", () => {
    expect(kinds('customer', '见附件', ['采购订单_PO2024001.pdf'])).toEqual(['deal_won']);
  });

  it('a file with its own words still counts, less surely than a file alone', () => {
    const alone = find('rep', '见附件', 'quote_sent', ['报价单.pdf']);
    const withText = find('rep', '王总，有问题随时联系我', 'quote_sent', ['报价单.pdf']);
    expect(alone?.confidence).toBeGreaterThan(withText?.confidence ?? 1);
  });
});

describe('amounts', () => {
  it.each([
    ['这套是12.8万，含三年维保', 128000],
    ['总价¥35,000，含税', 35000],
    ['报价35000元，含税含运费', 35000],
    ['每台八千块，十台起订', 8000],
    ['整套系统报价1.2百万', 1200000],
    ['原价15万，折后12.8万', 128000],
    ['年费三万五，含培训', 35000],
    ['3.5k per seat per year', 3500],
    ['It comes to $12k a year.', 12000],
    ['The total is $1.2 million including installation.', 1200000],
    ['Our price is 35,000 dollars for the full kit.', 35000],
  ])('rep: %s → %d', (text, amount) => {
    expect(find('rep', text, 'quote_sent')?.amount).toBe(amount);
  });

  it.each([
    '我们这个系统能帮您一年节省20万人工成本',
    'Our customers save about $50k a year on overtime.',
    '去年我们服务了1万家门店',
    '您预算大概多少？10万左右可以吗',
  ])('money that is not a price is not a quote: %s', (text) => {
    expect(kinds('rep', text)).not.toContain('quote_sent');
  });
});

describe('hard negatives', () => {
  it.each([
    ['customer', '报价单收到了'],
    ['rep', '明天把报价发您'],
    ['rep', '报价我下午整理好发您'],
    ['rep', "I'll send the quote over tomorrow."],
    ['rep', '85折我还在帮您申请，批下来第一时间告诉您'],
    ['customer', '视频会议卡了'],
    ['rep', '视频会议卡了，我重新发一下链接'],
    ['customer', '找时间再约'],
    ['rep', "Let's find a time to reconnect."],
    ['rep', '支持的，系统可以导出Excel报表'],
    ['rep', 'Yes, it integrates with Outlook and exports to CSV.'],
    ['customer', '@小李 你把采购申请提一下'],
    ['rep', '王总，这个客户的报价模板用哪个？'],
    ['customer', '你们的系统做得挺好的'],
    ['customer', '资料我转给老板看看'],
    ['rep', '需要的话我可以发您几个案例'],
    ['rep', 'I can send a case study if helpful.'],
    ['rep', '我回头把资料整理一下发您'],
    ['customer', "I'll get back to you."],
    ['rep', '会议纪要发您了'],
    ['rep', '发票已经开好发您邮箱了'],
    ['customer', '我们都用钉钉和企业微信沟通'],
    ['customer', 'Can you send it to me on WeChat?'],
  ] as [Role, string][])('%s: %s → nothing', (role, text) => {
    expect(kinds(role, text)).toEqual([]);
  });

  it('asking for a lower price is price_inquiry, not an objection', () => {
    expect(kinds('customer', '还有优惠空间吗')).toEqual(['price_inquiry']);
    expect(kinds('customer', 'Is there any wiggle room on price?')).toEqual(['price_inquiry']);
  });

  it('pausing for a while is a timing objection, not deal_lost', () => {
    for (const text of ['项目先暂停一段时间', '我们今年先不考虑了', 'We are pausing this for a few months.']) {
      const actions = run('customer', text);
      expect(actions.map((a) => a.kind)).toEqual(['objection_raised']);
      expect(actions[0]?.objection).toBe('timing');
    }
  });

  it.each([
    ['rep', '上周三下午的演示您觉得怎么样'],
    ['rep', '您周三下午有空吗？'],
    ['customer', '我们内部周三下午两点开会讨论一下'],
    ['rep', 'Our internal sync is tomorrow at 9am.'],
    ['customer', 'Are you free Thursday afternoon?'],
  ] as [Role, string][])('not a meeting: %s: %s', (role, text) => {
    expect(kinds(role, text)).not.toContain('meeting_scheduled');
  });

  it('a meeting time alone is meeting_scheduled only, not next_step_agreed', () => {
    expect(kinds('customer', '好的，周三下午两点见')).toEqual(['meeting_scheduled']);
    expect(kinds('customer', 'Sounds good, see you Tuesday at 3pm.')).toEqual(['meeting_scheduled']);
  });

  it('a remark about an earlier quote is follow_up, not quote_sent', () => {
    expect(kinds('rep', '上次发您的报价单，您看了吗')).toEqual(['follow_up']);
    expect(kinds('rep', 'Did you get a chance to look at the quote I sent last week?')).toEqual(['follow_up']);
  });

  it.each([
    ['customer', '合同还没盖章，下周才能寄回'],
    ['customer', 'Once the contract is signed we will issue the PO.'],
    ['customer', '合同什么时候能盖章？'],
  ] as [Role, string][])('not won yet: %s: %s', (role, text) => {
    expect(kinds(role, text)).not.toContain('deal_won');
  });

  it('a won deal that also asks about invoicing carries buying_signal too', () => {
    expect(kinds('customer', '合同已盖章寄出，发票抬头怎么开？')).toEqual(['buying_signal', 'deal_won']);
  });
});

// Whole threads, exact labels in catalogue order: SaaS retail, medical devices, AGVs, education,
// logistics and a US SaaS deal.
const THREADS: [Role, string, ActionKind[]][] = [
  ['rep', '李总您好，我是XX科技的小王，上周展会上加过您', []],
  ['customer', '大概什么价格', ['price_inquiry']],
  ['rep', '按门店收费，每家店每年3800元', ['quote_sent']],
  ['customer', '有点贵啊，我们一共30家店', ['objection_raised']],
  ['rep', '好消息，批下来了，30家店打8折，每家每年3040元', ['quote_sent']],
  ['rep', '试用用得怎么样了？门店那边反馈如何', ['follow_up']],
  ['customer', '可以，周三上午十点', ['meeting_scheduled']],
  ['customer', '你们的售后在我们市有人吗', ['objection_raised']],
  ['customer', '我们院里采购要走招标', ['buying_signal']],
  ['rep', '明白，招标参数我整理一份发您参考', []],
  ['customer', '好消息，你们中标了', ['deal_won']],
  ['rep', '感谢张主任，合同我们这边盖好章寄给您了', ['contract_sent']],
  ['rep', '收到贵司盖章的合同了，感谢信任', ['deal_won']],
  ['customer', '海康比你们便宜不少', ['objection_raised', 'competitor_mentioned']],
  ['rep', '相比海康，我们的激光导航不用贴二维码，改产线更灵活', ['objection_handled', 'competitor_mentioned']],
  ['customer', '明年三月份再看吧', ['objection_raised']],
  ['customer', '我们最终还是选了海康', ['competitor_mentioned', 'deal_lost']],
  ['customer', '你们这个系统能不能和我们的用友U8打通', ['competitor_mentioned']],
  ['rep', '基础版一个校区一年9800，专业版16800', ['quote_sent']],
  ['customer', '作业帮有类似的功能，而且免费', ['objection_raised', 'competitor_mentioned']],
  ['rep', '合同模板发您了，您先看下条款', ['contract_sent']],
  ['customer', '盖好章了，扫描件发您', ['deal_won']],
  ['rep', '我们内部周会讨论一下这个客户', []],
  ['customer', '@王姐 你把上个月的出库数据导一份给他们', []],
  ['customer', '这个价格比顺丰还贵', ['objection_raised', 'competitor_mentioned']],
  ['customer', '好，那就这么定了，下周一我们走合同流程', ['next_step_agreed', 'buying_signal']],
  ['rep', '周五下午三点的会议室订好了吗？', []],
  ['customer', '价格没问题，什么时候能发货', ['buying_signal']],
  ['customer', '行，那我们这周五前下单', ['next_step_agreed']],
  ['rep', 'As promised, here is the recording of the demo.', ['material_sent']],
  ['customer', 'Thanks! Could you also send pricing for 200 seats?', ['price_inquiry']],
  ['rep', "Sure, for 200 seats it's $42 per seat per month, billed annually.", ['quote_sent']],
  ['customer', "That's more than we budgeted for.", ['objection_raised']],
  ['customer', 'Let me check with our VP of Sales.', ['objection_raised']],
  ['customer', "Great, we'll review it and get back to you by Friday.", ['next_step_agreed']],
  ['rep', 'Order form is attached, please sign via DocuSign.', ['contract_sent']],
  ['customer', 'Signed!', ['deal_won']],
  ['customer', 'She approved it, sending the PO now.', ['deal_won']],
  ['customer', 'We signed with DHL last week, sorry.', ['competitor_mentioned', 'deal_lost']],
  ['customer', 'Tuesday at 10am works.', ['meeting_scheduled']],
  ['rep', 'Sure, moved to Thursday 2pm.', ['meeting_scheduled']],
  ['customer', "We're going with Zoho, it's cheaper.", ['competitor_mentioned', 'deal_lost']],
  ['customer', 'Your competitor offered us free installation.', ['objection_raised', 'competitor_mentioned']],
  ['rep', 'Happy to match free installation if you sign this month.', ['objection_handled']],
  ['rep', 'Brochure sent!', ['material_sent']],
  ['customer', 'Got it, thanks.', []],
  ['rep', '我这边给您算了一下，您现在每年人工成本大概30万', []],
  ['customer', '我们明天下午开会，开完再说', []],
  ['customer', '别家都是按年收费的吗', ['competitor_mentioned']],
  ['customer', '目前没有这方面的需求', ['objection_raised']],
  ['customer', '这个得问一下我们IT', ['objection_raised']],
  ['customer', '合同里付款条款能改成3-3-4吗', ['buying_signal']],
  ['rep', '不好意思，报价单上有个数字写错了，更正版发您了', ['quote_sent']],
  ['customer', 'Our team meets every Monday at 9am.', []],
  ['rep', 'Most teams your size spend about $20k a year on this.', []],
  ['customer', 'Can you do $55?', ['price_inquiry']],
  ['customer', 'Is the price negotiable?', ['price_inquiry']],
  ['customer', 'We need this live by March.', ['buying_signal']],
  ['customer', 'Sorry, we decided not to move forward at this time.', ['objection_raised']],
  ['customer', "We're evaluating three vendors including you.", ['competitor_mentioned']],
];

describe('realistic threads', () => {
  it.each(THREADS)('%s: %s → %j', (role, text, expected) => {
    expect(kinds(role, text)).toEqual(expected);
  });

  it('runs the English rules too when a Chinese message holds an English phrase', () => {
    expect(kinds('rep', '王总您好，attached is our quote for the 40 seats')).toEqual(['quote_sent']);
  });

  it('keeps buying_signal beside deal_won only for an implementation or invoicing ask', () => {
    expect(kinds('customer', '合同已盖章，我们转给法务归档了')).toEqual(['deal_won']);
    expect(kinds('customer', '合同已盖章寄出，发票抬头怎么开？')).toEqual(['buying_signal', 'deal_won']);
  });
});

describe('output shape', () => {
  it('lists at most one action per kind, in catalogue order, confidences in 0..1', () => {
    const actions = run('customer', '太贵了，而且别家便宜30%，我们已经在用销售易了');
    expect(actions.map((a) => a.kind)).toEqual(['objection_raised', 'competitor_mentioned']);
    expect(actions[0]?.objection).toBe('competitor');
    for (const a of actions) expect(a.confidence).toBeGreaterThan(0);
    for (const a of actions) expect(a.confidence).toBeLessThanOrEqual(1);
  });

  it('detects the language from the text and honours an explicit one', () => {
    expect(detectLang('这台设备大概什么价位')).toBe('zh');
    expect(detectLang('How much is the X200 demo unit?')).toBe('en');
    expect(analyzeRules({ role: 'rep', text: '报价单发您了', lang: 'en' })).toEqual([]);
  });

  it('handles full-width digits and punctuation', () => {
    expect(find('rep', '这套是１２．８万，含安装', 'quote_sent')?.amount).toBe(128000);
  });

  it('analyze is the rules analyzer for now', () => {
    expect(analyze({ role: 'customer', text: '能报个价吗' })).toEqual(analyzeRules({ role: 'customer', text: '能报个价吗' }));
  });
});

describe('rule hits for the classifier', () => {
  it('names each fired rule with its kind and attributes', () => {
    const hits = ruleHits({ role: 'rep', text: '报价单发您了，总价35000元' });
    expect(hits).toContainEqual(expect.objectContaining({ id: 'zh.quote.doc_sent', kind: 'quote_sent' }));
    expect(hits).toContainEqual(expect.objectContaining({ id: 'zh.quote.price_amount', kind: 'quote_sent', amount: 35000 }));
  });

  it('gives precise patterns more confidence than loose ones', () => {
    const precise = ruleHits({ role: 'rep', text: '报价单已经发您了' })[0];
    const loose = ruleHits({ role: 'rep', text: '最低可以给到85折' })[0];
    expect(precise?.confidence).toBeGreaterThan(loose?.confidence ?? 1);
  });

  it('builds every pattern completely (no fragment left uninterpolated)', () => {
    for (const r of RULES) {
      expect(r.re.source, r.id).not.toContain('${');
      expect(r.not?.source ?? '', r.id).not.toContain('${');
    }
  });

  it('has unique rule ids and rules for every action of the catalogue', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of EXTRA_RULE_IDS) expect(ids).not.toContain(id);
    for (const kind of ACTION_KINDS) {
      for (const lang of ['zh', 'en']) expect(RULES.some((r) => r.kind === kind && r.lang === lang) || kind === 'competitor_mentioned').toBe(true);
    }
  });
});

describe('competitor list', () => {
  afterEach(() => setCompetitors(DEFAULT_COMPETITORS));

  it('does not count chat platforms or the customer\u2019s own tools', () => {
    expect(kinds('customer', '我们现在用Excel和钉钉管客户')).not.toContain('competitor_mentioned');
    expect(kinds('customer', 'We run everything on Slack and Feishu.')).not.toContain('competitor_mentioned');
  });

  it('does not fire on a name hidden inside a word', () => {
    expect(kinds('rep', 'I will reply asap about the clarification.')).not.toContain('competitor_mentioned');
  });

  it('can be replaced by configuration', () => {
    setCompetitors(['Acme Conveyors', '钉钉']);
    expect(find('customer', 'We also talked to Acme Conveyors.', 'competitor_mentioned')?.competitor).toBe('Acme Conveyors');
    expect(kinds('customer', '我们也在看销售易')).not.toContain('competitor_mentioned');
    expect(kinds('customer', '我们都用钉钉')).not.toContain('competitor_mentioned');
  });
});
