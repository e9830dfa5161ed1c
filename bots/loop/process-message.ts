/**
 * The analyze job: everything that happens to a stored message, in one transaction. It claims
 * the message first (analyzed_at), so a duplicate job, a retry after a crash or a second worker
 * finds nothing to do; what it dispatches (timers, deliveries) is returned for after the commit.
 */
import { and, eq, gte, isNull, lte } from 'drizzle-orm';
import { isQuestion } from '../../analyzers/question.ts';
import { newId } from '../../core/ids.ts';
import type { DetectedAction, Platform } from '../../core/types.ts';
import { actions, conversations, messages, nudges, opportunities, stageChanges } from '../../db/schema/index.ts';
import type { Db } from '../../db/client.ts';
import { atomsForRule } from '../coach/atoms.ts';
import { createNudge } from '../coach/nudge.ts';
import { cancelTimers, fulfilTimers, openTimer, type Timer } from '../coach/timers.ts';
import { recordAtomUse } from '../coach/atom-use.ts';
import { checkCompliance } from '../coach/compliance.ts';
import { scoreInputs, valueScore } from '../coach/value-score.ts';
import { handleCommand } from '../commands/handle.ts';
import { firstContactStage, linkStage } from '../playbook/stage-linker.ts';
import type { LoopContext } from './context.ts';

export interface Dispatch {
  deliveries: string[];
  timers: Timer[];
  /** Kinds of the actions detected, for metrics. */
  actions: string[];
}

type MessageRow = typeof messages.$inferSelect;
type ConversationRow = typeof conversations.$inferSelect;

/**
 * Analyses a message and, first, every earlier message of its conversation still waiting: jobs
 * may run in any order on several workers, but a conversation is read in the order it was
 * written (a reply can only fulfil a timer its question opened). The conversation row lock
 * makes concurrent jobs of one conversation take turns.
 */
export async function processMessage(ctx: LoopContext, messageId: string): Promise<Dispatch> {
  return ctx.db.transaction(async (tx) => {
    const out: Dispatch = { deliveries: [], timers: [], actions: [] };
    const [target] = await tx
      .select({ conversationId: messages.conversationId, sentAt: messages.sentAt, analyzedAt: messages.analyzedAt })
      .from(messages)
      .where(eq(messages.id, messageId));
    if (!target || target.analyzedAt) return out;
    const [conv] = await tx.select().from(conversations).where(eq(conversations.id, target.conversationId)).for('update');
    if (!conv) return out;
    const due = await tx
      .update(messages)
      .set({ analyzedAt: ctx.clock.now() })
      .where(and(eq(messages.conversationId, conv.id), isNull(messages.analyzedAt), lte(messages.sentAt, target.sentAt)))
      .returning();
    due.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime() || a.receivedAt.getTime() - b.receivedAt.getTime() || a.id.localeCompare(b.id));
    for (const msg of due) {
      if (conv.direct) {
        const reply = await handleCommand(ctx, tx, msg, conv);
        if (reply) out.deliveries.push(reply);
      } else if (conv.opportunityId) {
        await analyzeCustomerMessage(ctx, tx, msg, conv, conv.opportunityId, out);
      }
    }
    return out;
  });
}

