import { describe, expect, it } from 'vitest';
import { AUTO_CLOSE_CONFIDENCE, closesWithoutAsking, isPreciseClose, markPrecise } from '../../analyzers/precise.ts';
import { normalize } from '../../analyzers/text.ts';
import type { AnalyzerRole, DetectedAction } from '../../core/types.ts';

const won = (text: string, role: AnalyzerRole = 'customer') => isPreciseClose('deal_won', normalize(text), role);
const lost = (text: string, role: AnalyzerRole = 'customer') => isPreciseClose('deal_lost', normalize(text), role);

describe('isPreciseClose: deal won beyond doubt', () => {
  it.each<[string, AnalyzerRole]>([
    ['合同已盖章寄回，请查收', 'customer'],
    ['合同已经盖章回传给您了', 'customer'],
    ['协议我们已经签字了', 'customer'],
    ['我们已签约，后续实施请安排', 'customer'],
    ['盖好章了，快递寄回给您', 'customer'],
    ['双方已签字，合同生效', 'customer'],
    ['双方都已经盖章了', 'rep'],
    ['采购订单已下，请安排发货', 'customer'],
    ['PO已发您邮箱', 'customer'],
    ['订单已经下达', 'customer'],
    ['我们已经下单了', 'customer'],
    ['预付款已经打过去了', 'customer'],
    ['款已付，请开票', 'customer'],
    ['我们已打款，麻烦查一下', 'customer'],
    ['首付款已到账', 'rep'],
    ['收到贵司的预付款了，谢谢', 'rep'],
    ['收到贵司盖章的合同了', 'rep'],
    ['刚收到您那边的PO', 'rep'],
    ['中标通知书已经下来了', 'customer'],
    ['恭喜，你们已中标', 'customer'],
    ['我们中标了！', 'rep'],
    ['续约合同已经签好了', 'customer'],
    ['今年我们已经续费了', 'customer'],
    ['The contract has been signed', 'customer'],
    ["We've signed the agreement, attached", 'customer'],
    ['Signed contract attached', 'customer'],
    ['Attached is the countersigned contract', 'rep'],
    ['The PO has been issued', 'customer'],
    ["We've issued the purchase order", 'customer'],
    ['Payment has been sent', 'customer'],
    ['We wired the deposit this morning', 'customer'],
    ['Received your signed contract, thank you!', 'rep'],
    ['Thanks for the PO, we will schedule kickoff', 'rep'],
    ['Payment received, thanks', 'rep'],
    ['We won the tender!', 'rep'],
    ['The renewal has been signed', 'customer'],
    ['The agreement is fully executed', 'rep'],
  ])('%s (%s) → precise', (text, role) => {
    expect(won(text, role)).toBe(true);
  });
});

describe('isPreciseClose: deal won, not beyond doubt', () => {
  it.each<[string, AnalyzerRole]>([
    // Questions.
    ['合同盖章了吗？', 'customer'],
    ['合同盖章了没有', 'customer'],
    ['款已经付了吗', 'rep'],
    ['Has the contract been signed?', 'rep'],
    ['Did you issue the PO?', 'rep'],
    // Conditions and plans.
    ['等盖完章就付款', 'customer'],
    ['下周签约', 'customer'],
    ['如果价格合适，合同已经可以签了', 'customer'],
    ['合同生效后付款', 'customer'],
    ['我们准备下单了', 'customer'],
    ['PO will be issued next week', 'customer'],
    ["We'll sign the contract once legal approves", 'customer'],
    ['The contract is signed once legal approves', 'customer'],
    ['If the budget is approved, payment has been sent by Friday', 'customer'],
    // Negations and hedges.
    ['合同还没盖章', 'customer'],
    ['款还没到账', 'rep'],
    ['好像已经付款了，我问下财务', 'customer'],
    ['应该已经签了吧', 'customer'],
    ["We haven't signed yet", 'customer'],
    ['Payment has not been sent', 'customer'],
    ['I think the PO has been issued', 'customer'],
    // Other parties.
    ['他们公司已经签约了', 'customer'],
    ['听说他们已经付款了', 'rep'],
    ['They have signed the contract with us', 'customer'],
    // Ambiguous from a rep: our own stamp on a contract being sent.
    ['合同已盖章，寄给您', 'rep'],
    ['We have signed the contract on our side and sent it for countersignature', 'rep'],
    // Requests and receipts that are not outcomes.
    ['Please return the countersigned copy', 'rep'],
    ['收到付款通知了', 'rep'],
    ['合同模板发我一下', 'customer'],
    ['好的，我们内部走流程', 'customer'],
    ['Looking forward to working together', 'customer'],
    ['', 'customer'],
  ])('%s (%s) → not precise', (text, role) => {
    expect(won(text, role)).toBe(false);
  });
});

