/**
 * The whole app with DingTalk switched on by its env credentials, talking to the loopback fake
 * (test/adapters/dingtalk/fake-dingtalk.ts): the real adapter and SDK, PGlite in a fresh data
 * folder, the in-process runner on a manual clock. Frames are built the way DingTalk pushes them
 * (robot CALLBACK on `/v1.0/im/bot/messages/get`), with the people's DingTalk ids from org.yaml.
 */
import { rm } from 'node:fs/promises';
import { TOPIC_ROBOT } from 'dingtalk-stream';
import { expect } from 'vitest';
import { createApp, type App } from '../../../bots/app.ts';
import { readOrgFile } from '../../../bots/catalog/org-file.ts';
import { ManualClock } from '../../../core/clock.ts';
import { loadConfig } from '../../../core/config.ts';
import { eventually, FakeDingtalk } from '../../adapters/dingtalk/fake-dingtalk.ts';
import { memoryLogger } from '../../adapters/dingtalk/helpers.ts';
import { makeDataDir } from '../../helpers/app.ts';

export const CLIENT_ID = 'dinge2eclientid01';
export const CLIENT_SECRET = 'e2e-secret-7c41d09b2f';
export const ROBOT_CODE = 'dinge2erobotcode';
const CORP_ID = 'dingcorpself0001';
const ACK_WAIT_MS = 15_000;
/** PGlite opens in a few seconds, many more on a busy machine. */
export const START_TIMEOUT_MS = 120_000;
/** Per test: each runs a few jobs and HTTP round trips through the whole app. */
export const TEST_TIMEOUT_MS = 60_000;

export interface DingtalkApp {
  app: App;
  clock: ManualClock;
  fake: FakeDingtalk;
  /** Every log line the app wrote (debug and up), to check errors and secrets. */
  logs: string[];
  /** DingTalk user id of each directory person, read from config/org.yaml. */
  staffId: (personId: string) => string;
  cleanup(): Promise<void>;
}

export async function startDingtalkApp(start: Date): Promise<DingtalkApp> {
  const fake = await FakeDingtalk.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const dataDir = await makeDataDir();
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DINGTALK_CLIENT_ID: CLIENT_ID,
    DINGTALK_CLIENT_SECRET: CLIENT_SECRET,
    DINGTALK_ROBOT_CODE: ROBOT_CODE,
    DINGTALK_API_BASE: fake.baseUrl,
    DINGTALK_GATEWAY_URL: fake.gatewayUrl,
  });
  const org = await readOrgFile(config.ORG_FILE);
  const ids = new Map(org.people.map((p) => [p.id, p.ids.dingtalk]));
  const clock = new ManualClock(start);
  const { log, lines } = memoryLogger();
  const app = await createApp({ config, clock, autoRun: false, log, migrate: false });
  return {
    app,
    clock,
    fake,
    logs: lines,
    staffId: (personId) => {
      const id = ids.get(personId);
      if (!id) throw new Error(`${personId} has no dingtalk id in org.yaml`);
      return id;
    },
    cleanup: async () => {
      await app.close();
      await fake.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A session webhook that stays valid well past the test (the adapter reads the wall clock). */
export function session(fake: FakeDingtalk, name: string): { sessionWebhook: string; sessionWebhookExpiredTime: number } {
  return { sessionWebhook: fake.webhookUrl(name), sessionWebhookExpiredTime: Date.now() + 90 * 60_000 };
}

interface Sender {
  /** The directory person's DingTalk user id; absent for a customer (another organisation). */
  staffId?: string;
  nick: string;
  /** DingTalk's encrypted sender id, present for everyone. */
  dingtalkId: string;
}

/** A robot message in a customer group (conversationType "2"), as DingTalk pushes it. */
export function groupMessage(
  fake: FakeDingtalk,
  p: { conversationId: string; title: string; msgId: string; from: Sender; at: Date; text?: string; picture?: boolean },
): Record<string, unknown> {
  return {
    conversationId: p.conversationId,
    conversationType: '2',
    conversationTitle: p.title,
    chatbotCorpId: CORP_ID,
    chatbotUserId: '$:LWCP_v1:$robotE2e01',
    msgId: p.msgId,
    senderId: p.from.dingtalkId,
    senderNick: p.from.nick,
    // A customer belongs to another organisation and has no staff id in ours.
    senderCorpId: p.from.staffId ? CORP_ID : 'dingcorpcustomer99',
    ...(p.from.staffId ? { senderStaffId: p.from.staffId } : {}),
    isAdmin: false,
    isInAtList: false,
    createAt: p.at.getTime(),
    robotCode: ROBOT_CODE,
    ...session(fake, `group-${p.conversationId}`),
    ...body(p),
  };
}

/** A robot message in someone's 1:1 chat with the robot (conversationType "1"). */
export function singleMessage(
  fake: FakeDingtalk,
  p: { staffId: string; nick: string; msgId: string; at: Date; text: string; session?: string },
): Record<string, unknown> {
  return {
    conversationId: `cidSingle-${p.staffId}==`,
    conversationType: '1',
    chatbotCorpId: CORP_ID,
    chatbotUserId: '$:LWCP_v1:$robotE2e01',
    msgId: p.msgId,
    senderId: `$:LWCP_v1:$${p.staffId}`,
    senderNick: p.nick,
    senderCorpId: CORP_ID,
    senderStaffId: p.staffId,
    isAdmin: false,
    createAt: p.at.getTime(),
    robotCode: ROBOT_CODE,
    ...session(fake, p.session ?? `single-${p.staffId}`),
    msgtype: 'text',
    text: { content: p.text },
  };
}

function body(p: { text?: string; picture?: boolean }): Record<string, unknown> {
  if (p.picture) return { msgtype: 'picture', content: { pictureDownloadCode: 'pdcE2ePicture', downloadCode: 'dcE2ePicture' } };
  return { msgtype: 'text', text: { content: p.text ?? '' } };
}

/**
 * Pushes a robot CALLBACK frame (pass `frameId` to redeliver one) and waits until the adapter has
 * acked it once more: by then the sink has stored the message. Returns the frame id.
 */
export async function push(fake: FakeDingtalk, payload: Record<string, unknown>, frameId?: string): Promise<string> {
  const before = frameId ? fake.acksFor(frameId).length : 0;
  const id = fake.pushCallback(TOPIC_ROBOT, payload, frameId);
  // Generous: the ack waits for PGlite, and the test machine is shared.
  await eventually(() => expect(fake.acksFor(id)).toHaveLength(before + 1), ACK_WAIT_MS);
  return id;
}

/** The chat text the DingTalk client sends when a card button (a `dtmd://…sendMessage` link) is pressed. */
export function pressContent(buttonUrl: string): string {
  const content = new URL(buttonUrl).searchParams.get('content');
  if (content === null) throw new Error(`not a sendMessage link: ${buttonUrl}`);
  return content;
}
