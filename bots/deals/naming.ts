/**
 * A deal's name: the chat's title when it has one, else a customer organisation named in the
 * chat (「我们华东医疗这边…」), else the owner is asked. A chat id is never a name.
 */

// An organisation: 2–12 name characters ending in a word organisations end with.
const ORG =
  /([\u4e00-\u9fa5A-Za-z0-9]{2,12}?(?:股份有限公司|有限责任公司|有限公司|集团|公司|医院|大学|学院|学校|银行|研究院|研究所|中心|科技|制药|药业|物流|电子|实业|工厂|厂))/;
// Words that end like an organisation but say "we" or "you" or a place, not a name.
const NOT_A_NAME = /^(我们|你们|贵|咱们|他们|本|该|这家|那家|这个|那个|一家|哪家|别家|其他|另一家|其它|总|分|子|母)/;

/** The organisation a message names, if any. */
export function organisationIn(text: string): string | null {
  const m = ORG.exec(text.slice(0, 500));
  if (!m) return null;
  let name = m[1]!.replace(/^(我们|咱们|我司|我这边|这边|我是|我们是|来自)/, '');
  if (name.length < 4 || NOT_A_NAME.test(name)) return null;
  // 「华东医疗科技有限公司」 is called 华东医疗 in conversation.
  name = name.replace(/(股份有限公司|有限责任公司|有限公司)$/, '');
  return name.length >= 2 ? name : null;
}
