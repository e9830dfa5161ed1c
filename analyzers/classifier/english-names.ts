/**
 * What kind of thing a capitalised English name is, judged from the words around it. The name
 * features of ./words.ts give the model the name's neighbours one stem at a time ("quoted" after
 * one name, "charges" after another), which a few hundred training lines cannot cover: an unknown
 * vendor opening a sentence ("Acme quoted us 20% less", "Zoho does this for half") left little
 * trace, while places and people ("our office in Austin", "Mike from procurement") looked like
 * vendors. Here each candidate name gets one judgement, pooled over many context words:
 *
 * - `vendor`: a company suffix (Inc, Ltd, Freight, Labs…), a vendor verb or word after it
 *   ("quoted", "offers", "charges", "is cheaper", "their pricing", "'s trial") or a choosing verb
 *   before it ("went with", "picked", "switch to", "moving off", "vs", "than");
 * - `person`: a greeting or title before it ("Hi", "Thanks", "Dr", "Pastor", "my colleague"), or
 *   "from <department>", "here", "says" after it;
 * - `place`: a place preposition before it ("in", "at", "near", "to" after a shipping word) or a
 *   place noun after it ("Street", "office", "warehouse");
 * - `time`: a month or a day;
 * - `other`: none of these.
 *
 * Candidates are the names of ./words.ts: a run of capitalised words that does not open a
 * sentence, and a capitalised sentence opener the training lines never use in lower case
 * (./common-words.ts). One linear scan a message; words are looked up in small sets.
 */
import { COMMON_WORDS } from './common-words.ts';

export type NameKind = 'vendor' | 'person' | 'place' | 'time' | 'other';

const set = (words: string): ReadonlySet<string> => new Set(words.split(' '));

const TIME = set(
  'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec ' +
    'monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun christmas easter xmas thanksgiving',
);
// Last word of a company name.
const COMPANY_SUFFIX = set(
  'inc ltd llc llp plc co corp corporation company gmbh ag sa bv group systems system labs lab freight logistics solutions software ' +
    'technologies technology tech robotics industries industrial partners analytics cloud supply supplies electric electronics motors ' +
    'manufacturing mfg services consulting digital networks automation machinery equipment instruments controls security medical health ' +
    'healthcare energy transport trucking shipping express enterprises holdings international global ventures works',
);
// First word of a person's name when it is a title.
const TITLE = set('mr mrs ms miss dr prof pastor father sister brother uncle aunt auntie sir madam mister coach officer rev');
// The word before a person's name.
const PERSON_PREV = set(
  'hi hey hello dear thanks thank thx ty cheers bye congrats welcome cc ping pinged ask asked asking tell told loop looping looped ' +
    'colleague colleagues coworker boss manager director ceo cfo cto coo vp engineer technician wife husband son daughter mom dad ' +
    'brother sister friend neighbour neighbor contact accountant assistant secretary lawyer',
);
// The word after a person's name.
const PERSON_NEXT = set('here says said thinks asked asks told mentioned sends sent wrote called will would himself herself he she his her');
// Departments and roles after "from": "Mike from procurement" (a person), not "a quote from Acme".
const DEPARTMENT = set(
  'procurement purchasing finance accounting accounts legal it ops operations hr sales marketing admin the our your their my engineering ' +
    'management maintenance support security facilities logistics production quality warehouse team office headquarters hq',
);
// The word before a place.
const PLACE_PREV = set('in at near around across outside inside downtown into via');
// A shipping or travel word before "to" / "from" + place.
const MOVE_WORD = set(
  'ship shipped shipping ships shipment delivered deliver delivery deliveries pickup pickups pick-up freight fly flying flew drive driving drove travel ' +
    'traveling travelling moved relocate relocating relocated based located office offices site sites plant warehouse branch route lane',
);
// A place noun after a place name.
const PLACE_NEXT = set(
  'street st road rd avenue ave blvd boulevard lane drive highway hwy square marina harbour harbor port airport station county city ' +
    'town village district province state region campus office offices branch site plant warehouse depot entrance mall center centre ' +
    'hospital church school university college park beach bay',
);
// A word after a vendor's name (within three words): what it offers, charges, quotes or does.
const VENDOR_NEXT = set(
  'quote quoted quotes quoting offer offers offered offering charge charges charged charging cheaper cheap cheapest ' +
    'price prices priced pricing cost costs deliver delivers delivered discount discounts bid bids trial free includes include ' +
    'included sells sell sold beat beats undercut came comes platform software crm license licence licenses seats seat ' +
    "contract rep reps warranty integration integrates pitched pitching demoed demo'd showed terms rates rate ui dashboard " +
    'matched match won win wins gave give gives built makes solid strong default recommended onboarding',
);
// Right after a vendor's name only: "Zoho does this for half", "the Siemens one", "Zebra printers".
const VENDOR_NEXT_1 = set(
  'does do already throws threw covers has one ones machines machine printers printer monitors monitor scanners scanner robots ' +
    'devices device equipment system systems products product tool tools sensors sensor team guys folks people',
);
// The customer's own tools and the chat platforms: never a competitor (ACTIONS.md).
const PLATFORM = set(
  'excel sheets sheet spreadsheet word outlook gmail email whatsapp wechat teams zoom slack skype dingtalk feishu lark wecom drive ' +
    'dropbox sharepoint onedrive docs linkedin youtube vimeo powerpoint',
);
// The vendor's own plans and product lines: "the Pro plan", "Starter tier".
const PLAN_NEXT = set('plan plans tier tiers edition package packages bundle version module option license licence');
// A word right before a vendor's name: choosing, using, comparing, leaving.
const VENDOR_PREV = set(
  'picked pick picks chose choose chosen choosing selected select prefer prefers preferred vs versus unlike than over against ' +
    'use uses using used run runs running switch switching switched migrate migrating migrated off replace replacing replaced ' +
    'beat awarded award compare comparing compared benchmark incumbent alongside standardize standardise standardized',
);
// "with X" is a vendor after these ("stay with", "happy with", "integrate with"), not after "call with".
const WITH_VENDOR = set(
  'went go going gone stay staying stayed stick sticking signed sign signing partner partnered partnering renewed renew been happy ' +
    'comparing compare compared worked work working integrate integrates integration sync syncs agreement contract deal talks',
);
// "to X": "switch to", "lose this to", "talking to" (only after "also").
const TO_VENDOR = set('switch switching switched move moving moved migrate migrating lost lose losing went go going gone awarded given gave');
// "from X": "a quote from", "buy from", "moved over from".
const FROM_VENDOR = set(
  'quote quotes quoted offer offers bid bids proposal pricing price prices buy buys bought buying order ordered ordering over ' +
    'switching switch switched moving move moved migrating migrate away',
);
// "at X" / "on X" / "about X": a vendor only after these ("looking at", "already on", "know about").
const AT_VENDOR = set('looking look looked');
const ON_VENDOR = set('already runs run running built standardize standardise standardized standardizing based');
const ABOUT_VENDOR = set('know knew heard hear');

