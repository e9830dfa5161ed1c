/**
 * The customer value score: a configurable formula (playbooks.yaml `valueScore`) over the deal's
 * amount, the customer's engagement, buying signals and responsiveness, recomputed as messages
 * arrive. Pure scoring, plus the one query that gathers its inputs.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { actions, messages } from '../../db/schema/index.ts';
import type { ValueScoreFormula } from '../playbook/schema.ts';

export interface ScoreInputs {
  amount: number | null;
  customerMessages: number;
  buyingSignals: number;
  /** Average hours the customer took to answer a rep message, null when never. */
  replyHours: number | null;
}

/** 0–100, rounded. */
export function valueScore(f: ValueScoreFormula, x: ScoreInputs): number {
  const w = f.weights;
  const total = w.amount + w.engagement + w.buyingSignals + w.responsiveness;
  if (total === 0) return 0;
  const part = (v: number) => Math.max(0, Math.min(1, v));
  const responsiveness = x.replyHours === null ? 0 : part((24 - x.replyHours) / (24 - Math.min(f.responsiveFullHours, 23.9)));
  const raw =
    w.amount * part((x.amount ?? 0) / f.amountFull) +
    w.engagement * part(x.customerMessages / f.engagementFull) +
    w.buyingSignals * part(x.buyingSignals / f.buyingSignalsFull) +
    w.responsiveness * responsiveness;
  return Math.round((100 * raw) / total);
}

const RECENT = 200;
const BUYING = ['buying_signal', 'next_step_agreed', 'meeting_scheduled', 'deal_won'];

/** Reads a conversation's score inputs: its recent messages and the customer's buying actions. */
export async function scoreInputs(tx: Db, conversationId: string, amount: number | null): Promise<ScoreInputs> {
  const recent = await tx
    .select({ role: messages.role, sentAt: messages.sentAt })
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.sentAt))
    .limit(RECENT);
  recent.reverse();
  let customerMessages = 0;
  const delays: number[] = [];
  let lastRep: Date | null = null;
  for (const m of recent) {
    if (m.role === 'customer') {
      customerMessages++;
      if (lastRep) delays.push((m.sentAt.getTime() - lastRep.getTime()) / 3_600_000);
      lastRep = null;
    } else {
      lastRep ??= m.sentAt;
    }
  }
  const buying = await tx
    .select({ messageId: actions.messageId })
    .from(actions)
    .innerJoin(messages, eq(messages.id, actions.messageId))
    .where(and(eq(actions.conversationId, conversationId), eq(messages.role, 'customer'), inArray(actions.kind, BUYING)));
  return {
    amount,
    customerMessages,
    buyingSignals: new Set(buying.map((b) => b.messageId)).size,
    replyHours: delays.length === 0 ? null : delays.reduce((a, b) => a + b, 0) / delays.length,
  };
}
