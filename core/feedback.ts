/**
 * The value carried by a nudge card's buttons and handed back by the platform on press. One
 * format for every platform so the coach reads feedback the same way wherever it came from.
 */
import { z } from 'zod';
import { FEEDBACK_VALUES, type CardButton, type FeedbackValue } from './types.ts';

const feedbackValueSchema = z.object({ nudgeId: z.string().min(1).max(100), value: z.enum(FEEDBACK_VALUES) });

export const FEEDBACK_LABELS: Record<FeedbackValue, string> = { useful: '有用', not_useful: '没用', used: '已使用' };

/** The three feedback buttons of a nudge card. */
export function feedbackButtons(nudgeId: string): CardButton[] {
  return FEEDBACK_VALUES.map((value) => ({ label: FEEDBACK_LABELS[value], value: JSON.stringify({ nudgeId, value }) }));
}

/** Reads a button value back; null when it is not one of ours (a forged or foreign card). */
export function parseFeedbackValue(raw: unknown): { nudgeId: string; value: FeedbackValue } | null {
  let obj = raw;
  if (typeof raw === 'string') {
    try {
      obj = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const parsed = feedbackValueSchema.safeParse(obj);
  return parsed.success ? parsed.data : null;
}
