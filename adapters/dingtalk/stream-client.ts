/**
 * The DingTalk Stream connection: the SDK's DWClient, pointed at a configurable gateway and with
 * its connection lifecycle taken over so that failures are visible.
 *
 * What dingtalk-stream 2.1.5 does on its own, and why this class changes it:
 * - `getEndpoint()` POSTs to the hard-coded GATEWAY_URL: overridden to use the configured one; it
 *   must set the private `dw_url` to `endpoint?ticket=…`, which is what `_connect()` dials.
 * - `connect()` swallows every error and retries each second forever; when the socket fails
 *   after a ticket was issued it schedules two retry loops at once (one from the socket's close
 *   handler, one from its own catch). So `autoReconnect` is off and `start()` uses
 *   `getEndpoint()` + `_connect()` directly: the first failure rejects `start()`, later drops
 *   reconnect here with a logged, capped backoff.
 * - With `keepAlive` each `_connect()` starts a new heartbeat interval and never clears the old
 *   one: cleared here before every connect.
 * - Default subscriptions are one array shared by every DWClient and include all EVENTs:
 *   replaced by our own list (only the callbacks registered).
 */
import { DWClient } from 'dingtalk-stream';
import type WebSocket from 'ws';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';

/** The SDK's private fields this class has to reach (dingtalk-stream 2.1.5, dist/client.mjs). */
interface SdkInternals {
  dw_url?: string;
  socket?: WebSocket;
  heartbeatIntervallId?: ReturnType<typeof setInterval>;
  heartbeat_interval: number;
  sslopts: Record<string, unknown>;
}

export interface DingtalkStreamOptions {
  clientId: string;
  clientSecret: string;
  /** The `connections/open` URL; the SDK's GATEWAY_URL in production. */
  gatewayUrl: string;
  log: Logger;
  /** Timeout of the gateway request and of the WebSocket handshake. */
  timeoutMs?: number;
  /** WebSocket ping interval; two missed pongs drop the connection (SDK default 8 s). */
  heartbeatMs?: number;
  /** First reconnect delay, doubled per failure up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

const UA = 'dealwise/0.1 dingtalk-stream/2.1.5';

/** A DWClient that connects to a configured gateway, rejects a failed start and reconnects visibly. */
export class DingtalkStreamClient extends DWClient {
  private readonly opts: DingtalkStreamOptions;
  private readonly sdk: SdkInternals;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelayMs: number;
  /** How many connections were opened; a test waits on it. */
  connections = 0;

  constructor(opts: DingtalkStreamOptions) {
    super({ clientId: opts.clientId, clientSecret: opts.clientSecret, ua: UA, keepAlive: true });
    this.opts = opts;
    this.sdk = this as unknown as SdkInternals;
    this.config.subscriptions = [];
    this.config.autoReconnect = false;
    if (opts.heartbeatMs !== undefined) this.sdk.heartbeat_interval = opts.heartbeatMs;
    // ws's own handshake timeout: without it a gateway that accepts TCP but never upgrades hangs start().
    this.sdk.sslopts = { ...this.sdk.sslopts, handshakeTimeout: opts.timeoutMs ?? 10_000 };
    this.retryDelayMs = opts.reconnectDelayMs ?? 1_000;
  }

  /**
   * Asks the gateway for a connection ticket. Credentials refused → AppError CONFIG_INVALID; any
   * other failure → PLATFORM_API. Never echoes the secret.
   */
  override async getEndpoint(): Promise<this> {
    if (this.stopped) throw new AppError('PLATFORM_API', 'DingTalk stream: stopped');
    // https://open-dingtalk.github.io/developerpedia/docs/learn/stream/protocol
    let res: Response;
    try {
      res = await fetch(this.opts.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          clientId: this.config.clientId,
          clientSecret: this.config.clientSecret,
          ua: this.config.ua,
          subscriptions: this.config.subscriptions,
        }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new AppError('PLATFORM_API', `DingTalk stream gateway unreachable (${reason})`);
    }
    const body = (await res.json().catch(() => ({}))) as { endpoint?: unknown; ticket?: unknown; code?: unknown };
    if (res.status === 401 || res.status === 403) {
      throw new AppError(
        'CONFIG_INVALID',
        `DingTalk stream gateway refused the credentials (HTTP ${res.status} ${String(body.code ?? '')}): check DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET and that the robot uses Stream mode`,
      );
    }
    if (!res.ok) throw new AppError('PLATFORM_API', `DingTalk stream gateway failed: HTTP ${res.status} ${String(body.code ?? '')}`);
    if (typeof body.endpoint !== 'string' || typeof body.ticket !== 'string' || body.endpoint === '' || body.ticket === '') {
      throw new AppError('PLATFORM_API', 'DingTalk stream gateway: the answer has no endpoint/ticket');
    }
    // What the SDK's own getEndpoint() sets: `_connect()` dials `dw_url` and reads nothing else
    // (the SDK also stores the whole answer in `config.endpoint`, which nothing reads).
    this.config.endpoint = body.endpoint;
    this.sdk.dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }

  /** Opens the first connection; rejects (and leaves nothing running) when it cannot. */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.openOnce();
    } catch (err) {
      this.stopped = true;
      this.disconnect();
      throw err;
    }
  }

  /** Closes the connection and cancels any pending reconnect; resolves once the socket is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const socket = this.sdk.socket;
    this.disconnect();
    if (!socket || socket.readyState === socket.CLOSED) return;
    await new Promise<void>((resolve) => {
      // A peer that ignores the close handshake is cut off rather than waited on for ws's 30 s.
      const cut = setTimeout(() => socket.terminate(), 2_000);
      socket.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
    });
  }

  /** The SDK parses frames without a guard; a garbled one would otherwise throw out of ws. */
  override onDownStream(data: string): void {
    try {
      super.onDownStream(data);
    } catch (err) {
      this.opts.log.warn({ err }, 'dingtalk stream frame unreadable; ignored');
    }
  }

  private async openOnce(): Promise<void> {
    clearInterval(this.sdk.heartbeatIntervallId);
    await this.getEndpoint();
    // stop() may have come while the ticket was being fetched: do not open a socket after it.
    if (this.stopped) throw new AppError('PLATFORM_API', 'DingTalk stream: stopped');
    try {
      await this._connect();
    } catch (err) {
      // ws's reason ("Unexpected server response: 403", ECONNREFUSED); the ticketed URL stays out.
      throw new AppError('PLATFORM_API', `DingTalk stream WebSocket failed: ${(err as Error).message}`);
    }
    this.connections++;
    const socket = this.sdk.socket;
    socket?.once('close', (code: number) => this.onClosed(code));
    this.opts.log.info({ connection: this.connections }, 'dingtalk stream connected');
  }

  private onClosed(code: number): void {
    clearInterval(this.sdk.heartbeatIntervallId);
    if (this.stopped) return;
    // Unacked callbacks are redelivered by DingTalk, so a drop loses nothing; reconnect and say so.
    this.opts.log.warn({ code }, 'dingtalk stream connection closed; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.retryDelayMs;
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.openOnce();
      this.retryDelayMs = this.opts.reconnectDelayMs ?? 1_000;
    } catch (err) {
      if (this.stopped) return;
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.opts.maxReconnectDelayMs ?? 60_000);
      const level = err instanceof AppError && err.code === 'CONFIG_INVALID' ? 'error' : 'warn';
      this.opts.log[level]({ err, retryInMs: this.retryDelayMs }, 'dingtalk stream reconnect failed');
      this.scheduleReconnect();
    }
  }
}
