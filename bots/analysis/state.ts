/**
 * What the analysis of one batch holds in memory: the deals, conversations, open timers, recent
 * nudges and pending confirmations its messages touch, read in a few queries at the start, changed
 * as each message is analysed in order, and written back in a few multi-row statements.
 */
import type { ActionKind, Attachment, MeetingType, MessageKind, OutboundMessage, Platform, SpeakerRole } from '../../core/types.ts';
import type { DealNamedBy, StageChangeSource } from '../../db/schema/deals.ts';
import type { TimerExpectation } from '../../db/schema/coaching.ts';

export interface PendingMessage {
  id: string;
  platform: Platform;
  conversationId: string;
  senderId: string;
  senderName: string | null;
  personId: string | null;
  role: SpeakerRole;
  kind: MessageKind;
  /** Imported as history: the past, whatever its age (see `MessageStep.quiet`). */
  backfill: boolean;
  text: string;
  attachments: Attachment[];
  sentAt: Date;
  receivedAt: Date;
}

export interface DealState {
  id: string;
  name: string | null;
  namedBy: DealNamedBy | null;
  ownerId: string | null;
  stage: string;
  stageAt: Date;
  status: 'open' | 'won' | 'lost';
  closedAt: Date | null;
  amount: number | null;
  valueScore: number;
  valueTerms: Record<string, number>;
  createdAt: Date;
  updatedAt: Date;
  customerMessages: number;
  buyingSignals: number;
  replyHoursSum: number;
  replyCount: number;
  awaitingReplySince: Date | null;
  lastCustomerAt: Date | null;
  lastRepAt: Date | null;
  contactName: string | null;
  contacts: string[];
  touches: number;
  touchesDay: string | null;
  /** The next meeting stated or proposed in the chat, and its kind when a word said it. */
  meetingAt: Date | null;
  meetingType: MeetingType | null;
  /** Opens of the deal's tracked documents (kept by the reading listener; read here for the score). */
  documentOpens: number;
  /** The kinds of key action its messages have shown, each once (rules' `after` and `before`). */
  actionKinds: ActionKind[];
  /** Not in the database yet. */
  isNew: boolean;
  dirty: boolean;
}

export interface ConversationState {
  id: string;
  platform: Platform;
  chatId: string;
  title: string | null;
  direct: boolean;
  opportunityId: string | null;
  ownerId: string | null;
  dirty: boolean;
}

export type TimerStatus = 'pending' | 'fired' | 'fulfilled' | 'cancelled' | 'expired';

export interface TimerState {
  id: string;
  ruleId: string;
  opportunityId: string | null;
  conversationId: string;
  repId: string | null;
  triggerMessageId: string;
  triggerAt: Date;
  expect: TimerExpectation;
  startedAt: Date;
  nudgeAt: Date;
  dueAt: Date;
  status: TimerStatus;
  silent: boolean;
  resolvedAt: Date | null;
  resolvedByMessageId: string | null;
  isNew: boolean;
  dirty: boolean;
}

/** A nudge of the last week, for cooldowns, "no atom twice a week" and measuring atom use. */
export interface RecentNudge {
  id: string;
  personId: string;
  opportunityId: string | null;
  conversationId: string | null;
  ruleId: string;
  atomIds: string[];
  createdAt: Date;
  /** Atoms of this nudge already counted as used. */
  usedAtomIds: string[];
}

export interface ConfirmationState {
  id: string;
  opportunityId: string;
  kind: 'stage' | 'reopen' | 'name';
  toStage: string | null;
  status: 'pending' | 'confirmed' | 'rejected' | 'superseded';
}

export interface BatchState {
  conversations: Map<string, ConversationState>;
  deals: Map<string, DealState>;
  /** Open (pending or fired) timers by conversation. */
  timers: Map<string, TimerState[]>;
  /** The same timers by deal: a stage move cancels its deal's, and a batch holds hundreds of deals. */
  dealTimers: Map<string, TimerState[]>;
  recentNudges: Map<string, RecentNudge[]>;
  confirmations: Map<string, ConfirmationState[]>;
}

