/**
 * The analysis of a batch, in memory: each message in its conversation's order is analysed once
 * (actions, question, topics, meeting time, commitment), then its deal is updated (owner, name,
 * counters, stage), its timers fulfilled, compliance checked and the playbook's rules applied.
 * Pure over the batch state: it returns the rows to write, so one transaction writes them all.
 */
import { newId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { DetectedAction, MessageAnalysis, MessageAnalysisInput, Platform } from '../../core/types.ts';
import type { WorkingHours } from '../../core/zoned-time.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { USE_WINDOW_MS, usesAtom } from '../coaching/atom-use.ts';
import { complianceFindings } from '../coaching/compliance.ts';
import { applyRules } from '../coaching/rules.ts';
import { cancelBeforeActions, fulfilTimers } from '../coaching/timers.ts';
import { countMessage } from '../deals/counters.ts';
import { rememberMeeting } from '../deals/meeting-step.ts';
import { ensureDeal, nameDeal } from '../deals/open-deal.ts';
import { handleStage } from '../deals/stage-step.ts';
import { rescore } from '../deals/score-step.ts';
import type { BatchState, ConversationState, DealState, PendingMessage, Writes } from './state.ts';

export interface AnalysisContext {
  catalog: Catalog;
  wh: WorkingHours;
  sendPlatforms: readonly Platform[];
  /** When the batch runs: nudges and decisions are stamped with it. */
  now: Date;
  /** A message older than this when it arrived changes the deal but nudges nobody. */
  nudgeMaxAgeMs: number;
  dailyTouchLimit: number;
  analyze(input: MessageAnalysisInput): MessageAnalysis;
  log: Logger;
}

/** What one message's steps share. */
export interface MessageStep {
  ctx: AnalysisContext;
  st: BatchState;
  w: Writes;
  msg: PendingMessage;
  conv: ConversationState;
  deal: DealState;
  side: 'rep' | 'customer';
  analysis: MessageAnalysis;
  /** Ids of the rows written for `analysis.actions`, index for index. */
  actionIds: string[];
  /** From the past (an archive import, a late delivery): it updates the deal but nudges nobody. */
  quiet: boolean;
}

const NOTHING: MessageAnalysis = { actions: [], question: false, topics: [], meetingAt: null, meeting: null, commitment: null };

export function analyzeBatch(ctx: AnalysisContext, st: BatchState, messages: readonly PendingMessage[], w: Writes): void {
  for (const msg of messages) {
    try {
      analyzeMessageStep(ctx, st, msg, w);
    } catch (err) {
      // One message that breaks the analysis must not hold up its partition: it is marked and skipped.
      ctx.log.error({ err, messageId: msg.id }, 'message could not be analysed; skipped');
      w.messageErrors.push({ id: msg.id, error: (err as Error).message.slice(0, 500) });
    }
  }
}

function analyzeMessageStep(ctx: AnalysisContext, st: BatchState, msg: PendingMessage, w: Writes): void {
  const conv = st.conversations.get(msg.conversationId);
  if (!conv || conv.direct) return;
  const side = msg.role === 'customer' ? 'customer' : 'rep';
  const hasContent = msg.text.length > 0 || msg.attachments.length > 0;
  const analysis = hasContent
    ? ctx.analyze({ role: side, text: msg.text, attachments: msg.attachments, sentAt: msg.sentAt, timeZone: ctx.wh.timeZone })
    : NOTHING;
  const deal = ensureDeal(ctx, st, conv, msg);
  const step: MessageStep = {
    ctx,
    st,
    w,
    msg,
    conv,
    deal,
    side,
    analysis,
    actionIds: analysis.actions.map(() => newId()),
    // History imported after the fact is the past even when minutes old: it nudges nobody (README).
    quiet: msg.backfill || msg.receivedAt.getTime() - msg.sentAt.getTime() > ctx.nudgeMaxAgeMs,
  };
  rememberMeeting(step);
  recordActions(step);
  takeOwnership(step);
  nameDeal(step);
  const { touch } = countMessage(deal, msg, side, analysis, ctx.wh.timeZone);
  const score = rescore(step);
  if (side === 'rep') complianceFindings(step, touch);
  const closed = handleStage(step);
  fulfilTimers(step);
  // After fulfilling: a timer that expected this very action is met, not cancelled.
  cancelBeforeActions(step);
  applyRules(step, { score, closed });
  if (side === 'rep') recordAtomUse(step);
}

function recordActions(s: MessageStep): void {
  const at = s.msg.sentAt.toISOString();
  s.analysis.actions.forEach((a, i) => {
    s.w.actions.push({
      id: s.actionIds[i]!,
      message_id: s.msg.id,
      conversation_id: s.conv.id,
      opportunity_id: s.deal.id,
      person_id: s.msg.personId,
      kind: a.kind,
      confidence: a.confidence,
      attrs: attrsOf(a),
      at,
    });
    s.w.actionKinds.push(a.kind);
    if (!s.deal.actionKinds.includes(a.kind)) {
      s.deal.actionKinds.push(a.kind);
      s.deal.dirty = true;
    }
  });
}

/** The conversation, and its deal, belong to the first rep who speaks in it. */
function takeOwnership(s: MessageStep): void {
  if (s.side !== 'rep' || !s.msg.personId) return;
  const person = s.ctx.catalog.person(s.msg.personId);
  if (person?.role !== 'rep' || !person.active) return;
  if (!s.conv.ownerId) {
    s.conv.ownerId = person.id;
    s.conv.dirty = true;
  }
  if (!s.deal.ownerId) {
    s.deal.ownerId = person.id;
    s.deal.dirty = true;
  }
}

/** A rep's message that resembles a talk-track pushed to them for this deal within the week uses that atom. */
function recordAtomUse(s: MessageStep): void {
  const personId = s.msg.personId;
  if (!personId || s.msg.text.length < 8) return;
  const since = s.msg.sentAt.getTime() - USE_WINDOW_MS;
  for (const n of s.st.recentNudges.get(s.deal.id) ?? []) {
    if (n.personId !== personId || n.createdAt.getTime() < since) continue;
    for (const atomId of n.atomIds) {
      if (n.usedAtomIds.includes(atomId)) continue;
      const atom = s.ctx.catalog.atoms.get(atomId);
      if (!atom || !usesAtom(s.msg.text, atom)) continue;
      n.usedAtomIds.push(atomId);
      s.w.atomEvents.push({
        id: newId(),
        atom_id: atomId,
        person_id: personId,
        nudge_id: n.id,
        opportunity_id: s.deal.id,
        kind: 'used',
        at: s.msg.sentAt.toISOString(),
      });
    }
  }
}

function attrsOf(a: DetectedAction): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  if (a.objection) attrs.objection = a.objection;
  if (a.amount !== undefined) attrs.amount = a.amount;
  if (a.perUnit) attrs.perUnit = true;
  if (a.materialType) attrs.materialType = a.materialType;
  if (a.competitor) attrs.competitor = a.competitor;
  if (a.meetingType) attrs.meetingType = a.meetingType;
  if (a.precise) attrs.precise = true;
  return attrs;
}
