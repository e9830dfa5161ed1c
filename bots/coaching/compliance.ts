/**
 * Compliance on a rep's message to a customer: a sensitive phrase (guaranteed returns, kickbacks)
 * is recorded, the rep warned and their managers alerted at once, quoting the rep's words as the
 * rep's; reaching the daily limit of touches the customer has not answered is recorded and the rep
 * warned, while managers read such records in their daily roll-up instead of one alert each.
 * Messages from the past are recorded, never nudged about.
 */
import { newId } from '../../core/ids.ts';
import { dayKey } from '../../core/zoned-time.ts';
import type { MessageStep } from '../analysis/engine.ts';
import type { ComplianceRow } from '../analysis/state.ts';
import { emitNudge, evidenceOf } from './emit.ts';

const WARN = {
  sensitive_phrase: {
    id: 'compliance-sensitive-phrase',
    title: '合规提醒：敏感说法',
    hint: '这条消息里有承诺收益或利益输送类的说法，可能违反公司合规要求。请撤回或更正，并避免再次使用。',
  },
  daily_limit: {
    id: 'compliance-daily-limit',
    title: '合规提醒：今天联系客户次数已到上限',
    hint: '今天已多次联系这位客户都还没有回复，先停一停，换个时间或换个方式跟进，避免打扰客户。',
  },
} as const;

/** Phrases of the playbook's list found in `text` (case-insensitive substrings). */
export function sensitivePhrasesIn(phrases: readonly string[], text: string): string[] {
  const t = text.toLowerCase();
  return phrases.filter((p) => t.includes(p.toLowerCase()));
}

export function complianceFindings(s: MessageStep, touch: boolean): void {
  const { msg, deal, ctx } = s;
  const personId = msg.personId;
  if (!personId) return;
  const phrases = sensitivePhrasesIn(ctx.catalog.playbook.compliance.sensitivePhrases, msg.text);
  if (phrases.length > 0) record(s, 'sensitive_phrase', msg.id, { phrases }, true);
  if (touch && deal.touches === ctx.dailyTouchLimit) {
    record(s, 'daily_limit', `${s.conv.id}:${dayKey(msg.sentAt, ctx.wh.timeZone)}`, { touches: deal.touches, limit: ctx.dailyTouchLimit }, false);
  }
}

function record(s: MessageStep, kind: ComplianceRow['kind'], subjectKey: string, detail: Record<string, unknown>, alertManagers: boolean): void {
  const personId = s.msg.personId!;
  const row: ComplianceRow = {
    id: newId(),
    kind,
    subject_key: subjectKey,
    person_id: personId,
    conversation_id: s.conv.id,
    opportunity_id: s.deal.id,
    message_id: s.msg.id,
    detail,
    at: s.msg.sentAt.toISOString(),
  };
  const entry: (typeof s.w.compliance)[number] = { record: row, nudges: [] };
  s.w.compliance.push(entry);
  if (s.quiet) return;
  const warn = WARN[kind];
  // A deactivated person is warned no more (emitNudge: null); the record stays, and their manager is still alerted.
  const warned = emitNudge(s, { rule: warn, triggerId: row.id, personId, messageId: s.msg.id, evidence: evidenceOf(s, 'rep'), atoms: [] });
  if (warned) entry.nudges.push(warned);
  if (!alertManagers) return;
  const rep = s.ctx.catalog.person(personId);
  const repName = s.msg.senderName ?? rep?.name ?? personId;
  for (const manager of s.ctx.catalog.managersOf(rep?.teamId ?? null)) {
    if (manager.id === personId) continue;
    const alert = {
      id: 'compliance-alert',
      title: `合规预警：${repName}`,
      hint: `${warn.title.replace('合规提醒：', '')}。已留存合规记录，建议与${repName}沟通。`,
    };
    const alerted = emitNudge(s, {
      rule: alert,
      triggerId: `${row.id}-${manager.id}`,
      personId: manager.id,
      messageId: s.msg.id,
      evidence: evidenceOf(s, 'manager'),
      atoms: [],
    });
    if (alerted) entry.nudges.push(alerted);
  }
}
