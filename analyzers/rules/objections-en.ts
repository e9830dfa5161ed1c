/**
 * English objection rules: objection_raised (customer) with its type, and objection_handled
 * (rep) where the text itself shows it answers a concern. Mirrors ./objections-zh.ts.
 */
import type { Rule } from './types.ts';
import { E, re } from './patterns.ts';

const raised = (id: string, objection: Rule['objection'], confidence: number, pattern: string, not?: string): Rule => ({
  id: `en.objection.${id}`,
  kind: 'objection_raised',
  role: 'customer',
  lang: 'en',
  confidence,
  objection,
  re: re(pattern),
  ...(not ? { not: re(not) } : {}),
});

const handled = (id: string, confidence: number, pattern: string, extra?: Partial<Rule>): Rule => ({
  id: `en.handled.${id}`,
  kind: 'objection_handled',
  role: 'rep',
  lang: 'en',
  confidence,
  re: re(pattern),
  ...extra,
});

const EN_PRICE =
  "(?<!not |isn't |not that |not too )(?:too|very|quite|really|a bit|a little|kind of|pretty|way too) (?:expensive|pricey|steep|costly)|(?:price|pricing|cost|quote) (?:is|seems|feels|looks) (?:too |a bit |quite |really )?(?:high|steep|much)|(?:over|above|exceeds?|exceeding|outside|beyond|blow(?:s|ing)?) (?:our |the |my )?budget|can'?t afford|out of (?:our |my )?(?:price range|budget|league)|costs? (?:way )?too much|not worth (?:the|that|it at that) (?:price|money)|budget is (?:tight|limited|only)|more than we (?:can|want to|planned to|budgeted to) (?:spend|pay)|more than (?:we|i) (?:budgeted|planned|expected|allocated)|hard to justify (?:the|that) (?:cost|price|spend)";
const EN_COMPETITOR_BASIS =
  "cheaper|less expensive|lower (?:price|quote|bid)|quoted (?:us )?(?:less|lower)|(?<!\\d)\\d+% (?:less|cheaper|lower)|for free|free of charge|(?:is|are|looks|seems) better|\\bfree\\b|offer(?:s|ed)? (?:us )?(?:a |an )?(?:free|better|bigger|lower|discount)|throw(?:s|ing)? in|more features|already (?:use|using|have|on|work with|signed)|currently (?:use|using|on|with)|\\bwe use\\b|we're (?:on|with)|happy with|under contract with|locked in with|been with|for (?:years|a long time)|incumbent|existing (?:vendor|supplier|provider)";
const EN_TIMING =
  "no budget (?:this|until|left|for)|budget (?:is |was |has been )?(?:frozen|spent|used up|exhausted|cut)|(?:next|new) (?:fiscal |financial )?year|not (?:the )?(?:right|good|best) time|bad timing|(?:busy|peak|high) season|relocat|moving (?:offices|facilities|our warehouse|plants?|sites)|(?:is|are|we're|we are) moving (?:in|next|this|to)|let's talk (?:again )?after|restructur|reorg|(?:put|putting|puts) (?:this|it|things|the project|everything) on (?:hold|ice)|on hold|(?:pause|pausing|paused) (?:this|it|for|the)|revisit (?:this |it )?(?:in|next|after|later)|circle back (?:in|after|next)|(?:maybe|perhaps) (?:in|next) (?:q\\d|quarter|year)|after (?:the )?(?:holidays|chinese new year|cny|q\\d|summer)|not a priority (?:right now|this quarter|this year)|not (?:to )?(?:move|moving) forward (?:at this time|for now|right now|this (?:year|quarter))|too (?:busy|swamped) (?:right now|at the moment|this)";
