/**
 * The value score on `/deal`: the score, the terms that make it (largest first), and its history
 * from the deal's post-sale events (each with the score before and after it).
 */
import { desc, eq } from 'drizzle-orm';
import { wallClock } from '../../core/zoned-time.ts';
import type { Db } from '../../db/client.ts';
import { dealEvents, opportunities } from '../../db/schema/index.ts';

const TERM_ZH: Record<string, string> = {
  amount: '金额',
  engagement: '互动',
  buyingSignals: '购买信号',
  responsiveness: '回复速度',
  payment: '回款',
  referral: '转介绍',
  ticket: '服务工单',
  renewal: '续约',
};
const KIND_ZH: Record<string, string> = { payment: '回款', referral: '转介绍', ticket: '服务工单', renewal: '续约' };
/** Events shown: the latest few fit a phone screen. */
const HISTORY_SHOWN = 5;

export async function dealValueBlock(db: Db, dealId: string, timeZone: string): Promise<string | null> {
  const [deal] = await db.select({ score: opportunities.valueScore, terms: opportunities.valueTerms }).from(opportunities).where(eq(opportunities.id, dealId));
  if (!deal) return null;
  const events = await db
    .select()
    .from(dealEvents)
    .where(eq(dealEvents.opportunityId, dealId))
    .orderBy(desc(dealEvents.occurredAt), desc(dealEvents.id))
    .limit(HISTORY_SHOWN);
  const terms = Object.entries(deal.terms)
    .filter(([, v]) => v !== 0)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .map(([k, v]) => `${TERM_ZH[k] ?? k} ${v > 0 ? '+' : ''}${Math.round(v * 10) / 10}`);
  const lines = [`**价值分 ${deal.score}**${terms.length > 0 ? `：${terms.join('、')}` : ''}`];
  for (const e of events) {
    const w = wallClock(e.occurredAt, timeZone);
    const detail =
      e.kind === 'payment'
        ? e.attrs.onTime
          ? '（按时）'
          : '（逾期）'
        : e.kind === 'ticket'
          ? `（${{ low: '轻', medium: '中', high: '重' }[String(e.attrs.severity)] ?? ''}）`
          : '';
    lines.push(
      `- ${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')} ${KIND_ZH[e.kind] ?? e.kind}${detail}：${e.scoreBefore} → ${e.scoreAfter}`,
    );
  }
  return lines.join('\n');
}
