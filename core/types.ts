/**
 * The shared vocabulary of dealwise: the normalized inbound message every adapter parses to,
 * the outbound message every adapter encodes, and the action catalogue of ../shared/ACTIONS.md.
 */

export const PLATFORMS = ['local', 'wecom', 'feishu', 'dingtalk'] as const;
export type Platform = (typeof PLATFORMS)[number];

export type DirectoryRole = 'rep' | 'manager' | 'admin';
/** Who said a message: a directory person's role, or a customer contact. */
export type SpeakerRole = DirectoryRole | 'customer';
/** The analyzer only distinguishes our side from the customer's. */
export type AnalyzerRole = 'rep' | 'customer';

export type ChatType = 'single' | 'group';

/** What kind of platform message this was; anything but `text` may carry no text at all. */
export const MESSAGE_KINDS = ['text', 'file', 'image', 'sticker', 'voice', 'video', 'link', 'card', 'other'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface Attachment {
  name: string;
  /** A coarse type: file, image, video, voice, link. */
  type?: string;
}

/**
 * One chat message as every adapter delivers it. Ids are the platform's own; the pair
 * (platform, messageId) is unique and is what deduplication keys on.
 */
export interface InboundMessage {
  platform: Platform;
  messageId: string;
  conversationId: string;
  /** The chat's title when the platform gives one (a group name); names the deal. */
  conversationTitle?: string;
  chatType: ChatType;
  /**
   * True when the message is written to the bot in a 1:1 chat (the command channel of reps and
   * managers) rather than in a chat with a customer.
   */
  direct: boolean;
  senderId: string;
  senderName?: string;
  /** Set when the platform itself says the sender is external (WeCom archive `_external`). */
  senderExternal?: boolean;
  kind: MessageKind;
  text: string;
  attachments: Attachment[];
  sentAt: Date;
  /** The platform payload as received, kept for audit and re-parsing. */
  raw?: unknown;
}

/** A button press on a nudge card, reported back by a platform. */
export interface NudgeFeedback {
  platform: Platform;
  nudgeId: string;
  senderId: string;
  value: FeedbackValue;
}
export const FEEDBACK_VALUES = ['useful', 'not_useful', 'used'] as const;
export type FeedbackValue = (typeof FEEDBACK_VALUES)[number];

// ---- outbound -------------------------------------------------------------------------------

export interface CardButton {
  label: string;
  /** Opaque value handed back on press, e.g. `{"nudgeId":"…","value":"useful"}`. */
  value: string;
}

/** Outbound messages are data; each adapter has an encoder that turns them into its payload. */
export type OutboundMessage =
  | { type: 'text'; text: string }
  | { type: 'markdown'; title: string; text: string }
  | { type: 'card'; title: string; text: string; buttons: CardButton[] };

/** Where an outbound message goes, in the platform's own ids. */
export type Recipient = { userId: string } | { chatId: string };

// ---- actions --------------------------------------------------------------------------------

export const ACTION_KINDS = [
  'quote_sent',
  'proposal_sent',
  'material_sent',
  'meeting_scheduled',
  'contract_sent',
  'objection_handled',
  'follow_up',
  'next_step_agreed',
  'price_inquiry',
  'objection_raised',
  'competitor_mentioned',
  'buying_signal',
  'deal_won',
  'deal_lost',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const OBJECTION_TYPES = ['price', 'competitor', 'timing', 'authority', 'need', 'trust'] as const;
export type ObjectionType = (typeof OBJECTION_TYPES)[number];

export const MATERIAL_TYPES = ['case', 'video', 'comparison', 'datasheet', 'whitepaper', 'brochure', 'report'] as const;
export type MaterialType = (typeof MATERIAL_TYPES)[number];

/** One key action found in a message. */
export interface DetectedAction {
  kind: ActionKind;
  /** 0..1 */
  confidence: number;
  objection?: ObjectionType;
  materialType?: MaterialType;
  /** An amount in CNY (or the stated currency unit) when the text names one. */
  amount?: number;
  competitor?: string;
}

export interface AnalyzerInput {
  role: AnalyzerRole;
  text: string;
  attachments?: { name: string }[];
  lang?: 'zh' | 'en';
}