/** A word of the raw text: its lower-case form (possessive 's dropped), and whether it is capitalised. */
interface Word {
  lower: string;
  cap: boolean;
  possessive: boolean;
  /** Starts a sentence (first word, or after . ! ? : newline >). */
  start: boolean;
  /** Ends a sentence (the next word starts one). */
  end: boolean;
  /** All capitals or two capitals first ("PO", "GE", "DCs", "S&OP"). */
  acronym: boolean;
  /** A comma right after it. */
  comma: boolean;
  /** An @ right before it (a mention). */
  at: boolean;
}

// Titles whose abbreviation takes a full stop that does not end the sentence ("Dr. Khan").
const ABBREVIATED_TITLE = set('mr mrs ms dr prof st rev');

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}
function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || isUpper(c) || (c >= 0x30 && c <= 0x39) || c === 0x27 || c === 0x26 || c === 0x2d;
}

function wordsOf(raw: string): Word[] {
  const out: Word[] = [];
  const n = raw.length;
  let start = true;
  let i = 0;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (!isWordChar(c) || c === 0x27 || c === 0x2d) {
      const last = out[out.length - 1];
      if (c === 0x2e || c === 0x21 || c === 0x3f || c === 0x0a || c === 0x3a || c === 0x3e) {
        if (!(c === 0x2e && last && !last.end && ABBREVIATED_TITLE.has(last.lower) && last.cap)) {
          start = true;
          if (last) last.end = true;
        }
      } else if (c === 0x2c && last && !last.end) last.comma = true;
      i++;
      continue;
    }
    let j = i + 1;
    let digit = false;
    while (j < n && isWordChar(raw.charCodeAt(j))) {
      const d = raw.charCodeAt(j);
      if (d >= 0x30 && d <= 0x39) digit = true;
      j++;
    }
    let lower = raw.slice(i, j).toLowerCase();
    const possessive = lower.endsWith("'s") || lower.endsWith('’s');
    if (possessive) lower = lower.slice(0, -2);
    const len = j - i;
    out.push({
      lower,
      // Not "I", "I'm", "I'll"; not "Q3", "E-14", "VM-850".
      cap: isUpper(c) && !(c === 0x49 && (len === 1 || raw.charCodeAt(i + 1) === 0x27)) && !digit,
      possessive,
      start,
      end: false,
      acronym: (len > 1 && isUpper(raw.charCodeAt(i + 1))) || !/[a-z]/.test(raw.slice(i, j)),
      comma: false,
      at: i > 0 && raw.charCodeAt(i - 1) === 0x40,
    });
    start = false;
    i = j;
  }
  return out;
}