describe('isPreciseClose: deal lost beyond doubt', () => {
  it.each<[string, AnalyzerRole]>([
    ['我们已经定了别家', 'customer'],
    ['我们最终选了其他供应商', 'customer'],
    ['已经和友商签约了', 'customer'],
    ['不好意思，不用再联系了', 'customer'],
    ['请不要再打扰了', 'customer'],
    ['项目取消了', 'customer'],
    ['这个采购已经叫停了', 'customer'],
    ['我们不考虑你们了', 'customer'],
    ['决定不续约了', 'customer'],
    ['我们最后决定用销售易', 'customer'],
    ['这次我们没中标', 'rep'],
    ['We went with another vendor', 'customer'],
    ['We have decided to go with a different provider', 'customer'],
    ['The project has been cancelled', 'customer'],
    ['Please stop contacting us', 'customer'],
    ['We decided not to renew', 'customer'],
    ["We won't be renewing", 'customer'],
    ['We went with Salesforce', 'customer'],
    ['We lost the tender', 'rep'],
  ])('%s (%s) → precise', (text, role) => {
    expect(lost(text, role)).toBe(true);
  });
});

describe('isPreciseClose: deal lost, not beyond doubt', () => {
  it.each<[string, AnalyzerRole]>([
    ['如果价格不降我们就选别家', 'customer'],
    ['他们公司和别家签了', 'customer'],
    ['我们没有选别家', 'customer'],
    ['要是不行就选了别家', 'customer'],
    ['暂时不考虑你们了', 'customer'],
    ['今年不续约了，明年再看', 'customer'],
    ['项目可能取消', 'customer'],
    ['项目取消了吗？', 'customer'],
    ['我们还没中标结果', 'rep'],
    ['我们最终选了你们', 'customer'],
    ['别家报价更低', 'customer'],
    ['We might go with another vendor', 'customer'],
    ['If you cannot match the price we will go with another vendor', 'customer'],
    ['They went with another vendor last year', 'customer'],
    ['Did you go with another vendor?', 'rep'],
    ['The project is on hold for now', 'customer'],
    ["We're not renewing for now", 'customer'],
    ["We haven't decided to go with another vendor", 'customer'],
    ['We went with you', 'customer'],
    ['Another vendor is 20% cheaper', 'customer'],
  ])('%s (%s) → not precise', (text, role) => {
    expect(lost(text, role)).toBe(false);
  });
});

describe('markPrecise and closesWithoutAsking', () => {
  it('marks only deal_won and deal_lost', () => {
    const actions: DetectedAction[] = [
      { kind: 'buying_signal', confidence: 0.9 },
      { kind: 'deal_won', confidence: 0.7 },
    ];
    markPrecise(actions, normalize('合同已盖章寄回，发票怎么开？'), 'customer');
    expect(actions[0]?.precise).toBeUndefined();
    // The question in the sentence is about the invoice, but it shares the sentence: not precise.
    expect(actions[1]?.precise).toBe(false);
    markPrecise(actions, normalize('合同已盖章寄回。发票怎么开？'), 'customer');
    expect(actions[1]?.precise).toBe(true);
  });

  it('closes without asking on a precise signal at any confidence', () => {
    expect(closesWithoutAsking({ kind: 'deal_won', confidence: 0.51, precise: true })).toBe(true);
    expect(closesWithoutAsking({ kind: 'deal_lost', confidence: 0.5, precise: true })).toBe(true);
  });

  it('asks the owner on a weak guess (the 驻场 question at 0.51)', () => {
    expect(closesWithoutAsking({ kind: 'deal_won', confidence: 0.51, precise: false })).toBe(false);
    expect(closesWithoutAsking({ kind: 'deal_won', confidence: 0.51 })).toBe(false);
  });

  it('closes at or above AUTO_CLOSE_CONFIDENCE, never for other kinds', () => {
    expect(closesWithoutAsking({ kind: 'deal_won', confidence: AUTO_CLOSE_CONFIDENCE })).toBe(true);
    expect(closesWithoutAsking({ kind: 'quote_sent', confidence: 1, precise: true })).toBe(false);
  });
});
