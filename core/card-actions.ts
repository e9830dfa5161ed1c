/**
 * The values a card's buttons carry and the platform hands back on press: nudge feedback (有用 /
 * 没用 / 已使用) and the owner's answer to a deal confirmation (确认 / 不是). One format for every
 * platform, so a press is read the same wherever it came from.
 */
import { z } from 'zod';
import { type CardAction, type CardButton, FEEDBACK_VALUES, type FeedbackValue, type OutboundMessage } from './types.ts';

const id = z.string().min(1).max(100);
const feedbackSchema = z.object({ nudgeId: id, value: z.enum(FEEDBACK_VALUES) });
const confirmSchema = z.object({ confirmationId: id, answer: z.enum(['yes', 'no']) });

export const FEEDBACK_LABELS: Record<FeedbackValue, string> = { useful: '有用', not_useful: '没用', used: '已使用' };

/** The three feedback buttons of a nudge card. */
export function feedbackButtons(nudgeId: string): CardButton[] {
  return FEEDBACK_VALUES.map((value) => ({ label: FEEDBACK_LABELS[value], value: JSON.stringify({ nudgeId, value }) }));
}

/** A nudge's card, from the nudge's row: what its delivery sends (the delivery keeps no copy). */
export function nudgeCard(nudge: { id: string; title: string; body: string }): OutboundMessage {
  return { type: 'card', title: nudge.title, text: nudge.body, buttons: feedbackButtons(nudge.id) };
}

/** The two buttons of a confirmation card. */
export function confirmButtons(confirmationId: string, yes = '确认', no = '不是'): CardButton[] {
  return [
    { label: yes, value: JSON.stringify({ confirmationId, answer: 'yes' }) },
    { label: no, value: JSON.stringify({ confirmationId, answer: 'no' }) },
  ];
}

/** Reads a button value back; null when it is not one of ours (a forged or foreign card). */
export function parseCardValue(raw: unknown): CardAction | null {
  let obj = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const feedback = feedbackSchema.safeParse(obj);
  if (feedback.success) return { kind: 'feedback', ...feedback.data };
  const confirm = confirmSchema.safeParse(obj);
  if (confirm.success) return { kind: 'confirm', ...confirm.data };
  return null;
}
