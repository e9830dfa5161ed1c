/**
 * Card presses (nudge feedback, deal confirmations) over a plain robot chat. A robot action card's buttons can only open links, so
 * each button opens `dtmd://dingtalkclient/sendMessage?content=…`: the DingTalk client then sends
 * that content as a chat message from the presser to the robot, and the parser recognises it.
 * Both directions live here so the format is written once.
 */
import { parseCardValue } from '../../core/card-actions.ts';
import type { CardAction } from '../../core/types.ts';

/** Marks a chat message as a feedback button press. */
export const FEEDBACK_MARKER = '#feedback';

/** The message a button press sends: the label first, so the chat reads naturally. */
export function feedbackMessageContent(label: string, buttonValue: string): string {
  return `${label} ${FEEDBACK_MARKER} ${buttonValue}`;
}

/**
 * The link behind a card button.
 * https://open.dingtalk.com/document/orgapp-server/message-link-description (link schemes)
 */
export function feedbackButtonUrl(label: string, buttonValue: string): string {
  return `dtmd://dingtalkclient/sendMessage?content=${encodeURIComponent(feedbackMessageContent(label, buttonValue))}`;
}

// An optional short label, the marker, then one JSON object and nothing after it.
const FEEDBACK_TEXT = /^(?:[^\n]{0,40}?\s)?#feedback\s+(\{[^\n]*\})$/;

/**
 * Reads a chat text back as a feedback press; null when it is not one of ours (including a
 * marker followed by something that is not a valid button value).
 */
export function readFeedbackText(text: string): CardAction | null {
  const match = FEEDBACK_TEXT.exec(text.trim());
  const json = match?.[1];
  return json === undefined ? null : parseCardValue(json);
}
