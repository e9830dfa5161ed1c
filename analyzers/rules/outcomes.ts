/**
 * follow_up (rep checks in on a pending item) and the outcomes deal_won / deal_lost (either
 * role). Outcomes are vetoed by negation, questions and conditions in the same clause
 * (合同还没盖章, "once it's signed"); a pause for a while is a timing objection, not a loss.
 */
import type { Rule } from './types.ts';
import { E, G, re } from './patterns.ts';

const rule = (id: string, kind: Rule['kind'], lang: Rule['lang'], confidence: number, pattern: string, extra?: Partial<Rule>): Rule => ({
  id: `${lang}.${id}`,
  kind,
  role: kind === 'follow_up' ? 'rep' : 'either',
  lang,
  confidence,
  re: re(pattern),
  ...extra,
});

const ZH_PENDING = '(?:方案|报价|合同|协议|试用|样机|测试|po|订单|预算|审批|流程|采购|建议书|资料|申请|评估|招标|立项|内部讨论|领导|老板|法务|盖章|付款)';
const EN_PENDING =
  '(?:proposal|quote|quotation|contract|agreement|trial|pilot|po\\b|purchase order|budget|approval|decision|review|evaluation|order form|pricing|sign-?off|legal|paperwork|poc|business case)';

const ZH_WON_NOT = re(
  `(?:没|未|还没|尚未|不会|没有)${G}{0,2}(?:盖|签|付|打|中|下|续|选|定)|(?:盖章|签|付|打款|下单|中标|续约|续费|续签)${G}{0,3}(?:了吗|吗|没有|没\\?)|(?:什么时候|何时|等|待|如果|一旦|需要|准备|才能|争取|希望)${G}{0,4}(?:盖|签|付|打|下|续|中)`,
);
const EN_WON_NOT = re(
  `(?:not|n't|never|yet to) (?:\\w+ )?(?:signed|issued|sent|paid|renew|selected|won|chosen)|(?:once|when|after|if|until|before|as soon as) ${E}{0,25}(?:signed|issued|paid|approved|renew|select)|(?:signed|issued|paid|approved|renewed) yet|pending|will be (?:signed|issued|paid)|(?:did|have|has) (?:you|they|we) ${E}{0,15}(?:sign|issue|pay|send)|signed with (?!you|your|us\\b)|(?:will|'ll|going to|about to) (?:\\w+ )?(?:send|issue|raise|sign|pay)`,
);
// Pausing for a while is a timing objection (ACTIONS.md), not a lost deal.
const ZH_PAUSE = '暂时|暂缓|暂不|先|一段时间|今年|明年|年后|下半年|以后再|再说|等|过段时间|推迟|延期';
const EN_PAUSE = 'for now|for a while|until|this quarter|this year|right now|temporarily|pause|on hold|at this time|at the moment|\\byet\\b';

// Prefilters (Rule.needs): every match of the rule holds one of these. Speed only.
const NEEDS: Record<string, RegExp> = {
  'zh.follow.pending_status': /[样如吗没哪进什]/,
  'zh.follow.check_progress': /[跟确同问了关想]/,
  'zh.follow.generic': /[考进领老那]/,
  'zh.won.signed': /[章签盖寄]/,
  'zh.won.countersigned': /[签章效]/,
  'zh.won.tender': /中标/,
  'zh.won.chose_you': /[你贵您]/,
  'zh.won.po': /po|订单|采购/,
  'zh.won.po_received': /收到/,
  'zh.won.paid': /[款金]/,
  'zh.won.renewed': /续/,
  'zh.lost.chose_other': /[别其另友]/,
  'zh.lost.decided_no': /[不弃回继]/,
  'zh.lost.cancelled': /[取砍黄终撤叫做]/,
  'zh.lost.not_interested': /兴趣/,
  'zh.lost.tender': /[标丢]/,
  'en.follow.check_in_pending':
    /proposal|quot|contract|agreement|trial|pilot|po|purchase|budget|approv|decision|review|evaluation|order form|pricing|sign|legal|paperwork|business case/,
  'en.won.countersigned': /sign|executed|welcome aboard/,
  'en.won.po': /po|purchase order/,
  'en.won.chose_you': /with you|going with you|our (?:chosen |preferred )?(?:vendor|partner|supplier)|selected|chosen|picked|won the|awarded/,
  'en.won.received': /thank|received/,
  'en.won.paid': /payment|paid|wired|transferred/,
  'en.won.renewed': /renew/,
  'en.lost.chose_other': /another|different|other|competitor|cheaper|someone/,
  'en.lost.decided_no': /not|won|passing|cancel|scrapped|killed|dropped|lost|direction|didn/,
  'en.lost.not_interested': /interested/,
};

