import { describe, expect, it } from 'vitest';
import { TOPICS, type Topic } from '../../core/types.ts';
import { normalize } from '../../analyzers/text.ts';
import { detectTopics } from '../../analyzers/topics.ts';

const topics = (text: string): Topic[] => detectTopics(normalize(text));

// Each case: the message and exactly the topics it is about (in TOPICS order).
const CASES: Record<Topic, Array<[string, Topic[]]>> = {
  security: [
    ['你们数据存在哪里？要过等保吗？', ['security']],
    ['支持私有化部署吗', ['security']],
    ['我们医院要求本地部署，数据不能出院', ['security']],
    ['有没有等保三级的证明', ['security']],
    ['数据安全这块你们怎么保证', ['security']],
    ['服务器在哪？阿里云还是自己机房', ['security']],
    ['传输有加密吗', ['security']],
    ['你们有ISO27001认证吗', ['security']],
    ['私有话部署要多少钱', ['security']],
    ['信息安全部门要做个安全评估', ['security']],
    ['你们系统安全吗', ['security']],
    ['数据放云端还是本地', ['security']],
    ['Where is our data stored?', ['security']],
    ['Do you support on-prem deployment?', ['security']],
    ['Are you SOC 2 compliant?', ['security']],
    ['Our security team needs your pen test report', ['security']],
    ['Is the data encrypted at rest?', ['security']],
    ['We need data residency in China', ['security']],
  ],
  implementation: [
    ['对了，实施团队能驻场吗？', ['implementation']],
    ['签完合同多久能上线', ['implementation']],
    ['实施周期大概多长', ['implementation']],
    ['部署要多久', ['implementation']],
    ['你们有现场支持吗', ['implementation']],
    ['老系统的数据迁移谁来做', ['implementation']],
    ['交付周期能不能压缩到一个月', ['implementation']],
    ['什么时候能投入使用', ['implementation']],
    ['When can we go live?', ['implementation']],
    ['How long does implementation usually take?', ['implementation']],
    ['Can your engineers be onsite during the rollout?', ['implementation']],
    ['What does the onboarding timeline look like', ['implementation']],
    ['We need to migrate 5 years of records', ['implementation']],
  ],
  integration: [
    ['能和金蝶对接吗', ['integration']],
    ['你们有开放接口吗', ['integration']],
    ['能跟我们的ERP打通吗', ['integration']],
    ['和用友U8的数据同步怎么做', ['integration']],
    ['支持钉钉单点登录吗', ['integration']],
    ['OA系统对接要额外收费吗', ['integration']],
    ['你们有API文档吗', ['integration']],
    ['跟SAP集成过吗', ['integration']],
    ['你们能对接吗', ['integration']],
    ['Does it integrate with SAP?', ['integration']],
    ['Do you have a REST API?', ['integration']],
    ['Can it sync with our Salesforce instance?', ['integration']],
    ['We need SSO with Active Directory', ['integration']],
  ],
  payment: [
    ['付款方式是怎样的', ['payment']],
    ['能给三个月账期吗', ['payment']],
    ['可以分期付款吗', ['payment']],
    ['能开专票吗', ['payment']],
    ['发票收到了', ['payment']],
    ['我们只能对公转账', ['payment']],
    ['预付30%，尾款验收后付可以吗', ['payment']],
    ['帐期能不能长一点', ['payment']],
    ['可以月付吗', ['payment']],
    ['What are your payment terms?', ['payment']],
    ['Can we pay in installments?', ['payment']],
    ['Please send the invoice to our AP team', ['payment']],
    ['Net 60 is our standard', ['payment']],
  ],
  discount: [
    ['能打个八折吗', ['discount']],
    ['九折可以吗', ['discount']],
    ['还能再便宜点吗', ['discount']],
    ['有没有优惠', ['discount']],
    ['价格还有空间吗', ['discount']],
    ['最低多少能做', ['discount']],
    ['再让点利吧', ['discount']],
    ['抹个零头，凑个整', ['discount']],
    ['Any discount for a 3-year term?', ['discount']],
    ['Can you sharpen the price a bit?', ['discount']],
    ['Is there any wiggle room?', ['discount']],
    ['We were hoping for 15% off', ['discount']],
  ],
  competitor: [
    ['你们和销售易比怎么样', ['competitor']],
    ['别家报价比你们低', ['competitor']],
    ['友商也在跟我们谈', ['competitor']],
    ['我们再比一下', ['competitor']],
    ['我们同时在看几家', ['competitor']],
    ['有没有和纷享销客的对比表', ['competitor']],
    ['How do you compare to HubSpot?', ['competitor']],
    ['Another vendor quoted us 20% less', ['competitor']],
    ['Salesforce vs you, what is the difference', ['competitor']],
    ['We are shopping around right now', ['competitor']],
  ],
  legal: [
    ['我们法务对合同条款有几点意见', ['legal']],
    ['违约金比例太高了', ['legal']],
    ['责任上限能不能调整', ['legal']],
    ['知识产权归谁', ['legal']],
    ['先签个保密协议吧', ['legal']],
    ['合同里有几处要修改', ['legal']],
    ['争议解决要在我们当地仲裁', ['legal']],
    ['Legal has some redlines on the MSA', ['legal']],
    ['We need to cap your liability', ['legal']],
    ['Can you sign our NDA first?', ['legal']],
    ['The indemnity clause is too broad', ['legal']],
    ['Who owns the intellectual property?', ['legal']],
  ],
  executive: [
    ['董事长想跟你们老板见个面', ['executive']],
    ['我们老总下周想去拜访一下贵司', ['executive']],
    ['能不能安排高层会面', ['executive']],
    ['院长想亲自听一下', ['executive']],
    ['你们领导能过来一趟吗', ['executive']],
    ['我想约一下你们CEO', ['executive']],
    ['我们领导想过去看看', ['executive']],
    ['Our CEO would like to meet your founder', ['executive']],
    ['Could your VP join a call with our CFO?', ['executive']],
    ['We should set up an executive sponsor meeting', ['executive']],
    ['Let us arrange an exec-to-exec dinner', ['executive']],
  ],
  references: [
    ['有没有同行业的案例', ['references']],
    ['你们服务过哪些医院', ['references']],
    ['能去你们客户那边参观一下吗', ['references']],
    ['有标杆客户吗', ['references']],
    ['客户名单能发一份吗', ['references']],
    ['我们同行都在用什么', ['references']],
    ['哪几家在用你们系统', ['references']],
    ['Do you have case studies in logistics?', ['references']],
    ['Can we talk to a reference customer?', ['references']],
    ['Who else in our industry uses this?', ['references']],
    ['Could you share some references?', ['references']],
  ],
  training: [
    ['你们提供培训吗', ['training']],
    ['员工上手难不难', ['training']],
    ['有没有视频教程', ['training']],
    ['操作手册发我一份', ['training']],
    ['学习成本高吗', ['training']],
    ['这个功能怎么用', ['training']],
    ['Do you offer training for new users?', ['training']],
    ['Is there a user guide?', ['training']],
    ['What is the learning curve like?', ['training']],
  ],
  trial: [
    ['能先试用一个月吗', ['trial']],
    ['给我们开个测试账号', ['trial']],
    ['可以先做个POC吗', ['trial']],
    ['能不能先小范围试点', ['trial']],
    ['demo账号能给一个吗', ['trial']],
    ['我想先试试你们的系统', ['trial']],
    ['可以先试试吗', ['trial']],
    ['Is there a free trial?', ['trial']],
    ['Can we run a pilot with one team first?', ['trial']],
    ['Could you set up a sandbox for us?', ['trial']],
    ['We want a proof of concept before we commit', ['trial']],
  ],
};

