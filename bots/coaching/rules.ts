/**
 * The playbook's rules on one analysed message: what each rule's trigger matches, which open a
 * timer, and which nudge now. A message nudges at most once (the first rule in the playbook's
 * order that fires and is not cooling down) besides the deal-level events it causes (the value
 * score crossing a line, the deal closing); a closed deal gets only its closing nudge; a message
 * from the past never nudges: it only opens silent timers that measure. A rule holds only in its
 * stages and, when it says so, after or before a key action of the deal (`after`, `before`).
 */
import { normalize } from '../../analyzers/text.ts';
import { detectTopics } from '../../analyzers/topics.ts';
import type { ActionKind, DetectedAction, Topic } from '../../core/types.ts';
import type { MessageStep } from '../analysis/engine.ts';
import { newId } from '../../core/ids.ts';
import { dayKey } from '../../core/zoned-time.ts';
import type { ConfirmationRow } from '../analysis/state.ts';
import type { Rule, Trigger } from '../catalog/schema.ts';
import { chooseAtoms } from './atoms.ts';
import { emitNudge, evidenceOf, trackVars } from './emit.ts';
import { nudgeable } from './nudges.ts';
import { openTimer } from './timers.ts';

const WEEK_MS = 7 * 86_400_000;
const NAME_QUESTION = '这个群对应哪个客户？直接回复客户名称即可（例如：华东医疗）。';

interface Hit {
  action: DetectedAction | null;
  actionId: string | null;
  triggerId: string;
}

export function applyRules(s: MessageStep, ev: { score: { before: number; after: number }; closed: 'won' | 'lost' | null }): void {
  const { deal } = s;
  let nudged = false;
  for (const rule of s.ctx.catalog.playbook.rules) {
    if (!rule.enabled) continue;
    const closing = 'closed' in rule.on;
    // A closed deal gets no coaching but its one closing nudge.
    if (deal.status !== 'open' && !closing) continue;
    if (rule.stages && !rule.stages.includes(deal.stage) && !closing) continue;
    if (!holdsForDeal(rule, deal.actionKinds)) continue;
    const hit = match(s, rule.on, ev);
    if (!hit) continue;
    if (rule.within !== undefined || rule.startAt === 'commitment') {
      openTimer(s, rule);
      continue;
    }
    // A deal-level event (the score crossing a line, the deal closing) always gets its nudge; a
    // message gets at most one of its own.
    const dealLevel = closing || 'valueScoreAtLeast' in rule.on;
    if ((nudged && !dealLevel) || s.quiet || coolingDown(s, rule)) continue;
    const sent = nudge(s, rule, hit);
    if (!dealLevel) nudged ||= sent;
  }
}

function match(s: MessageStep, on: Trigger, ev: { score: { before: number; after: number }; closed: 'won' | 'lost' | null }): Hit | null {
  const { analysis, msg, side } = s;
  const plain = { action: null, actionId: null };
  if ('action' in on) {
    const i = analysis.actions.findIndex(
      (a) =>
        a.kind === on.action &&
        (on.objection === undefined || on.objection === a.objection) &&
        (on.meetingType === undefined || on.meetingType === a.meetingType),
    );
    return i < 0 ? null : { action: analysis.actions[i]!, actionId: s.actionIds[i]!, triggerId: s.actionIds[i]! };
  }
  if ('question' in on) return side === 'customer' && analysis.question ? { ...plain, triggerId: msg.id } : null;
  if ('topic' in on) {
    if (side !== 'customer') return null;
    const main = primaryTopic(s);
    return main && (on.topic === 'any' || on.topic === main) ? { ...plain, triggerId: msg.id } : null;
  }
  if ('valueScoreAtLeast' in on) {
    // Once per deal: when the score first reaches the threshold (the trigger is the deal).
    return ev.score.before < on.valueScoreAtLeast && ev.score.after >= on.valueScoreAtLeast ? { ...plain, triggerId: s.deal.id } : null;
  }
  if ('commitment' in on) {
    // A day after today: 「我今天下午发您」 needs no reminder a few hours later.
    const c = analysis.commitment;
    return c && dayKey(c.at, s.ctx.wh.timeZone) > dayKey(msg.sentAt, s.ctx.wh.timeZone) ? { ...plain, triggerId: msg.id } : null;
  }
  if ('message' in on) return on.message === side ? { ...plain, triggerId: msg.id } : null;
  if ('closed' in on) return ev.closed === on.closed ? { ...plain, triggerId: s.deal.id } : null;
  return null;
}