/** follow_up, deal_won and deal_lost in both languages. */
export const OUTCOME_RULES: Rule[] = (
  [
    rule(
      'follow.pending_status',
      'follow_up',
      'zh',
      0.85,
      `${ZH_PENDING}[^。!?\\n]{0,14}(?:怎么样了|如何了|看了吗|看过了吗|看得怎么样|看完了吗|(?:有|出)(?:反馈|结果|进展|结论|消息|回复|意见)了?(?:吗|没)|批下来了?(?:吗|没)|批了吗|审完了?(?:吗|没)|审得怎么样|走到哪|到哪一步|考虑得怎么样|评估得怎么样|进展如何|进展怎么样|定了吗|签了吗|有什么(?:意见|想法|问题|顾虑|反馈)|有没有什么(?:意见|想法|问题|反馈))`,
    ),
    rule(
      'follow.check_progress',
      'follow_up',
      'zh',
      0.75,
      `(?:跟进|跟您确认|跟您同步|问一下|了解一下|想确认|确认一下|关心一下)(?:一下)?${G}{0,8}(?:进展|进度|情况|结果|结论|意见|反馈|流程)`,
    ),
    rule('follow.generic', 'follow_up', 'zh', 0.6, '考虑得怎么样了|有什么新的?进展|最近进展如何|(?:领导|老板|那边)(?:怎么说|什么意见|有什么想法)'),
    rule(
      'follow.check_in_pending',
      'follow_up',
      'en',
      0.85,
      `(?:check(?:ing)? in|follow(?:ing)? up|circl(?:e|ing) back|touch(?:ing)? base|any (?:update|news|progress|feedback|thoughts|word)|did you (?:get|have) a chance|have you had a chance|(?:wanted|want) to (?:see|check)|where (?:are|do) (?:we|things) stand|how(?:'s| is| are) (?:the|your))${E}{0,40}${EN_PENDING}`,
    ),
    rule(
      'follow.pending_status',
      'follow_up',
      'en',
      0.8,
      `${EN_PENDING}${E}{0,30}(?:any (?:update|news|progress)|been (?:approved|signed|reviewed)|approved yet|signed yet|going|coming along|moving|progressing|landed)\\b${E}{0,10}\\?`,
    ),
    rule('follow.generic', 'follow_up', 'en', 0.6, '^(?:hi[^,]*, )?(?:just )?(?:checking in|following up|circling back|touching base)\\b'),

    rule(
      'won.signed',
      'deal_won',
      'zh',
      0.9,
      `(?:合同|协议|订单)${G}{0,6}(?:已|已经|都)(?:盖章|盖好章|盖好|签|签署|签字|双签|回签|寄回)|(?:已|已经)(?:盖章|签约|签合同|签署|回签|双签|盖好章)|盖好章(?:了|寄)|签好了|签完了|盖完章`,
      // A rep stamping our side sends a contract; only the customer's signature wins the deal.
      { role: 'customer', not: ZH_WON_NOT },
    ),
    rule(
      'won.countersigned',
      'deal_won',
      'zh',
      0.85,
      `双签|双方${G}{0,2}(?:已|都)?(?:签|盖章)|收到${G}{0,8}(?:盖章|签字|签好|回签)(?:的|版)?${G}{0,2}(?:合同|协议)|(?:贵司|您那边|您们)${G}{0,4}(?:已|已经)?(?:盖章|签|回签)(?:了|好)|合同${G}{0,4}(?:已|已经)?生效`,
      { role: 'rep', not: ZH_WON_NOT },
    ),
    rule('won.tender', 'deal_won', 'zh', 0.9, '中标了|中标通知|确定中标|成功中标|中标结果出来了?,?(?:是)?(?:你们|贵司)', { not: ZH_WON_NOT }),
    rule(
      'won.chose_you',
      'deal_won',
      'zh',
      0.85,
      '(?:决定|确定|最终|就)(?:选|用|采购|选择|合作)(?:你们|贵司|您们|您家|你家)|(?:跟|和)(?:你们|贵司)合作(?:了|吧)|就(?:选|用|定)(?:你们|贵司)了',
      { not: ZH_WON_NOT },
    ),
    rule('won.po', 'deal_won', 'zh', 0.85, `(?:po|订单|采购订单|采购单)${G}{0,4}(?:已|已经)?(?:下|发|签|开)(?:了|给您|过去)|(?:下|发)了(?:po|订单|采购单)`, {
      not: ZH_WON_NOT,
    }),
    // The rep acknowledging the customer's PO: 刚收到贵司的PO.
    rule('won.po_received', 'deal_won', 'zh', 0.8, `收到${G}{0,6}(?:po|采购订单|采购单)`, { not: re(`${ZH_WON_NOT.source}|确认书|确认单|吗`) }),
    rule(
      'won.paid',
      'deal_won',
      'zh',
      0.85,
      `款(?:已经|已)?(?:打|付|转|汇)(?:过去|了)|(?:首付款|预付款|货款|尾款|首款|定金|订金)${G}{0,4}(?:已|已经)?(?:付|打|转|汇)(?:了|过去)|(?:首付款|预付款|货款|款项|定金)(?:已|已经)?到账|收到${G}{0,4}(?:首付款|预付款|货款|款项|定金)`,
      { not: ZH_WON_NOT },
    ),
    rule('won.renewed', 'deal_won', 'zh', 0.85, `续约了|续费了|续签了|(?:续约|续签|续费)${G}{0,4}(?:已|已经)(?:批|签|定|完成)`, { not: ZH_WON_NOT }),
    rule(
      'won.signed',
      'deal_won',
      'en',
      0.9,
      `(?:contract|agreement|order form|msa|sow|paperwork)${E}{0,20}(?:is|has been|was|'s|are|have been) (?:fully |now )?(?:signed|countersigned|executed)|we(?:'ve| have)? (?:just |officially |finally )?signed\\b|signed (?:the|your) (?:contract|agreement|order form|paperwork)|countersigned`,
      { role: 'customer', not: EN_WON_NOT, needs: ['sign', 'executed'] },
    ),
    rule(
      'won.countersigned',
      'deal_won',
      'en',
      0.85,
      'fully (?:signed|executed)|received (?:your|the) (?:signed|countersigned) (?:contract|agreement|order form|copy|po)|(?:thanks|thank you) for (?:signing|the signed)|welcome aboard',
      { role: 'rep', not: EN_WON_NOT },
    ),
    rule('won.signed_short', 'deal_won', 'en', 0.8, '^(?:all |contract |agreement )?(?:signed|countersigned)[!. ]*(?:$|thanks|thank you)', {
      not: EN_WON_NOT,
      needs: ['sign'],
    }),
    rule(
      'won.po',
      'deal_won',
      'en',
      0.85,
      `(?:\\bpo\\b|purchase order)${E}{0,15}(?:has been|was|is|'s) (?:issued|sent|raised|approved|cut)|(?:issued|sent|raised|cut|sending|issuing|raising) (?:you )?(?:the|a|our) (?:po\\b|purchase order)`,
      { not: EN_WON_NOT },
    ),
    rule(
      'won.chose_you',
      'deal_won',
      'en',
      0.85,
      `decided to go with you|(?:we're|we are) going with you|you(?:'re| are) our (?:chosen |preferred )?(?:vendor|partner|supplier)|(?:we(?:'ve| have)? )?(?:selected|chosen|picked) (?:you|your (?:team|company|solution|proposal))|won the (?:tender|bid|rfp)|awarded (?:you|your company|us) (?:the )?(?:contract|tender|bid)`,
      { not: EN_WON_NOT },
    ),
    // The rep acknowledging a PO or payment: "thank you for the PO", "payment received".
    rule(
      'won.received',
      'deal_won',
      'en',
      0.8,
      `(?:thank you|thanks) for (?:the|your) (?:po\\b|purchase order|order\\b|payment|deposit)|(?:payment|deposit|\\bpo\\b|purchase order)(?: copy)? (?:has been |was )?received|received (?:the|your) (?:po\\b|purchase order|deposit|payment|tt copy|remittance)`,
      { role: 'rep', not: EN_WON_NOT },
    ),
    rule(
      'won.paid',
      'deal_won',
      'en',
      0.85,
      `payment (?:has been|was|is) (?:sent|made|wired|transferred|processed)|(?:wired|paid|transferred) (?:the|your) (?:invoice|deposit|first installment|payment)|(?:received|got) (?:your|the) (?:payment|deposit)`,
      { not: EN_WON_NOT },
    ),
    rule(
      'won.renewed',
      'deal_won',
      'en',
      0.85,
      `renewal (?:is|has been) (?:approved|signed|confirmed|done)|(?:we've|we have) renewed|signed the renewal|(?:we'll|we will) renew\\b`,
      { not: EN_WON_NOT },
    ),

    rule('lost.chose_other', 'deal_lost', 'zh', 0.9, '(?:选|选择|定|签|用)了(?:别家|其他家|其他厂家|其他供应商|另一家|另外一家|友商|其他品牌)', {
      impliesCompetitor: true,
      not: re('之前|以前|原来|当时|曾经|如果|要是'),
    }),
    rule(
      'lost.decided_no',
      'deal_lost',
      'zh',
      0.85,
      '(?:决定|确定|最终|已经)(?:不|不再)(?:采购|购买|合作|上|用|考虑|续约|续费|续签|买|推进)|不(?:续约|续费|续签)了|就不(?:合作|考虑|采购|买|上|用)了|不打算(?:采购|合作|续约|续费|买|上)了|放弃(?:了)?(?:采购|合作|这个项目|购买)|(?:用回|继续用)(?:原来|之前|现在)的(?:系统|方案|供应商)',
      { not: re(ZH_PAUSE) },
    ),
    rule('lost.cancelled', 'deal_lost', 'zh', 0.85, `(?:项目|采购|招标|计划)${G}{0,6}(?:取消|砍掉|砍了|黄了|终止|撤销|叫停|不做了)`, { not: re(ZH_PAUSE) }),
    rule('lost.not_interested', 'deal_lost', 'zh', 0.6, '^(?:不好意思,?)?(?:不|没)(?:感兴趣|兴趣)|(?:我们|我)(?:对这个)?(?:不|没)(?:感兴趣|兴趣)', {
      not: re(ZH_PAUSE),
    }),
    rule('lost.tender', 'deal_lost', 'zh', 0.85, `(?:没|没有|未)中标|丢单|丢了这个单|流标|落标|(?:招标|投标)${G}{0,4}(?:失败|没中)`),
    rule(
      'lost.chose_named',
      'deal_lost',
      'zh',
      0.85,
      // 已经在用 is an incumbent (a competitor objection), not a decision: 已经 needs 选/定/签.
      `(?:最终|最后|决定|确定)${G}{0,4}(?:选|选择|定|用|签|采购|上)|已经(?:选|选择|定|签|采购)了|(?:选|定|签)了|换成|换到|改用|转用`,
      { needsCompetitor: true, not: re(`之前|以前|原来|原先|当时|曾经|去年|想换|换掉|如果|要是|考虑|对比|还没|没有|吗|\\?|${ZH_PAUSE}`) },
    ),
    rule(
      'lost.chose_other',
      'deal_lost',
      'en',
      0.9,
      "(?:decided|chose|choosing|opted|going|gone|went|will go|we'll go) (?:to go )?with (?:another|a different|an ?other|the other|one of your competitors|a competitor|a cheaper|someone else)",
      { impliesCompetitor: true, not: re(EN_PAUSE) },
    ),
    rule(
      'lost.decided_no',
      'deal_lost',
      'en',
      0.85,
      "(?:decided|chosen|choose) not to (?:proceed|move forward|buy|purchase|renew|go ahead|continue)|(?:not|won'?t be|will not be) (?:moving forward|proceeding|renewing|going ahead)|(?:won'?t|will not) (?:renew|proceed|move forward|buy)|passing on this|(?:project|initiative|purchase|rfp|tender|deal) (?:has been|was|is|got) (?:cancell?ed|scrapped|killed|dropped)|cancell?ed the (?:project|rfp|tender|purchase|order)|lost the (?:tender|bid|deal)|went (?:in )?a different direction|(?:didn'?t|did not) (?:win|get) the (?:tender|bid|contract)",
      { not: re(EN_PAUSE) },
    ),
    rule('lost.not_interested', 'deal_lost', 'en', 0.6, "^(?:sorry,? )?not interested|(?:we're|we are|i'm|i am) not interested", {
      not: re(`${EN_PAUSE}|in (?:the|that|this) (?:feature|module|add-?on)`),
    }),
    rule(
      'lost.chose_named',
      'deal_lost',
      'en',
      0.85,
      '(?:decided to go with|chose|selected|picked|went with|going with|signed with|awarded (?:it|the contract|the deal) to|switched to|moving to|go with)',
      { needsCompetitor: true, not: re(`used to|previously|last year|before|\\bif\\b|considering|thinking about|might|may|\\?|${EN_PAUSE}`) },
    ),
    rule(
      'lost.went_with_unnamed',
      'deal_lost',
      'en',
      0.55,
      '(?:decided to go with|went with|have gone with|signed with|chose to go with) (?!you\\b|your\\b|it\\b|this\\b|that\\b|the\\b|a\\b|an\\b|our\\b|option|plan|\\d)[a-z]',
      { impliesCompetitor: true, not: re(`used to|previously|last year|\\bif\\b|\\?|${EN_PAUSE}`) },
    ),
  ] as Rule[]
).map((r) => (NEEDS[r.id] ? { ...r, needs: NEEDS[r.id] } : r));