/** Adds a timer to the batch's state, under its conversation and its deal. */
export function addTimer(st: Pick<BatchState, 'timers' | 'dealTimers'>, t: TimerState): void {
  const byConversation = st.timers.get(t.conversationId);
  if (byConversation) byConversation.push(t);
  else st.timers.set(t.conversationId, [t]);
  if (t.opportunityId === null) return;
  const byDeal = st.dealTimers.get(t.opportunityId);
  if (byDeal) byDeal.push(t);
  else st.dealTimers.set(t.opportunityId, [t]);
}

// ---- rows to write ----------------------------------------------------------------------------

export interface ActionRow {
  id: string;
  message_id: string;
  conversation_id: string;
  opportunity_id: string | null;
  person_id: string | null;
  kind: string;
  confidence: number;
  attrs: Record<string, unknown>;
  at: string;
}

export interface StageChangeRow {
  id: string;
  opportunity_id: string;
  from_stage: string;
  to_stage: string;
  action_id: string | null;
  message_id: string | null;
  source: StageChangeSource;
  by_person_id: string | null;
  at: string;
}

export interface NudgeRow {
  id: string;
  idempotency_key: string;
  person_id: string;
  opportunity_id: string | null;
  conversation_id: string | null;
  rule_id: string;
  action_id: string | null;
  timer_id: string | null;
  message_id: string | null;
  atom_ids: string[];
  title: string;
  body: string;
  created_at: string;
}

export interface DeliveryRow {
  id: string;
  idempotency_key: string;
  nudge_id: string | null;
  platform: Platform;
  to: { personId: string } | { conversationId: string };
  /** Null for a nudge's card, built from the nudge when it is sent (`sentMessage`, db/queries/deliveries.ts). */
  message: OutboundMessage | null;
  created_at: string;
}

export interface AtomEventRow {
  id: string;
  atom_id: string;
  person_id: string;
  nudge_id: string | null;
  opportunity_id: string | null;
  kind: 'pushed' | 'viewed' | 'useful' | 'not_useful' | 'used' | 'outcome';
  at: string;
}

export interface ComplianceRow {
  id: string;
  kind: 'daily_limit' | 'sensitive_phrase';
  subject_key: string;
  person_id: string;
  conversation_id: string;
  opportunity_id: string | null;
  message_id: string;
  detail: Record<string, unknown>;
  at: string;
}

export interface ConfirmationRow {
  id: string;
  opportunity_id: string;
  kind: 'stage' | 'reopen' | 'name';
  from_stage: string | null;
  to_stage: string | null;
  action_id: string | null;
  message_id: string | null;
  person_id: string;
  status: 'pending';
  created_at: string;
}

/**
 * Everything one batch writes. A nudge and its delivery go together: a nudge that turns out to
 * exist already (its idempotency key) takes its delivery and atom events with it.
 */
export interface Writes {
  actions: ActionRow[];
  stageChanges: StageChangeRow[];
  nudges: Array<{ nudge: NudgeRow; delivery: DeliveryRow | null; atomEvents: AtomEventRow[] }>;
  /** Deliveries that belong to no nudge: confirmation cards. */
  deliveries: DeliveryRow[];
  atomEvents: AtomEventRow[];
  compliance: Array<{ record: ComplianceRow; nudges: Array<{ nudge: NudgeRow; delivery: DeliveryRow | null; atomEvents: AtomEventRow[] }> }>;
  confirmations: ConfirmationRow[];
  /** Confirmations an answer or a newer question made moot. */
  supersede: string[];
  messageErrors: Array<{ id: string; error: string }>;
  /** Kinds of the actions detected, for metrics. */
  actionKinds: string[];
}

export const emptyWrites = (): Writes => ({
  actions: [],
  stageChanges: [],
  nudges: [],
  deliveries: [],
  atomEvents: [],
  compliance: [],
  confirmations: [],
  supersede: [],
  messageErrors: [],
  actionKinds: [],
});
