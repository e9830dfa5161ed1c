import { describe, expect, it } from 'vitest';
import { isQuestion } from '../../analyzers/question.ts';

describe('isQuestion', () => {
  it.each([
    ['这个版本支持私有化部署？'],
    ['What about training?'],
    ['你们支持私有化部署吗'],
    ['能发一份案例给我吗。'],
    ['那你们的交付周期呢'],
    ['能不能先试用一个月'],
    ['这套系统多少钱'],
    ['什么时候能上线'],
    ['你们和销售易比怎么样'],
    ['为什么比上次报价高了'],
    ['有没有同行业的案例'],
  ])('Chinese question: %s', (text) => {
    expect(isQuestion(text)).toBe(true);
  });

  it.each([['好的，收到了'], ['报价单我们内部先看一下。'], ['下周三下午两点可以'], ['谢谢王经理'], ['合同已盖章']])('Chinese statement: %s', (text) => {
    expect(isQuestion(text)).toBe(false);
  });

  it.each([
    ['Could you send the case study'],
    ['How much is the enterprise plan'],
    ['when can we go live'],
    ['Is there a discount for two years'],
    ['Does it integrate with SAP'],
    ['We want SSO, right?'],
  ])('English question: %s', (text) => {
    expect(isQuestion(text)).toBe(true);
  });

  it.each([['Thanks, got it.'], ['We will review the quote internally'], ['Sounds good to me'], ['Please send the contract']])(
    'English statement: %s',
    (text) => {
      expect(isQuestion(text)).toBe(false);
    },
  );

  it.each([[''], ['   '], ['\n']])('empty or blank %j → false', (text) => {
    expect(isQuestion(text)).toBe(false);
  });

  it.each([
    ['你们数据存在哪里'],
    ['能否开专票'],
    ['是否支持私有化部署'],
    ['用的哪家的服务器'],
    ['Hi Tom. Can you share the SOC2 report'],
    ['Thanks. Is there a discount for NGOs'],
  ])('question without a question mark: %s', (text) => {
    expect(isQuestion(text)).toBe(true);
  });

  it.each([['Will do.'], ['Do let us know'], ['Thanks. Will do'], ['Is fine by me'], ['我们内部评估是否采购'], ['过几天给您答复']])(
    'not a question: %s',
    (text) => {
      expect(isQuestion(text)).toBe(false);
    },
  );
});
