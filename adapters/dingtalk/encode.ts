/**
 * The DingTalk encoder: an OutboundMessage becomes either a robot message template
 * (`msgKey` + `msgParam`, for the OpenAPI sends) or a session-webhook body (`msgtype` + payload).
 * Card buttons become links that send a feedback chat message back to the robot (feedback-link.ts).
 *
 * Templates: https://open.dingtalk.com/document/orgapp/types-of-messages-sent-by-robots
 * Webhook bodies: https://open.dingtalk.com/document/orgapp/robot-reply-and-send-messages
 */
import { AppError } from '../../core/errors.ts';
import type { CardButton, OutboundMessage } from '../../core/types.ts';
import { feedbackButtonUrl } from './feedback-link.ts';

/** A robot message template as the OpenAPI takes it; `msgParam` is sent JSON-encoded. */
export interface RobotTemplate {
  msgKey: string;
  msgParam: Record<string, string>;
}

/** Robot action cards carry at most five link buttons (`sampleActionCard2`…`5`). */
export const MAX_CARD_BUTTONS = 5;

/** OutboundMessage → `{msgKey, msgParam}` for `oToMessages/batchSend` and `groupMessages/send`. */
export function encodeRobotTemplate(msg: OutboundMessage): RobotTemplate {
  switch (msg.type) {
    case 'text':
      return { msgKey: 'sampleText', msgParam: { content: msg.text } };
    case 'markdown':
      return { msgKey: 'sampleMarkdown', msgParam: { title: msg.title, text: msg.text } };
    case 'card': {
      const buttons = cardButtons(msg.buttons);
      const first = buttons[0];
      if (first === undefined) return { msgKey: 'sampleMarkdown', msgParam: { title: msg.title, text: msg.text } };
      if (buttons.length === 1) {
        return { msgKey: 'sampleActionCard', msgParam: { title: msg.title, text: msg.text, singleTitle: first.title, singleURL: first.url } };
      }
      // Vertical buttons, numbered from 1: sampleActionCard2 has two, … sampleActionCard5 five.
      const msgParam: Record<string, string> = { title: msg.title, text: msg.text };
      buttons.forEach((b, i) => {
        msgParam[`actionTitle${i + 1}`] = b.title;
        msgParam[`actionURL${i + 1}`] = b.url;
      });
      return { msgKey: `sampleActionCard${buttons.length}`, msgParam };
    }
  }
}

/** OutboundMessage → the JSON body of a session-webhook reply. */
export function encodeWebhookBody(msg: OutboundMessage): Record<string, unknown> {
  switch (msg.type) {
    case 'text':
      return { msgtype: 'text', text: { content: msg.text } };
    case 'markdown':
      return { msgtype: 'markdown', markdown: { title: msg.title, text: msg.text } };
    case 'card': {
      const buttons = cardButtons(msg.buttons);
      if (buttons.length === 0) return { msgtype: 'markdown', markdown: { title: msg.title, text: msg.text } };
      return {
        msgtype: 'actionCard',
        actionCard: {
          title: msg.title,
          text: msg.text,
          // "0": buttons stacked vertically, which fits three Chinese labels on a phone.
          btnOrientation: '0',
          btns: buttons.map((b) => ({ title: b.title, actionURL: b.url })),
        },
      };
    }
  }
}

function cardButtons(buttons: CardButton[]): { title: string; url: string }[] {
  if (buttons.length > MAX_CARD_BUTTONS) {
    throw new AppError('BAD_REQUEST', `a DingTalk robot card takes at most ${MAX_CARD_BUTTONS} buttons, got ${buttons.length}`);
  }
  return buttons.map((b) => ({ title: b.label, url: feedbackButtonUrl(b.label, b.value) }));
}
