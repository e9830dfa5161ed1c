/** Rows of the analysis's batch statements, as tests of the statements themselves write them. */
import type { DeliveryRow, NudgeRow } from '../../bots/analysis/state.ts';

/** A price-objection nudge to zhangsan about no deal, with `id` as its idempotency key too. */
export const nudgeRow = (id: string, createdAt: string): NudgeRow => ({
  id,
  idempotency_key: id,
  person_id: 'zhangsan',
  opportunity_id: null,
  conversation_id: null,
  rule_id: 'price-objection',
  action_id: null,
  timer_id: null,
  message_id: null,
  atom_ids: [],
  title: 't',
  body: 'b',
  created_at: createdAt,
});

/** A delivery to zhangsan's private chat, with `id` as its idempotency key too (`message` null: a nudge's card). */
export const deliveryRow = (id: string, nudgeId: string | null, message: DeliveryRow['message'], createdAt: string): DeliveryRow => ({
  id,
  idempotency_key: id,
  nudge_id: nudgeId,
  platform: 'local',
  to: { personId: 'zhangsan' },
  message,
  created_at: createdAt,
});