describe('detectTopics: what a message is about', () => {
  for (const topic of TOPICS) {
    it.each(CASES[topic])(`${topic}: %s`, (text, expected) => {
      expect(topics(text)).toEqual(expected);
    });
  }
});

describe('detectTopics: several topics in one message', () => {
  it.each<[string, Topic[]]>([
    ['合同的付款条款我们法务要改', ['payment', 'legal']],
    ['私有化部署的话实施周期多久', ['security', 'implementation']],
    ['别家给了八折', ['discount', 'competitor']],
    ['能先试用吗？有培训吗？', ['training', 'trial']],
    ['What are the payment terms, and is there a discount for paying upfront?', ['payment', 'discount']],
    ['Can we see a case study and do a pilot?', ['references', 'trial']],
  ])('%s → %j', (text, expected) => {
    expect(topics(text)).toEqual(expected);
  });
});

describe('detectTopics: hard negatives (words that look like a topic but are not)', () => {
  it.each<[string, Topic[]]>([
    // A document being sent is an action, not a subject.
    ['合同发您了', []],
    ['报价单发您了，请查收', []],
    ['钉钉上发您了', []],
    ['我让同事跟您对接一下', []],
    ['对接人是张经理', []],
    ['我们的接口人是小李', []],
    ['电话没打通，晚点再打', []],
    ['跟您同步一下进展', []],
    ['我刚落地，晚点回您', []],
    ['线上线下都可以', []],
    ['新版本下周上线', []],
    ['注意安全，路上慢点', []],
    ['注意安全不要超速', []],
    ['跟您对接一下需求', []],
    ['这个事挺折腾的', []],
    // Phased implementation: not payment by instalments.
    ['我们分期实施，先上一期', ['implementation']],
    ['王总您好', []],
    ['我们老板觉得太贵了', []],
    ['我跟领导汇报一下', []],
    ['同行人员有三位', []],
    ['我试试看今天能不能搞定', []],
    ['好的，收到', []],
    ['周三下午两点线上演示', []],
    ['我们内部比较一下两个版本', []],
    ['Thanks, got it', []],
    ['For reference, the meeting is at 3pm', []],
    ['Please quote the payment reference… sorry, ignore that', ['payment']],
    ['We secured the budget last week', []],
    ['Is there an alternative date?', []],
    ['The clinical trial data is in the appendix', []],
    ['I will try to reach the boss today', []],
    ['Our board meets Thursday', []],
    ['Can you compare plans A and B for me?', []],
    ['Let me know the timeline for your decision', []],
    ['ASAP please', []],
  ])('%s → %j', (text, expected) => {
    expect(topics(text)).toEqual(expected);
  });
});

describe('detectTopics: input', () => {
  it('gives nothing for empty text', () => {
    expect(topics('')).toEqual([]);
  });

  it('reads full-width punctuation and upper case through normalisation', () => {
    expect(topics('ＰＯＣ能做吗？')).toEqual(['trial']);
    expect(topics('DOES IT INTEGRATE WITH SAP')).toEqual(['integration']);
  });

  it('lists topics in TOPICS order whatever the order in the text', () => {
    expect(topics('先试用，再谈付款')).toEqual(['payment', 'trial']);
  });
});

describe('detectTopics: one scan finds every topic', () => {
  it('finds a topic whose words start where another topic matched', () => {
    // 「付款」 (payment) and 「付款条款」 … 「条款」 (legal) overlap; both are found.
    expect(topics('付款条款')).toEqual(['payment', 'legal']);
  });

  it('finds every topic in a message that names them all', () => {
    const all = '等保 驻场 接口 发票 八折 别家 法务 董事长想见个面 案例 培训 试用';
    expect(topics(all)).toEqual([...TOPICS]);
  });

  it('finds topics of both scripts in a mixed message', () => {
    expect(topics('API对接和invoice的事')).toEqual(['integration', 'payment']);
  });
});
