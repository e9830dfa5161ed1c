/**
 * The wire shapes DingTalk pushes over Stream mode, as zod schemas: the robot message of topic
 * `/v1.0/im/bot/messages/get` and the interactive-card callback of `/v1.0/card/instances/callback`.
 * Only the fields dealwise reads are declared; everything else passes through untouched.
 *
 * Robot message: https://open.dingtalk.com/document/orgapp/receive-message
 * Card callback: https://open.dingtalk.com/document/orgapp/event-callback-card
 */
import { z } from 'zod';

/** `conversationType`: "1" is a 1:1 chat with the robot, "2" a group. */
export const CONVERSATION_TYPES = { single: '1', group: '2' } as const;

/**
 * One robot message. `msgtype` is an open set (text, richText, picture, file, audio, video, and
 * whatever DingTalk adds next), so the per-type `content` is read leniently in parse.ts.
 */
export const robotMessageSchema = z.looseObject({
  msgId: z.string().min(1),
  conversationId: z.string().min(1),
  conversationType: z.enum([CONVERSATION_TYPES.single, CONVERSATION_TYPES.group]),
  conversationTitle: z.string().optional(),
  msgtype: z.string().min(1),
  /** Milliseconds since the epoch. */
  createAt: z.number(),
  /** The sender's encrypted DingTalk id; always present. */
  senderId: z.string().min(1),
  /** The sender's user id in the robot's organisation; absent for users of other organisations. */
  senderStaffId: z.string().min(1).optional(),
  senderNick: z.string().optional(),
  senderCorpId: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  robotCode: z.string().optional(),
  /** A bearer-like URL that posts into this conversation: never log it. */
  sessionWebhook: z.string().optional(),
  /** When the session webhook stops working, milliseconds since the epoch. */
  sessionWebhookExpiredTime: z.number().optional(),
  text: z.object({ content: z.string() }).optional(),
  content: z.unknown().optional(),
});
export type RobotMessage = z.infer<typeof robotMessageSchema>;

/** `content` of picture, file, audio and video messages (all fields optional: read what is there). */
export const mediaContentSchema = z.looseObject({
  downloadCode: z.string().optional(),
  pictureDownloadCode: z.string().optional(),
  fileName: z.string().optional(),
  /** Speech-to-text of an audio message. */
  recognition: z.string().optional(),
  duration: z.union([z.number(), z.string()]).optional(),
});

/** `content` of a richText message: a list of text runs and pictures. */
export const richTextContentSchema = z.looseObject({
  richText: z.array(
    z.looseObject({
      text: z.string().optional(),
      type: z.string().optional(),
      downloadCode: z.string().optional(),
      pictureDownloadCode: z.string().optional(),
    }),
  ),
});

/**
 * An interactive-card callback: who pressed, on which card, and the card's private data as a JSON
 * string `{"cardPrivateData":{"actionIds":[…],"params":{…}}}`.
 */
export const cardCallbackSchema = z.looseObject({
  outTrackId: z.string().optional(),
  userId: z.string().min(1),
  corpId: z.string().optional(),
  type: z.string().optional(),
  content: z.string(),
});

export const cardContentSchema = z.looseObject({
  cardPrivateData: z.looseObject({
    actionIds: z.array(z.string()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
});