const EN_AUTHORITY =
  "not my (?:call|decision)|(?:isn'?t|not) up to me|(?:my |our |the )?(?:boss|manager|ceo|cfo|cto|coo|director|vp|board|hq|headquarters|it director|head of it|procurement committee|leadership|management|owner|parent company) (?:has|needs|will|would|gets|makes|decides?|has to|must|to) (?:\\w+ )?(?:decide|approve|sign off|say|final|call|look)|(?:need|needs|have|has) to (?:check|run (?:it|this) by|get approval from|get sign-?off from|talk to|consult|clear (?:it|this) with) (?:my|our|the) (?!legal|lawyers?|team about)|above my pay grade|(?:i'm|i am) not the (?:one|person) (?:who|that) (?:decides|makes|signs)|not the decision[- ]maker|(?:manager|director|boss|owner|board|ceo|cfo|vp|gm) (?:does|decides|will decide|makes the (?:final )?(?:call|decision))|final say|(?:need|needs) (?:sign-?off|approval) from|i can'?t (?:decide|approve|sign)|(?:let me|i'll|i will|i need to|i have to|i'd have to|i must) (?:check|run it|run this|talk|speak|confirm|clear it) (?:by |with )(?:my |our |the )(?:boss|manager|vp|director|ceo|cfo|cto|coo|head of|owner|board|management|leadership|gm|general manager)";
const EN_NEED =
  "(?:excel|spreadsheets?|google sheets|our current (?:process|system|setup|tool)|pen and paper|whiteboard|email) (?:works?|is|are|does|do) (?:\\w+ )?(?:fine|enough|ok|okay|the job|for us)|don'?t (?:really )?(?:see the need|see a need|need (?:all )?(?:that|this|those|a (?:crm|system|tool))|need (?:all )?those features|need all (?:these|those|the) (?:\\w+ )?(?:modules|features|functions|bells))|no (?:real )?need for|(?:is|seems|feels|sounds) (?:like )?overkill|more than we need|nice[- ]to[- ]have|(?:we're|we are) (?:too )?small (?:for|to need)|manag(?:e|ing) (?:fine|ok|just fine) (?:without|with)|doesn'?t solve (?:a|any|our) (?:real )?(?:problem|pain)|not (?:a )?(?:real )?(?:pain point|problem for us)";
const EN_TRUST =
  'how long have you been (?:around|in business|operating)|how (?:old|big) is your (?:company|team)|(?:just|only) a startup|is (?:our|my|the) data (?:safe|secure)|(?:security|privacy|compliance|data) (?:concerns?|worries|risks?)|worried (?:about|that)|concerned (?:about|that)|(?:any|do you have|can you share|got) (?:\\w+ )?(?:references|customers|clients|case studies) (?:in|like|we can|from|who)|references? (?:we|i) can (?:call|talk to|speak with)|who else[^.!?;\\n]{0,20}(?:uses|is using|has)|(?:do you have|is there) (?:a |any )?(?:local|onsite|on-site|regional) (?:support|team|engineers?|presence|office)|(?:sounds|seems) too good to be true|hard to believe|not (?:convinced|sure (?:about|we can trust))|skeptical|sceptical|how do (?:we|i) know|prove (?:it|that)|burn(?:ed|t)[^.!?;\\n]{0,30}before|burned by|can you (?:really|actually) (?:deliver|do that)|not sure (?:you|your (?:team|company|system|product)) (?:can|could|will)';

