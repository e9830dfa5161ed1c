/**
 * The shape of a rule and of what it reports. Rules are data: an id, the action it signals, who
 * may say it, one compiled pattern and an optional veto, so the engine stays a flat loop.
 */
import type { ActionKind, AnalyzerRole, MaterialType, ObjectionType } from '../../core/types.ts';

export type RuleLang = 'zh' | 'en';
/** `either` is ACTIONS.md's E; `rep`/`customer` its R/C. */
export type RuleRole = AnalyzerRole | 'either';

/** The attributes a rule can attach to its action. */
export interface RuleAttrs {
  objection?: ObjectionType;
  materialType?: MaterialType;
  amount?: number;
  competitor?: string;
}

/** One fired rule: the classifier uses `id` as a feature, the analyzer merges hits per kind. */
export interface RuleHit extends RuleAttrs {
  id: string;
  kind: ActionKind;
  /** 0..1: how often this rule alone is right; precise patterns high, loose ones lower. */
  confidence: number;
}

export interface Rule {
  /** Stable, dotted: `<lang>.<kind-ish>.<what>`; used as a classifier feature name. */
  id: string;
  kind: ActionKind;
  role: RuleRole;
  lang: RuleLang;
  confidence: number;
  /**
   * Matched against normalised text (see ../text.ts). Never a `g` regex: no lastIndex state. Only
   * tried on a message that holds one of its required literals (../prefilter): after changing a
   * pattern, `npm run literals` records them again (until then they are derived at start).
   */
  re: RegExp;
  /** When this matches too, the rule does not fire. */
  not?: RegExp;
  /**
   * Substrings of which the text must contain at least one for `re` to be able to match (or a
   * cheap pattern that must match), checked first: `includes` or a literal scan costs far less
   * than a pattern with lookbehinds and gaps. Only a speed-up,
   * never a change of meaning (test/analyzers/rules-needs.test.ts checks it on the corpus). Rules
   * sharing one array (the rules of one document kind) share one check per message.
   */
  needs?: readonly string[] | RegExp;
  /** Only tried when the message names or refers to a competitor. */
  needsCompetitor?: boolean;
  /** Firing also means a competitor was referred to, even one not in the list ("went with Acme"). */
  impliesCompetitor?: boolean;
  objection?: ObjectionType;
  materialType?: MaterialType;
  /** Derives attributes from the match; returning null vetoes the hit. */
  attrs?: (match: RegExpExecArray, text: string) => RuleAttrs | null;
}
