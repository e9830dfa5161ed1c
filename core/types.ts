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
  /**
   * How to fetch the file's bytes later, in the adapter's own terms (a Feishu file key, a DingTalk
   * download code, the WeCom bot's five-minute encrypted download URL and its key, a local
   * document-storage key); absent when the platform gives no way to. Nothing here opens more than
   * the message's own raw payload already does.
   */
  fileRef?: string;
  /** Bytes, when the platform says. */
  size?: number;
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
  /**
   * History imported after the fact (`dealwise import-archive`): the past, whatever its age, so
   * it updates the deal but nudges nobody. The archive route is WeCom's live feed of customer
   * chats (minutes late): its messages are coached as any others, up to NUDGE_MAX_AGE.
   */
  backfill?: boolean;
  kind: MessageKind;
  text: string;
  attachments: Attachment[];
  sentAt: Date;
  /** The platform payload as received, kept for audit and re-parsing. */
  raw?: unknown;
}

/** What a card button asks for: feedback on a nudge, or the owner's answer to a deal confirmation. */
export type CardAction = { kind: 'feedback'; nudgeId: string; value: FeedbackValue } | { kind: 'confirm'; confirmationId: string; answer: 'yes' | 'no' };

/** A button press on one of our cards, reported back by a platform. */
export interface CardPress {
  platform: Platform;
  senderId: string;
  action: CardAction;
  /** When the platform says the press happened: an older press replayed after a newer one is ignored. */
  at?: Date;
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

/**
 * Customer actions that come from elsewhere than a message's text, so the analyzer never labels
 * them: `document_viewed`, a customer's reading of a tracked document (its pages and seconds).
 */
export const EVENT_ACTION_KINDS = ['document_viewed'] as const;
/** Every action kind a deal's timeline, the playbooks and the database know. */
export const STORED_ACTION_KINDS = [...ACTION_KINDS, ...EVENT_ACTION_KINDS] as const;
export type StoredActionKind = (typeof STORED_ACTION_KINDS)[number];

export const OBJECTION_TYPES = ['price', 'competitor', 'timing', 'authority', 'need', 'trust'] as const;
export type ObjectionType = (typeof OBJECTION_TYPES)[number];

export const MATERIAL_TYPES = ['case', 'video', 'comparison', 'datasheet', 'whitepaper', 'brochure', 'report'] as const;
export type MaterialType = (typeof MATERIAL_TYPES)[number];

export const MEETING_TYPES = ['demo', 'visit', 'call', 'meeting'] as const;
export type MeetingType = (typeof MEETING_TYPES)[number];

/** One key action found in a message. */
export interface DetectedAction {
  kind: ActionKind;
  /** 0..1 */
  confidence: number;
  objection?: ObjectionType;
  materialType?: MaterialType;
  /** An amount in CNY (or the stated currency unit) when the text names one. */
  amount?: number;
  /** The amount is a price per unit, head or period under a year (每台八千, 3.5k per seat), not a total. */
  perUnit?: boolean;
  competitor?: string;
  /** For meeting_scheduled: what kind of meeting (only a demo moves a deal to the demo stage). */
  meetingType?: MeetingType;
  /**
   * For deal_won and deal_lost: the text states the outcome beyond doubt (contract signed and
   * returned, PO issued, payment received, an explicit refusal), so the deal may close without
   * asking its owner.
   */
  precise?: boolean;
}

export interface AnalyzerInput {
  role: AnalyzerRole;
  text: string;
  attachments?: { name: string }[];
  lang?: 'zh' | 'en';
}

// ---- one analysis per message ---------------------------------------------------------------

/**
 * What a customer asks or talks about, so coaching answers the message rather than the stage.
 * `security` covers data security, hosting and deployment (等保, 私有化); `implementation` the
 * go-live time and on-site staff; `legal` contract and legal terms; `executive` meetings between
 * executives; `references` cases and customer references.
 */
export const TOPICS = [
  'security',
  'implementation',
  'integration',
  'payment',
  'discount',
  'competitor',
  'legal',
  'executive',
  'references',
  'training',
  'trial',
] as const;
export type Topic = (typeof TOPICS)[number];

/** A day someone commits to in a message: 「1月8号再聊」, 「下周一给您答复」, 「院长周四开会」. */
export interface Commitment {
  /** The start of the committed day (or the stated time), resolved against the message's sentAt. */
  at: Date;
  /** True when only a day was stated: reminders go out on that working day's morning. */
  allDay: boolean;
  /** The words that stated it, to quote back to the rep. */
  phrase: string;
}

/**
 * Everything the loop needs from one message's text, computed in one pass: the key actions, whether
 * the customer asked something, what about, a meeting time stated, a day committed to.
 */
export interface MessageAnalysis {
  actions: DetectedAction[];
  question: boolean;
  topics: Topic[];
  /** The time of the meeting a meeting_scheduled action books, when the message states it. */
  meetingAt: Date | null;
  /**
   * A meeting with the other party that the message states or proposes, with its kind when a word
   * says it (「周三下午两点给您线上演示一下，您看方便吗？」): a later 「可以」 books that one.
   */
  meeting: { at: Date; type: MeetingType } | null;
  commitment: Commitment | null;
}

export interface MessageAnalysisInput extends AnalyzerInput {
  sentAt: Date;
  /** The organisation's IANA time zone: relative dates (周四, 明天) are read in it. */
  timeZone: string;
}