// English word endings a name rarely has (an unknown lower-case word ending so is a word).
const WORD_ENDING = /(?:ing|ed|ly|tion|tions|sion|ment|ments|ness|able|ible|ful|ous|ive|ity|ies|est|ise|ize|ish|less)$/;

/** A lower-case word that may be a name: letters only, four or more, not a word of the training lines or of the lists above. */
function isUnknownWord(w: string): boolean {
  return (
    w.length >= 4 &&
    /^[a-z]+$/.test(w) &&
    !COMMON_WORDS.has(w) &&
    !WORD_ENDING.test(w) &&
    !PLATFORM.has(w) &&
    !TIME.has(w) &&
    !VENDOR_NEXT.has(w) &&
    !VENDOR_NEXT_1.has(w) &&
    !PLAN_NEXT.has(w)
  );
}

/** A word that continues a name: capitalised, or the "&" of "Corbin & Shaw". */
function isNamePart(w: Word): boolean {
  return w.cap || w.lower === '&';
}

/** The words before a name (nearest first) make a vendor's slot: "went with", "switch to", "picked". */
function vendorSlot(p: string | undefined, p2: string, p3: string | undefined): boolean {
  if (p === undefined) return false;
  if (VENDOR_PREV.has(p)) return true;
  if (p === 'with') return WITH_VENDOR.has(p2) || p2 === 'also';
  if (p === 'to') return TO_VENDOR.has(p2) || (p2 === 'talking' && p3 === 'also') || (p3 !== undefined && TO_VENDOR.has(p3));
  if (p === 'from') return FROM_VENDOR.has(p2);
  if (p === 'about') return ABOUT_VENDOR.has(p2);
  return false;
}

// What a vendor does, right after an unknown lower-case word ("acme quoted", "brightline charges").
const LOWER_VENDOR_NEXT = set('quoted quotes offers offered charges charged gave gives sells sold undercut beat beats does');
const CHEAPER = set('cheaper cheapest faster');

/** Whether the unknown lower-case word words[i] stands where a vendor's name would. */
function lowerVendor(words: readonly Word[], i: number): boolean {
  const w = words[i] as Word;
  const at = (d: number): Word | undefined => {
    for (let k = i - 1; k >= i - d; k--) if (k < 0 || (words[k] as Word).end) return undefined;
    return words[i - d];
  };
  if (vendorSlot(at(1)?.lower, at(2)?.lower ?? '', at(3)?.lower)) return true;
  if (w.end) return false;
  const n1 = words[i + 1];
  const n2 = n1 && !n1.end ? words[i + 2] : undefined;
  if (n1 && LOWER_VENDOR_NEXT.has(n1.lower)) return true;
  return !!n1 && (n1.lower === 'is' || n1.lower === 'are' || n1.lower === 'was') && !!n2 && CHEAPER.has(n2.lower);
}

/** The judgement of the name spanning words[from, to). */
function judge(words: readonly Word[], from: number, to: number): NameKind {
  const first = words[from] as Word;
  const last = words[to - 1] as Word;
  if (to - from === 1 && TIME.has(first.lower)) return 'time';
  if (first.at || TITLE.has(first.lower)) return 'person';
  for (let k = from; k < to; k++) if (PLATFORM.has((words[k] as Word).lower)) return 'other';
  if (to - from > 1 && COMPANY_SUFFIX.has(last.lower)) return 'vendor';
  if (to - from > 1 && PLACE_NEXT.has(last.lower)) return 'place';
  for (let k = from; k < to; k++) if ((words[k] as Word).lower === '&') return 'vendor';
  const before = (d: number): Word | undefined => {
    for (let k = from - 1; k >= from - d; k--) if (k < 0 || (words[k] as Word).end) return undefined;
    return words[from - d];
  };
  const prev = before(1);
  const prev2 = before(2);
  const prev3 = before(3);
  const next: Word[] = [];
  if (!last.end) {
    for (let k = to; k < words.length && next.length < 3; k++) {
      const w = words[k] as Word;
      next.push(w);
      if (w.end) break;
    }
  }
  const n1 = next[0];
  // An opener followed by a comma is an interjection or an address ("Congratulations, you won").
  if (first.start && to - from === 1 && first.comma && !first.possessive) return 'other';
  // Plans and product lines of the vendor itself.
  if (n1 && PLAN_NEXT.has(n1.lower)) return 'other';
  // People.
  if (prev && PERSON_PREV.has(prev.lower)) return 'person';
  if (n1 && PERSON_NEXT.has(n1.lower) && !last.possessive) return 'person';
  if (n1?.lower === 'from' && next[1] && !next[1].cap && DEPARTMENT.has(next[1].lower)) return 'person';
  // Places.
  if (n1 && PLACE_NEXT.has(n1.lower)) return 'place';
  const p = prev?.lower;
  const p2 = prev2?.lower ?? '';
  if (p === 'at' && AT_VENDOR.has(p2)) return 'vendor';
  if (p === 'on' && (ON_VENDOR.has(p2) || (prev3 && ON_VENDOR.has(prev3.lower)))) return 'vendor';
  if (p && PLACE_PREV.has(p)) return 'place';
  if ((p === 'to' || p === 'from') && MOVE_WORD.has(p2)) return 'place';
  if (p === 'to' && from > 2 && (words[from - 3] as Word).lower === 'from') return 'place';
  // Vendors.
  if (vendorSlot(p, p2, prev3?.lower)) return 'vendor';
  if (n1 && VENDOR_NEXT_1.has(n1.lower)) return 'vendor';
  for (const w of next) if (VENDOR_NEXT.has(w.lower)) return 'vendor';
  return 'other';
}

