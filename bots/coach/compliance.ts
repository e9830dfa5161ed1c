/**
 * Compliance: a rep writing a sensitive phrase to a customer (guaranteed returns, kickbacks), or
 * contacting one customer more than COMPLIANCE_DAILY_LIMIT times in a day. Each is recorded once
 * (per message, or per conversation and day), the rep is warned privately and the managers of
 * the rep's team are alerted.
 */
import { and, count, eq, gte, lte, sql } from 'drizzle-orm';
import { newId } from '../../core/ids.ts';
import type { Platform } from '../../core/types.ts';
import { startOfDay, wallClock } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import { complianceRecords, messages, people } from '../../db/schema/index.ts';
import type { LoopContext } from '../loop/context.ts';
import { createNudge } from './nudge.ts';

type MessageRow = typeof messages.$inferSelect;

const REP_WARNING = {
  sensitive_phrase: {
    id: 'compliance-sensitive-phrase',
    title: '合规提醒：敏感说法',
    hint: '这条消息里有承诺收益或利益输送类的说法，可能违反公司合规要求。请撤回或更正，并避免再次使用。',
  },
  daily_limit: {
    id: 'compliance-daily-limit',
    title: '合规提醒：今日联系次数已超上限',
    hint: '今天和这位客户的联系次数已超过公司规定的上限，请控制频率，避免打扰客户。',
  },
} as const;

/** Checks one rep message in a customer chat; returns the ids of the deliveries it created. */
export async function checkCompliance(
  ctx: LoopContext,
  tx: Db,
  m: { msg: MessageRow; opportunityId: string | null; dealName: string | null },
): Promise<string[]> {
  const { msg } = m;
  if (msg.role !== 'rep' || !msg.personId) return [];
  const found: Array<{ kind: keyof typeof REP_WARNING; subjectKey: string; detail: Record<string, unknown> }> = [];

  const text = msg.text.toLowerCase();
  const phrases = ctx.playbook().compliance.sensitivePhrases.filter((p) => text.includes(p.toLowerCase()));
  if (phrases.length > 0) found.push({ kind: 'sensitive_phrase', subjectKey: msg.id, detail: { phrases } });

  const tz = ctx.config.TIMEZONE;
  const dayStart = startOfDay(msg.sentAt, tz);
  const [sent] = await tx
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, msg.conversationId),
        eq(messages.personId, msg.personId),
        gte(messages.sentAt, dayStart),
        lte(messages.sentAt, msg.sentAt),
      ),
    );
  const limit = ctx.config.COMPLIANCE_DAILY_LIMIT;
  if ((sent?.n ?? 0) > limit) {
    const w = wallClock(msg.sentAt, tz);
    found.push({ kind: 'daily_limit', subjectKey: `${msg.conversationId}:${w.year}-${w.month}-${w.day}`, detail: { contacts: sent!.n, limit } });
  }

  const out: string[] = [];
  for (const f of found) {
    const recordId = newId();
    const [inserted] = await tx
      .insert(complianceRecords)
      .values({
        id: recordId,
        kind: f.kind,
        subjectKey: f.subjectKey,
        personId: msg.personId,
        conversationId: msg.conversationId,
        opportunityId: m.opportunityId,
        messageId: msg.id,
        detail: f.detail,
        at: msg.sentAt,
      })
      .onConflictDoNothing()
      .returning({ id: complianceRecords.id });
    if (!inserted) continue;
    const base = {
      opportunityId: m.opportunityId,
      dealName: m.dealName,
      conversationId: msg.conversationId,
      platform: msg.platform as Platform,
      messageId: msg.id,
      evidenceText: msg.text || null,
      atoms: [],
      at: ctx.clock.now(),
    };
    const warn = REP_WARNING[f.kind];
    const toRep = await createNudge(tx, ctx.sendPlatforms, { ...base, rule: warn, triggerId: recordId, personId: msg.personId });
    if (toRep) out.push(toRep);
    const repName = msg.senderName ?? msg.personId;
    for (const manager of await managersOf(tx, msg.personId)) {
      const alert = {
        id: 'compliance-alert',
        title: `合规预警：${repName}`,
        hint: `${warn.title.replace('合规提醒：', '')}。已留存合规记录，建议与${repName}沟通。`,
      };
      const toManager = await createNudge(tx, ctx.sendPlatforms, { ...base, rule: alert, triggerId: `${recordId}-${manager}`, personId: manager });
      if (toManager) out.push(toManager);
    }
  }
  return out;
}

/** Active managers whose `manages` includes the rep's team. */
async function managersOf(tx: Db, repId: string): Promise<string[]> {
  const [rep] = await tx.select({ teamId: people.teamId }).from(people).where(eq(people.id, repId));
  if (!rep?.teamId) return [];
  const rows = await tx
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.role, 'manager'), eq(people.active, true), sql`${people.manages} @> ${JSON.stringify([rep.teamId])}::jsonb`));
  return rows.map((r) => r.id).filter((id) => id !== repId);
}
