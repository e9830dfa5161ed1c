/**
 * Asking a deal's owner to confirm what a message suggests (「鼎新集团：标记为赢单？ 确认 / 不是」):
 * the question is a row, and a card with two buttons goes to the owner's private chat. One tap
 * answers it (bots/commands/presses.ts); the answer becomes a label for training.
 */
import { confirmButtons } from '../../core/card-actions.ts';
import { newId } from '../../core/ids.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { MessageStep } from '../analysis/engine.ts';
import type { ConfirmationRow } from '../analysis/state.ts';
import { privateDelivery } from '../coaching/nudges.ts';

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function askOwner(s: MessageStep, q: { kind: 'stage' | 'reopen'; toStage: string | null; actionId: string | null; question: string }): void {
  const owner = s.deal.ownerId;
  // Nobody to ask: the deal keeps its state, which is the safe side.
  if (!owner) return;
  const pending = s.st.confirmations.get(s.deal.id) ?? [];
  if (pending.some((c) => c.status === 'pending' && c.kind === q.kind && c.toStage === q.toStage)) return;
  // A newer question about the deal's stage replaces an unanswered older one.
  for (const c of pending) {
    if (c.status === 'pending' && c.kind !== 'name') {
      c.status = 'superseded';
      s.w.supersede.push(c.id);
    }
  }
  const id = newId();
  const row: ConfirmationRow = {
    id,
    opportunity_id: s.deal.id,
    kind: q.kind,
    from_stage: s.deal.stage,
    to_stage: q.toStage,
    action_id: q.actionId,
    message_id: s.msg.id,
    person_id: owner,
    status: 'pending',
    created_at: s.ctx.now.toISOString(),
  };
  s.w.confirmations.push(row);
  pending.push({ id, opportunityId: s.deal.id, kind: q.kind, toStage: q.toStage, status: 'pending' });
  s.st.confirmations.set(s.deal.id, pending);
  const lines = [`**${s.deal.name ?? '这个客户'}**：${q.question}`];
  if (s.msg.text) lines.push(`${s.side === 'customer' ? '客户原话' : '你的原话'}：「${clip(s.msg.text, 80)}」`);
  const message: OutboundMessage = { type: 'card', title: '请确认商机状态', text: lines.join('\n'), buttons: confirmButtons(id) };
  const delivery = privateDelivery(s.ctx.catalog, s.ctx.sendPlatforms, owner, s.conv.platform, message, `confirm:${id}`, null, s.ctx.now);
  if (delivery) s.w.deliveries.push(delivery);
}