/**
 * The judgement of each candidate name in `raw` (original casing), with whether it opens a
 * sentence: see the file comment.
 */
export function englishNameKinds(raw: string): { kind: NameKind; opener: boolean; lower?: boolean }[] {
  const words = wordsOf(raw);
  const out: { kind: NameKind; opener: boolean; lower?: boolean }[] = [];
  let i = 0;
  while (i < words.length) {
    const w = words[i] as Word;
    // Not an adverb or a verb form ("Frankly", "Looping", "Talked"): those open sentences, names rarely end so.
    const opener =
      w.start && w.cap && !w.acronym && !COMMON_WORDS.has(w.lower) && !/(?:ly|ing|ed)$/.test(w.lower) && !COMMON_WORDS.has(w.lower.split('-')[0] ?? '');
    const mid = !w.start && w.cap && !w.acronym;
    if (!opener && !mid) {
      // Chat without capitals ("acme quoted us less", "we went with brightline"): a word the
      // training lines never use in lower case, in a vendor's place, gets the same judgement
      // as a capitalised name there, so what the capitalised names taught carries over.
      if (!w.cap && isUnknownWord(w.lower) && lowerVendor(words, i)) out.push({ kind: 'vendor', opener: w.start, lower: true });
      i++;
      continue;
    }
    // A run of capitalised words (acronyms inside a run too: "DMG Mori", "Brisk Freight Co").
    let j = i + 1;
    while (j < words.length && !(words[j - 1] as Word).end && !(words[j - 1] as Word).possessive && isNamePart(words[j] as Word)) j++;
    out.push({ kind: judge(words, i, j), opener });
    i = j;
  }
  return out;
}

/**
 * An unnamed other vendor (ACTIONS.md: "clearly refers to one"), in the shapes the rules'
 * generic list leaves out: "the other vendor", "two other firms", "a local installer", "three
 * bids", "comparing offers", "found one elsewhere", "most brokers". One regex on normalised text.
 */
const RIVAL_REFERENCE = new RegExp(
  '\\b(?:' +
    [
      '(?:the|an?|one|that|this) other (?:vendor|supplier|provider|company|firm|shop|guys?|platform|brand|dealer|distributor|installer|contractor|agency|bidder|manufacturer|factory)s?',
      'other (?:firms|companies|shops|brands|dealers|distributors|installers|platforms|quotes|bids|offers|bidders|manufacturers|factories|options)',
      'another (?:company|firm|shop|platform|brand|dealer|distributor|installer|manufacturer|factory|quote|bid|offer)',
      '(?:local|cheaper|smaller|bigger|chinese|german|turkish|indian|korean|japanese|italian|domestic) (?:compan(?:y|ies)|firms?|shops?|suppliers?|vendors?|providers?|installers?|dealers?|distributors?|manufacturers?|factory|factories|brands?|machines)',
      'elsewhere|someone else|somebody else|who else',
      '(?:\\d+|two|three|four|five|several|multiple|other) (?:bids|quotes|quotations|offers|bidders)',
      'comparing (?:offers|quotes|bids|vendors|suppliers|options|providers)',
      '(?:most|many|all) (?:other )?(?:brokers|providers|vendors|suppliers|agencies|forwarders|installers|dealers)',
    ].join('|') +
    ')\\b',
);

/** Whether normalised English `text` refers to an unnamed other vendor (see RIVAL_REFERENCE). */
export function englishRivalReference(text: string): boolean {
  return RIVAL_REFERENCE.test(text);
}