async function analyzeCustomerMessage(ctx: LoopContext, tx: Db, msg: MessageRow, conv: ConversationRow, oppId: string, out: Dispatch): Promise<void> {
  const side = msg.role === 'customer' ? 'customer' : 'rep';
  const detected = msg.text.length > 0 || msg.attachments.length > 0 ? ctx.analyze({ role: side, text: msg.text, attachments: msg.attachments }) : [];

  const actionIds = detected.map(() => newId());
  out.actions.push(...detected.map((a) => a.kind));
  if (detected.length > 0) {
    await tx.insert(actions).values(
      detected.map((a, i) => ({
        id: actionIds[i]!,
        messageId: msg.id,
        conversationId: conv.id,
        opportunityId: oppId,
        personId: msg.personId,
        kind: a.kind,
        confidence: a.confidence,
        attrs: attrsOf(a),
        at: msg.sentAt,
      })),
    );
  }

  // Row lock: concurrent workers on one deal take turns, so stage moves never interleave.
  const [opp] = await tx.select().from(opportunities).where(eq(opportunities.id, oppId)).for('update');
  if (!opp) return;
  out.deliveries.push(...(await checkCompliance(ctx, tx, { msg, opportunityId: oppId, dealName: opp.name })));
  const { funnel } = ctx.playbook();
  const move = linkStage(funnel, opp.stage, detected);
  const firstContact = side === 'rep' && !move ? firstContactStage(funnel, opp.stage) : null;
  const to = move?.to ?? firstContact;
  if (to) {
    await tx.insert(stageChanges).values({
      id: newId(),
      opportunityId: oppId,
      fromStage: opp.stage,
      toStage: to,
      actionId: move ? actionIds[move.actionIndex]! : null,
      messageId: msg.id,
      at: msg.sentAt,
    });
    await tx.update(opportunities).set({ stage: to, updatedAt: ctx.clock.now() }).where(eq(opportunities.id, oppId));
  }
  const stage = to ?? opp.stage;
  const quoted = detected.find((a) => a.kind === 'quote_sent' && a.amount !== undefined)?.amount;
  // Only a customer message or a new amount can change the score: a rep's message alone does not.
  const score =
    side === 'customer' || quoted !== undefined
      ? await rescore(ctx, tx, { oppId, conversationId: conv.id, amount: quoted ?? opp.amount, before: opp.valueScore })
      : { before: opp.valueScore, after: opp.valueScore };
  if (funnel.closed.includes(stage)) {
    await cancelTimers(tx, oppId, msg.sentAt);
    if (move) return;
  }

  await fulfilTimers(tx, { conversationId: conv.id, messageId: msg.id, side, sentAt: msg.sentAt, actions: detected });
  if (side === 'rep' && msg.personId) {
    await recordAtomUse(tx, ctx.playbook().atoms, { personId: msg.personId, conversationId: conv.id, text: msg.text, at: msg.sentAt });
  }

  const rep = conv.ownerId;
  const { rules, atoms: atomMap } = ctx.playbook();
  for (const rule of rules) {
    const hits: Array<{ action: DetectedAction | null; triggerId: string; actionId?: string }> = [];
    const on = rule.on;
    if ('question' in on) {
      if (side === 'customer' && isQuestion(msg.text)) hits.push({ action: null, triggerId: msg.id });
    } else if ('valueScoreAtLeast' in on) {
      // Once per deal: when the score first reaches the threshold.
      if (score.before < on.valueScoreAtLeast && score.after >= on.valueScoreAtLeast) hits.push({ action: null, triggerId: oppId });
    } else {
      detected.forEach((a, i) => {
        if (a.kind === on.action && (on.objection === undefined || on.objection === a.objection))
          hits.push({ action: a, triggerId: actionIds[i]!, actionId: actionIds[i]! });
      });
    }
    const hit = hits[0];
    if (!hit) continue;
    if (rule.expect) {
      const timer = await openTimer(tx, {
        rule,
        conversationId: conv.id,
        opportunityId: oppId,
        repId: rep,
        messageId: msg.id,
        text: msg.text,
        sentAt: msg.sentAt,
        wh: ctx.workingHours,
      });
      if (timer) out.timers.push(timer);
      continue;
    }
    if (!rep) {
      ctx.log.info({ rule: rule.id, conversationId: conv.id }, 'no rep owns this conversation yet: nudge skipped');
      continue;
    }
    if (rule.cooldown && (await nudgedWithin(tx, rule.id, conv.id, new Date(msg.sentAt.getTime() - rule.cooldown)))) continue;
    const delivery = await createNudge(tx, ctx.sendPlatforms, {
      rule,
      triggerId: hit.triggerId,
      personId: rep,
      opportunityId: oppId,
      dealName: opp.name,
      conversationId: conv.id,
      platform: conv.platform as Platform,
      ...(hit.actionId ? { actionId: hit.actionId } : {}),
      messageId: msg.id,
      evidenceText: msg.text || null,
      atoms: atomsForRule(atomMap, rule, hit.action, stage),
      vars: { contact: side === 'customer' ? msg.senderName : null, competitor: detected.find((a) => a.competitor)?.competitor ?? null },
      at: ctx.clock.now(),
    });
    if (delivery) out.deliveries.push(delivery);
  }
}

async function nudgedWithin(tx: Db, ruleId: string, conversationId: string, since: Date): Promise<boolean> {
  const rows = await tx
    .select({ id: nudges.id })
    .from(nudges)
    .where(and(eq(nudges.ruleId, ruleId), eq(nudges.conversationId, conversationId), gte(nudges.createdAt, since)))
    .limit(1);
  return rows.length > 0;
}

/** Recomputes the deal's value score when the playbook has a formula; returns before and after. */
async function rescore(
  ctx: LoopContext,
  tx: Db,
  d: { oppId: string; conversationId: string; amount: number | null; before: number },
): Promise<{ before: number; after: number }> {
  const formula = ctx.playbook().valueScore;
  if (!formula) return { before: d.before, after: d.before };
  const after = valueScore(formula, await scoreInputs(tx, d.conversationId, d.amount));
  await tx.update(opportunities).set({ valueScore: after, amount: d.amount }).where(eq(opportunities.id, d.oppId));
  return { before: d.before, after };
}

function attrsOf(a: DetectedAction): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  if (a.objection) attrs.objection = a.objection;
  if (a.amount !== undefined) attrs.amount = a.amount;
  if (a.materialType) attrs.materialType = a.materialType;
  if (a.competitor) attrs.competitor = a.competitor;
  return attrs;
}