/** objection_raised and objection_handled in English. */
export const OBJECTION_RULES_EN: Rule[] = [
  {
    ...raised('price', 'price', 0.85, EN_PRICE),
    needs: ['expensive', 'pricey', 'steep', 'costly', 'pric', 'cost', 'quote', 'budget', 'afford', 'out of', 'worth', 'more than', 'justify'],
  },
  {
    ...raised('competitor', 'competitor', 0.9, EN_COMPETITOR_BASIS, 'integrat|sync with|connect (?:to|with)|import from|export to|api'),
    needsCompetitor: true,
  },
  raised('timing', 'timing', 0.8, EN_TIMING, 'go[- ]live|implementation'),
  raised('authority', 'authority', 0.8, EN_AUTHORITY),
  raised('need', 'need', 0.8, EN_NEED),
  raised('trust', 'trust', 0.7, EN_TRUST),

  {
    ...handled(
      'empathy',
      0.75,
      "(?:i|we) (?:completely |totally |fully )?(?:understand|hear) (?:your|the|that) (?:concern|worry|hesitation|point)|i hear you\\b|(?:that's|that is|it's) a (?:fair|valid|great|common|reasonable) (?:concern|point|question)|(?:don't|do not|no need to) worry|rest assured|(?:to|let me) address (?:your|that|the) (?:concern|question)|(?:i|we) get (?:that|it)[,.]? (?:but|however)|(?:totally|completely|i) get it|(?:that's|that is|it's) (?:understandable|completely understandable|totally fair)",
    ),
    needs: /understand|hear|concern|point|question|worry|assured|address|get|fair/,
  },
  handled(
    'price_reframe',
    0.65,
    `(?:price|cost|investment|budget|expensive)${E}{0,40}(?:but|however|actually|when you factor|works out)|works out (?:to|at) (?:only |just |less than |under )?[$¥€£]?\\d|pays? for itself|payback (?:period|in)|\\broi\\b|saves? (?:you|your team) ${E}{0,20}(?:hours|\\$|money|headcount|time)|total cost of ownership|\\btco\\b`,
  ),
  {
    ...handled(
      'competitor_diff',
      0.7,
      `(?:compared (?:to|with)|unlike|versus|vs\\.?) ${E}{0,20}(?:other vendors?|them|the competition|competitors?|other tools)|what sets us apart|the (?:key |main |big )?difference (?:is|with us)|where we (?:differ|stand out)`,
    ),
    needs: /compared|unlike|versus|vs|sets us apart|difference|differ|stand out/,
  },
  {
    ...handled('competitor_named', 0.65, 'compared|unlike|versus|\\bvs\\b|difference|whereas|while they|but we|we also|switch(?:ed|ing)? from|migrat'),
    needsCompetitor: true,
  },
  handled(
    'concession',
    0.65,
    `(?:(?:we|i) (?:can|could)|what if we|how about (?:we|if we)|(?:happy|willing|able) to) ${E}{0,20}(?:split|phase|stage|spread|start (?:with|small)|pilot|trial|extend|waive|include|throw in|match|offer (?:a|an) (?:extra|additional|pilot|trial|discount))|(?:got|secured|have) (?:approval|sign-off) for (?:an? )?(?:extra|additional|special)|free (?:pilot|trial|proof of concept|poc)|payment (?:plan|in installments)|bring (?:it|the price|that) down to|if you (?:sign|commit|prepay|pay upfront)|for a (?:multi-year|2-year|3-year|two-year|three-year|annual) (?:term|commitment|contract)`,
  ),
  handled(
    'proof',
    0.7,
    `(?:many|most|a lot) of our (?:customers|clients)${E}{0,30}(?:same|similar|felt|had|raised|worried|thought)|(?:we're|we are) (?:soc ?2|iso ?27001|hipaa|gdpr|fda|ce)[- ]?(?:type ii |compliant|certified)?|\\b(?:soc ?2|iso ?27001)\\b${E}{0,10}(?:certified|compliant|report)|references? you can (?:call|talk to|speak with)|happy to (?:connect|introduce) you (?:with|to) ${E}{0,25}(?:customers?|clients?|references?)|(?:local|regional|onsite) (?:support|engineers?|team) in`,
  ),
  // A customer count is evidence, but on its own it may just be a pitch: lower.
  handled('proof_scale', 0.55, `(?:(?<!\\d)\\d+|hundreds|thousands)\\+? (?:customers|clients|hospitals|schools|plants|warehouses|stores)`),
  handled(
    'authority_help',
    0.65,
    `happy to (?:join|present to|walk|brief|prepare ${E}{0,20}for) (?:your |the )?(?:boss|manager|cfo|ceo|cto|director|board|leadership|vp|team)|(?:one-pager|summary|business case) (?:for|to share with) your (?:boss|manager|cfo|ceo|director|board|leadership)`,
  ),
  handled(
    'timing_help',
    0.65,
    `(?:hold|lock(?: in)?|honor|keep) (?:this|the|today's|current) (?:price|pricing|discount|rate)|start billing (?:next|in|after)|sign now and (?:pay|start|go live)|deferred (?:billing|payment)`,
  ),
  handled('need_reframe', 0.65, `(?:excel|spreadsheets?)${E}{0,30}(?:but|however|breaks|error|doesn't scale|hard to)|as (?:you|your team) (?:grow|scale)`),
];