/** A rule that holds only after, or only before, a key action of the deal's (this message's included). */
export function holdsForDeal(rule: Pick<Rule, 'after' | 'before'>, kinds: readonly ActionKind[]): boolean {
  return (!rule.after || kinds.includes(rule.after.action)) && (!rule.before || !kinds.includes(rule.before.action));
}

/**
 * Whether the rule nudged in this conversation within its cooldown, in the deal's current stage: a
 * new stage is a new situation with its own atoms (an objection at 需求确认 in the morning must not
 * keep the 商务谈判 talk-track from the rep when the deal gets there that afternoon).
 */
function coolingDown(s: MessageStep, rule: Rule): boolean {
  if (!rule.cooldown) return false;
  const since = Math.max(s.ctx.now.getTime() - rule.cooldown, s.deal.stageAt.getTime());
  return (s.st.recentNudges.get(s.deal.id) ?? []).some((n) => n.ruleId === rule.id && n.conversationId === s.conv.id && n.createdAt.getTime() >= since);
}

/** Atoms pushed for this deal within the week: not pushed again. */
function recentlyPushed(s: MessageStep): Set<string> {
  const since = s.ctx.now.getTime() - WEEK_MS;
  const out = new Set<string>();
  for (const n of s.st.recentNudges.get(s.deal.id) ?? []) if (n.createdAt.getTime() >= since) for (const a of n.atomIds) out.add(a);
  return out;
}

function nudge(s: MessageStep, rule: Rule, hit: Hit): boolean {
  const rep = s.deal.ownerId ?? s.conv.ownerId;
  if (!rep) {
    s.ctx.log.info({ rule: rule.id, conversationId: s.conv.id }, 'no rep owns this conversation yet: nudge skipped');
    return false;
  }
  // A deactivated owner keeps the deal (history stays theirs) but is coached no more; asked here,
  // before the name question below writes a confirmation for them (buildNudge would refuse later).
  if (!nudgeable(s.ctx.catalog, rep)) return false;
  const main = 'topic' in rule.on ? primaryTopic(s) : null;
  const atoms = chooseAtoms(s.ctx.catalog, {
    rule,
    action: hit.action,
    // A topic rule answers its topic; any other rule may draw on whatever the message is about.
    topics: main ? [main] : s.analysis.topics,
    stage: s.deal.stage,
    valueScore: s.deal.valueScore,
    text: s.msg.text,
    exclude: recentlyPushed(s),
  });
  const ask = askForName(s, rep);
  const built = emitNudge(s, {
    rule,
    triggerId: hit.triggerId,
    personId: rep,
    actionId: hit.actionId,
    messageId: s.msg.id,
    evidence: evidenceOf(s, 'rep'),
    atoms,
    vars: trackVars(s, s.analysis.actions.find((a) => a.competitor)?.competitor),
    ...(ask ? { ask } : {}),
  });
  if (!built) return false;
  s.w.nudges.push(built);
  return true;
}

/** An unnamed deal's first nudge asks the rep which customer this is; their reply names it. */
function askForName(s: MessageStep, rep: string): string | null {
  if (s.deal.name) return null;
  const pending = s.st.confirmations.get(s.deal.id) ?? [];
  if (pending.some((c) => c.kind === 'name' && c.status === 'pending')) return null;
  const row: ConfirmationRow = {
    id: newId(),
    opportunity_id: s.deal.id,
    kind: 'name',
    from_stage: null,
    to_stage: null,
    action_id: null,
    message_id: s.msg.id,
    person_id: rep,
    status: 'pending',
    created_at: s.ctx.now.toISOString(),
  };
  s.w.confirmations.push(row);
  pending.push({ id: row.id, opportunityId: s.deal.id, kind: 'name', toStage: null, status: 'pending' });
  s.st.confirmations.set(s.deal.id, pending);
  return NAME_QUESTION;
}

/**
 * What a message about several things is mainly asking: the topic of its last question
 * (「…特别是 ERP 对接那块。价格上还有没有优惠空间？」 asks about the discount), else the first found.
 */
function primaryTopic(s: MessageStep): Topic | null {
  const topics = s.analysis.topics;
  if (topics.length <= 1) return topics[0] ?? null;
  const sentences = s.msg.text.slice(0, 2_000).split(/(?<=[。！？!?\n])/);
  for (let i = sentences.length - 1; i >= 0; i--) {
    const sentence = sentences[i]!;
    if (!/[？?]/.test(sentence)) continue;
    const asked = detectTopics(normalize(sentence)).find((t) => topics.includes(t));
    if (asked) return asked;
  }
  return topics[0]!;
}
