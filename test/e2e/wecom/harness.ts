/**
 * Shared pieces of the WeCom end-to-end tests: credentials for the loopback fakes, the env that
 * turns the real adapters on, decrypted chat-archive records as WeCom's archive SDK yields them,
 * an app callback signed with @wecom/crypto, and small reads of the database.
 */
import { randomBytes } from 'node:crypto';
import { encrypt, getSignature } from '@wecom/crypto';
import { count, eq } from 'drizzle-orm';
import type { App } from '../../../bots/app.ts';
import { deliveries, messages, nudges } from '../../../db/schema/index.ts';

/**
 * For the hooks that open (and close) the app: PGlite opens and migrates in a few seconds on an
 * idle machine, but takes over 20 s on the shared 2-core box when other suites run beside us.
 */
export const START_TIMEOUT_MS = 120_000;

export const BOT = { botId: 'aibE2eBot0123456789', secret: 'e2e-bot-secret' };
export const CORP = { corpId: 'wwe2e0123456789abcd', secret: 'e2e-app-secret' };
export const AGENT_ID = 1000002;
export const CALLBACK_TOKEN = 'e2eCallbackToken';
/** 43 base64 characters that decode to a 32-byte key, as WeCom issues it. */
export const AES_KEY = randomBytes(32).toString('base64').slice(0, 43);

/** An external contact's id (external_userid), as the archive gives it. */
export const CUSTOMER = 'wmE2eCustAAgQ7m9Kq3ZpX1vYbN4tRw';
export const CUSTOMER_2 = 'wmE2eCustBBhR8n0Lr4AqY2wZcO5uSx';

/** Env that switches on the intelligent bot (long connection to `wsUrl`). */
export function botEnv(wsUrl: string): Record<string, string> {
  return { WECOM_BOT_ID: BOT.botId, WECOM_BOT_SECRET: BOT.secret, WECOM_WS_URL: wsUrl };
}

/** Env that switches on the self-built app (API at `apiBase`, callback keys above). */
export function appEnv(apiBase: string): Record<string, string> {
  return {
    WECOM_CORP_ID: CORP.corpId,
    WECOM_AGENT_ID: String(AGENT_ID),
    WECOM_SECRET: CORP.secret,
    WECOM_TOKEN: CALLBACK_TOKEN,
    WECOM_ENCODING_AES_KEY: AES_KEY,
    WECOM_API_BASE: apiBase,
  };
}

/** A decrypted archive text record in a customer group (room). */
export function archiveText(p: { msgid: string; from: string; to: string[]; room: string; at: Date; text: string }): Record<string, unknown> {
  return { msgid: p.msgid, action: 'send', from: p.from, tolist: p.to, roomid: p.room, msgtime: p.at.getTime(), msgtype: 'text', text: { content: p.text } };
}

/** A decrypted archive image record: WeCom gives only an sdkfileid, no name and no text. */
export function archiveImage(p: { msgid: string; from: string; to: string[]; room: string; at: Date }): Record<string, unknown> {
  return {
    msgid: p.msgid,
    action: 'send',
    from: p.from,
    tolist: p.to,
    roomid: p.room,
    msgtime: p.at.getTime(),
    msgtype: 'image',
    image: { md5sum: '50de8e5ae8ffe4f1df7a93841f71993a', filesize: 70961, sdkfileid: 'CtYBMzA2OTAyMDEwMjA0NjIzMDYwMDIwMTAwMDIwNGJmMDJhMDJh' },
  };
}

/**
 * A self-built app callback exactly as WeCom POSTs it: the inner XML encrypted for our corp id,
 * then signed with `signToken` (the real callback token unless a test forges it).
 */
export function appCallback(inner: string, opts: { signToken?: string } = {}): { url: string; payload: string } {
  const encrypted = encrypt(AES_KEY, inner, CORP.corpId);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const signature = getSignature(opts.signToken ?? CALLBACK_TOKEN, timestamp, nonce, encrypted);
  const query = new URLSearchParams({ msg_signature: signature, timestamp, nonce });
  return {
    url: `/wecom/callback?${query.toString()}`,
    payload: `<xml><ToUserName><![CDATA[${CORP.corpId}]]></ToUserName><AgentID><![CDATA[${AGENT_ID}]]></AgentID><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`,
  };
}

/** Inner XML of a text message an employee writes to the app. */
export function appTextXml(p: { from: string; msgId: string; text: string; at: Date }): string {
  return `<xml><ToUserName><![CDATA[${CORP.corpId}]]></ToUserName><FromUserName><![CDATA[${p.from}]]></FromUserName><CreateTime>${Math.floor(p.at.getTime() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${p.text}]]></Content><MsgId>${p.msgId}</MsgId><AgentID>${AGENT_ID}</AgentID></xml>`;
}

/** Inner XML of a template-card button press on an app card. */
export function appCardPressXml(p: { from: string; eventKey: string; taskId: string; at: Date }): string {
  return `<xml><ToUserName><![CDATA[${CORP.corpId}]]></ToUserName><FromUserName><![CDATA[${p.from}]]></FromUserName><CreateTime>${Math.floor(p.at.getTime() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${p.eventKey}]]></EventKey><TaskId><![CDATA[${p.taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[ResponseCode_e2e]]></ResponseCode><AgentID>${AGENT_ID}</AgentID></xml>`;
}

/** Row counts of what the loop writes. */
export async function counts(app: App): Promise<{ messages: number; nudges: number; deliveries: number }> {
  const db = app.database.db;
  const [m] = await db.select({ n: count() }).from(messages);
  const [n] = await db.select({ n: count() }).from(nudges);
  const [d] = await db.select({ n: count() }).from(deliveries);
  return { messages: m!.n, nudges: n!.n, deliveries: d!.n };
}

/** The stored message with this WeCom msgid, or null. */
export async function storedMessage(app: App, msgid: string): Promise<typeof messages.$inferSelect | null> {
  const [row] = await app.database.db.select().from(messages).where(eq(messages.platformMessageId, msgid));
  return row ?? null;
}

/** Nudges for one person, with their deliveries. */
export async function nudgesFor(app: App, personId: string) {
  const db = app.database.db;
  const rows = await db.select().from(nudges).where(eq(nudges.personId, personId));
  return Promise.all(rows.map(async (n) => ({ nudge: n, deliveries: await db.select().from(deliveries).where(eq(deliveries.nudgeId, n.id)) })));
}

/**
 * Polls an async condition every 20 ms: for what arrives over the long connection, which the
 * adapter hands to the sink on its own schedule.
 */
export async function until(test: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
