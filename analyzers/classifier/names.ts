/**
 * Where a Chinese vendor name sits, for names no list holds. Character n-grams learn 「金蝶」
 * once it is in the training lines; an unknown 「远航」「嘉禾」「天衡」 leaves only its context:
 * 「远航的报价」, 「选了嘉禾」, 「跟立邦比」, 「星岚科技」. Each shape below is one feature; the model
 * learns what it is worth (cross-validated: competitor_mentioned in Chinese 0.81 → 0.83 out of fold).
 * Every pattern is a bounded run of ideographs between fixed words: linear in the text.
 */

// Two to four ideographs in a vendor slot.
const SLOTS: readonly [string, RegExp][] = [
  [
    'after-choice',
    /(?:选了|选的|给了|签给|定了用|用的是|买的|换成|换了|转到|在用|跟|和|比)([\u4e00-\u9fff]{2,4}?)(?:的(?:报价|方案|系统|设备|产品|价格|账期|合同)|那边|那家|家的|比|说|报|承诺|愿意|已经|也在|的工程师)/,
  ],
  ['opening', /^([\u4e00-\u9fff]{2,4}?)(?:那边|那家|的报价|的方案|报的|给的|说|承诺|愿意|已经|是本地|是老牌|也在|配|免费)/],
  ['chosen', /(?:选了|选的是|给了|签给了?|拍板用|定了用|决定用|改用|还是用|换成|转到)([\u4e00-\u9fff]{2,4}?)(?:了|的|[，。！,.!\s]|$)/],
  ['org-suffix', /([\u4e00-\u9fff]{2,3})(?:科技|智能|软件|信息|电子|物流|股份|机电|仪器)/],
];

// A filler that is the customer's own side, a pronoun, a department, a title or a function word
// (「领导那边」「财务那边」「张总那边」「跟领导说」) is no vendor.
const NOT_A_NAME =
  /^[跟和给找让向对在把被请帮说问等就也都还再]|^(?:我们|你们|他们|咱们|人家|对方|领导|老板|财务|采购|法务|总部|集团|公司|这边|那边|客户|厂家|同行|别家|友商|其他|另外|这家|那家|一家|两家|几家|本地|我|你|他|这|那|上次|之前|现在|目前|后来|已经|我这|你这|信息|技术|工程|项目|系统)|(?:总|经理|工|主任|老师|姐|哥|部|处|科|院|局|组|办|们)$/;

/** The ids of the vendor-name shapes found in `text` (normalised Chinese). */
export function chineseNameSlots(text: string): string[] {
  const out: string[] = [];
  for (const [id, re] of SLOTS) {
    const filler = re.exec(text)?.[1];
    if (filler !== undefined && !NOT_A_NAME.test(filler)) out.push(id);
  }
  return out;
}
