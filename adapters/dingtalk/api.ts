/**
 * The DingTalk HTTP calls dealwise makes to send: the app access token (cached), proactive 1:1
 * and group robot messages, and replies through a conversation's session webhook. Failures become
 * AppError PLATFORM_API (worth retrying), RATE_LIMITED (throttled: retry later) or BAD_REQUEST
 * (DingTalk refused the recipient: do not retry). No error message ever carries the app secret,
 * the access token or a webhook URL.
 */
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { SendResult } from '../types.ts';
import type { RobotTemplate } from './encode.ts';

export interface DingtalkApiOptions {
  /** e.g. `https://api.dingtalk.com`; a test points it at a loopback fake. */
  apiBase: string;
  appKey: string;
  appSecret: string;
  robotCode: string;
  log: Logger;
  /** Per-request timeout. */
  timeoutMs?: number;
  now?: () => number;
}

/** Refresh the token this long before DingTalk says it expires, so no send races the expiry. */
const TOKEN_MARGIN_MS = 5 * 60_000;
// Error codes DingTalk uses for throttling: OpenAPI `code`s and webhook `errcode`s.
const THROTTLE_CODE = /qpslimit|throttl|flowcontrol|too\.?fast|toomanyrequests/i;
const THROTTLE_ERRCODES = new Set([130101, 410100]);

interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** DingTalk's OpenAPI and session webhooks, with the access token cached until shortly before expiry. */
export class DingtalkApi {
  private token: { value: string; expiresAt: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: DingtalkApiOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The app access token, fetched once and shared by concurrent callers until it nears expiry. */
  async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = null;
    });
    return this.tokenInFlight;
  }

  /** Sends a robot message to one person's 1:1 chat with the robot. */
  async sendToUser(userId: string, tpl: RobotTemplate): Promise<SendResult> {
    // https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches
    const body = { robotCode: this.opts.robotCode, userIds: [userId], msgKey: tpl.msgKey, msgParam: JSON.stringify(tpl.msgParam) };
    const answer = await this.withToken('robot 1:1 send', '/v1.0/robot/oToMessages/batchSend', body);
    // A 200 can still refuse the one recipient: unknown to DingTalk, or throttled for them.
    if (listed(answer.body.invalidStaffIdList, userId)) {
      throw new AppError('BAD_REQUEST', 'DingTalk robot 1:1 send: the user id is not a member of this organisation', { details: { userId } });
    }
    if (listed(answer.body.flowControlledStaffIdList, userId)) {
      throw new AppError('RATE_LIMITED', 'DingTalk robot 1:1 send: the recipient is flow-controlled', { details: { userId } });
    }
    return sendResult(answer.body.processQueryKey);
  }

  /** Sends a robot message into a group the robot is in, by its open conversation id. */
  async sendToGroup(openConversationId: string, tpl: RobotTemplate): Promise<SendResult> {
    // https://open.dingtalk.com/document/orgapp/the-robot-sends-a-group-message
    const body = { robotCode: this.opts.robotCode, openConversationId, msgKey: tpl.msgKey, msgParam: JSON.stringify(tpl.msgParam) };
    const answer = await this.withToken('robot group send', '/v1.0/robot/groupMessages/send', body);
    return sendResult(answer.body.processQueryKey);
  }

  /**
   * The bytes of a file a robot message carried, by its download code: DingTalk answers with a
   * short-lived download URL (itself a credential: never logged nor put in an error), fetched at
   * once. More than `maxBytes` is refused rather than read to the end.
   */
  async downloadMessageFile(downloadCode: string, maxBytes: number): Promise<Buffer> {
    // https://open.dingtalk.com/document/orgapp/download-the-file-content-of-the-robot-receiving-message
    const answer = await this.withToken('robot file download', '/v1.0/robot/messageFiles/download', { downloadCode, robotCode: this.opts.robotCode });
    const url = answer.body.downloadUrl;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new AppError('PLATFORM_API', 'DingTalk robot file download: the answer has no downloadUrl');
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new AppError('PLATFORM_API', `DingTalk robot file download: request failed (${reason})`);
    }
    if (!res.ok || !res.body)
      throw new AppError('PLATFORM_API', `DingTalk robot file download failed: HTTP ${res.status}`, { details: { status: res.status } });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > maxBytes) {
        await res.body.cancel().catch(() => {});
        throw new AppError('PAYLOAD_TOO_LARGE', `the file is over ${maxBytes} bytes`);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  /** Replies through a conversation's session webhook (no token needed: the URL is the credential). */
  async postWebhook(url: string, body: Record<string, unknown>): Promise<void> {
    // https://open.dingtalk.com/document/orgapp/robot-reply-and-send-messages
    const answer = await this.post('session webhook reply', url, body, {});
    const errcode = answer.body.errcode;
    if (typeof errcode === 'number' && errcode !== 0) {
      throw this.failure('session webhook reply', answer.status, { code: errcode, message: answer.body.errmsg });
    }
  }

  private async fetchToken(): Promise<string> {
    // https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app
    const answer = await this.post('access token', `${this.base()}/v1.0/oauth2/accessToken`, {
      appKey: this.opts.appKey,
      appSecret: this.opts.appSecret,
    });
    const value = answer.body.accessToken;
    const expireIn = answer.body.expireIn;
    if (typeof value !== 'string' || value === '' || typeof expireIn !== 'number') {
      throw new AppError('PLATFORM_API', 'DingTalk access token: the answer has no accessToken/expireIn');
    }
    // Short-lived tokens (a test's) are refreshed at half-life rather than never cached.
    const margin = Math.min(TOKEN_MARGIN_MS, (expireIn * 1000) / 2);
    this.token = { value, expiresAt: this.now() + expireIn * 1000 - margin };
    this.opts.log.debug({ expireIn }, 'dingtalk access token fetched');
    return value;
  }

  /** POSTs to the OpenAPI with the token; a 401 means the token was revoked early: refetch once. */
  private async withToken(what: string, path: string, body: unknown): Promise<HttpAnswer> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      try {
        return await this.post(what, `${this.base()}${path}`, body, { 'x-acs-dingtalk-access-token': token });
      } catch (err) {
        const unauthorized = err instanceof AppError && (err.details as { status?: number } | undefined)?.status === 401;
        if (!unauthorized || attempt > 0) throw err;
        this.token = null;
      }
    }
  }

  private async post(what: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // Name the failure, not the URL: a webhook URL is a credential.
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new AppError('PLATFORM_API', `DingTalk ${what}: request failed (${reason})`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): judged by the status alone below.
    }
    const answer: HttpAnswer = { status: res.status, body: isRecord(parsed) ? parsed : {} };
    if (!res.ok || !isRecord(parsed)) throw this.failure(what, res.status, answer.body);
    return answer;
  }

  private failure(what: string, status: number, body: Record<string, unknown>): AppError {
    const code = body.code ?? body.errcode;
    const message = typeof body.message === 'string' ? body.message : typeof body.errmsg === 'string' ? body.errmsg : '';
    const throttled = status === 429 || THROTTLE_ERRCODES.has(Number(code)) || (typeof code === 'string' && THROTTLE_CODE.test(code));
    const text = this.scrub(
      `DingTalk ${what} failed: HTTP ${status}${code === undefined ? '' : ` ${String(code)}`}${message ? `: ${message.slice(0, 200)}` : ''}`,
    );
    return new AppError(throttled ? 'RATE_LIMITED' : 'PLATFORM_API', text, {
      details: { status, code: code === undefined ? undefined : this.scrub(String(code)) },
    });
  }

  /** Platform messages are echoed into errors: make sure no credential rides along. */
  private scrub(s: string): string {
    let out = this.opts.appSecret ? s.split(this.opts.appSecret).join('[redacted]') : s;
    if (this.token) out = out.split(this.token.value).join('[redacted]');
    return out;
  }

  private base(): string {
    return this.opts.apiBase.replace(/\/+$/, '');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listed(list: unknown, id: string): boolean {
  return Array.isArray(list) && list.includes(id);
}

function sendResult(key: unknown): SendResult {
  return typeof key === 'string' ? { platformMessageId: key } : {};
}
