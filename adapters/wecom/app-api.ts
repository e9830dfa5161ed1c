/**
 * The WeCom server API as a self-built app uses it: an access_token from `gettoken`, cached until
 * shortly before it expires, and JSON POSTs that carry it. A token WeCom calls expired or invalid
 * is fetched again once and the call retried once.
 *
 * The secret and the token travel only in request URLs; no URL, secret or token is ever put in
 * an error or a log line.
 */
import type { Logger } from '../../core/logger.ts';
import { TOKEN_ERRCODES, wecomError, wecomTransportError } from './errcode.ts';

/** Constructor options of WecomApiClient. */
export interface WecomApiOptions {
  /** e.g. `https://qyapi.weixin.qq.com` (the default used by the adapter). */
  apiBase: string;
  corpId: string;
  secret: string;
  log: Logger;
  /** Per-request timeout. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** Clock, for the token cache; tests move it. */
  now?: () => number;
}

/** A WeCom JSON answer: errcode 0 on success, other fields per API. */
export type WecomReply = { errcode: number; errmsg?: string } & Record<string, unknown>;

/** Refresh this long before WeCom's `expires_in` runs out (or at half-life for short tokens). */
const REFRESH_MARGIN_SEC = 300;

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** Token cache plus authenticated POSTs against the WeCom server API. */
export class WecomApiClient {
  private cached: CachedToken | null = null;
  private inflight: Promise<string> | null = null;
  private readonly base: string;
  private readonly now: () => number;

  constructor(private readonly opts: WecomApiOptions) {
    this.base = opts.apiBase.replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
  }

  /** A valid access_token, from the cache or from one shared `gettoken` call. */
  async accessToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt) return this.cached.value;
    // Concurrent sends after expiry share one gettoken call instead of racing several.
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const url = new URL(`${this.base}/cgi-bin/gettoken`);
    url.searchParams.set('corpid', this.opts.corpId);
    url.searchParams.set('corpsecret', this.opts.secret);
    // https://developer.work.weixin.qq.com/document/path/91039 (获取access_token)
    const reply = await this.request('gettoken', url, { method: 'GET' });
    if (reply.errcode !== 0) throw wecomError('gettoken', reply.errcode, reply.errmsg);
    const token = reply.access_token;
    const expiresIn = Number(reply.expires_in);
    if (typeof token !== 'string' || token === '' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw wecomTransportError('gettoken', 'reply without access_token / expires_in');
    }
    const margin = Math.min(REFRESH_MARGIN_SEC, expiresIn / 2);
    this.cached = { value: token, expiresAt: this.now() + (expiresIn - margin) * 1000 };
    this.opts.log.debug({ expiresIn }, 'WeCom access token fetched');
    return token;
  }

  /** Forgets `token` if it is still the cached one (a newer token fetched meanwhile is kept). */
  private invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = null;
  }

  /**
   * POSTs JSON to `path` with the access token. On a token errcode the token is refreshed and
   * the call made once more; any other non-zero errcode throws (see errcode.ts).
   */
  async post(op: string, path: string, body: unknown): Promise<WecomReply> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      const url = new URL(`${this.base}${path}`);
      url.searchParams.set('access_token', token);
      const reply = await this.request(op, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (reply.errcode === 0) return reply;
      if (TOKEN_ERRCODES.has(reply.errcode) && attempt === 0) {
        this.opts.log.info({ op, errcode: reply.errcode }, 'WeCom access token rejected; fetching a new one');
        this.invalidate(token);
        continue;
      }
      throw wecomError(op, reply.errcode, reply.errmsg);
    }
  }

  private async request(op: string, url: URL, init: RequestInit): Promise<WecomReply> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10_000) });
    } catch (err) {
      // undici's "fetch failed" hides the reason in `cause`; keep its code, never the URL.
      const cause = (err as { cause?: { code?: string } }).cause;
      const what = err instanceof Error ? (err.name === 'TimeoutError' ? 'timed out' : err.message) : 'request failed';
      const reason = cause?.code ? `${what} (${cause.code})` : what;
      throw wecomTransportError(op, reason);
    }
    if (!res.ok) throw wecomTransportError(op, `HTTP ${res.status}`);
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      throw wecomTransportError(op, 'reply is not JSON');
    }
    if (typeof json !== 'object' || json === null || typeof (json as WecomReply).errcode !== 'number') {
      throw wecomTransportError(op, 'reply without errcode');
    }
    return json as WecomReply;
  }
}
