/**
 * The default funnel's stage order and the Chinese names managers read for action kinds. A stage's
 * name is the playbook's (`funnel.labels`, read through the catalog's `stageLabel`), so that a
 * stage has one name wherever it is shown.
 */
import type { StoredActionKind } from '../../core/types.ts';

/** The default funnel in order; `lost` stands beside it, reachable from any open stage. */
export const FUNNEL_STAGES = ['lead', 'contacted', 'qualified', 'demo', 'proposal', 'negotiation', 'won'] as const;

/** Chinese names of the action kinds, as reps and managers say them. */
export const ACTION_LABELS_ZH: Record<StoredActionKind, string> = {
  quote_sent: '报价',
  proposal_sent: '方案',
  material_sent: '资料',
  meeting_scheduled: '约会议',
  contract_sent: '发合同',
  objection_handled: '处理异议',
  follow_up: '跟进',
  next_step_agreed: '约定下一步',
  price_inquiry: '询价',
  objection_raised: '提出异议',
  competitor_mentioned: '提及竞品',
  buying_signal: '购买信号',
  deal_won: '赢单',
  deal_lost: '丢单',
  document_viewed: '阅读文档',
};

/** An action kind's Chinese name; an unknown kind shows as stored. */
export function actionLabel(kind: string): string {
  return (ACTION_LABELS_ZH as Record<string, string>)[kind] ?? kind;
}
