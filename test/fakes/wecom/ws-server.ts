/**
 * A loopback fake of WeCom's intelligent-bot long-connection server, speaking the protocol the
 * real SDK speaks (JSON text frames `{cmd, headers:{req_id}, body}`):
 * - `aibot_subscribe` is answered `{headers:{req_id}, errcode:0, errmsg:"ok"}` when bot_id and
 *   secret match, errcode 40001 otherwise;
 * - `ping` is answered the same way (unless told to stay silent);
 * - `aibot_send_msg` / `aibot_respond_msg` / `aibot_respond_update_msg` /
 *   `aibot_respond_welcome_msg` are acked with the same req_id (or with a scripted errcode);
 * - it can push `aibot_msg_callback` and `aibot_event_callback` frames and drop connections.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A frame as the fake received it from the SDK. */
export interface ReceivedFrame {
  cmd?: string;
  headers: { req_id: string };
  body?: Record<string, unknown>;
}

const ACKED = new Set(['aibot_send_msg', 'aibot_respond_msg', 'aibot_respond_update_msg', 'aibot_respond_welcome_msg']);

export class FakeWecomWsServer {
  readonly received: ReceivedFrame[] = [];
  /** Subscribes accepted so far (one per (re)connection). */
  authCount = 0;
  /** When false, pings are swallowed (a dead server the SDK must notice). */
  answerPings = true;
  private wss!: WebSocketServer;
  private current: WebSocket | null = null;
  private nextSendErrors: Array<{ errcode: number; errmsg: string }> = [];
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  private seq = 0;

  constructor(private readonly creds: { botId: string; secret: string }) {}

  /** Listens on 127.0.0.1 on a free port. */
  async start(): Promise<void> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(this.wss, 'listening');
    this.wss.on('connection', (ws) => {
      ws.on('message', (data) => this.onFrame(ws, data.toString()));
      ws.on('close', () => {
        if (this.current === ws) this.current = null;
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  private onFrame(ws: WebSocket, raw: string): void {
    const frame = JSON.parse(raw) as ReceivedFrame;
    this.received.push(frame);
    const reqId = frame.headers.req_id;
    if (frame.cmd === 'aibot_subscribe') {
      const ok = frame.body?.bot_id === this.creds.botId && frame.body?.secret === this.creds.secret;
      ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode: ok ? 0 : 40001, errmsg: ok ? 'ok' : 'invalid secret' }));
      if (ok) {
        this.current = ws;
        this.authCount++;
      }
    } else if (frame.cmd === 'ping') {
      if (this.answerPings) ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode: 0, errmsg: 'ok' }));
    } else if (frame.cmd !== undefined && ACKED.has(frame.cmd)) {
      const fail = this.nextSendErrors.shift();
      ws.send(JSON.stringify({ headers: { req_id: reqId }, errcode: fail?.errcode ?? 0, errmsg: fail?.errmsg ?? 'ok' }));
    }
    this.check();
  }

  /** The next acked command is answered with this errcode instead of 0. */
  failNextSend(errcode: number, errmsg = 'scripted failure'): void {
    this.nextSendErrors.push({ errcode, errmsg });
  }

  /** The next acked command succeeds (to script a failure after it with `failNextSend`). */
  passNextSend(): void {
    this.nextSendErrors.push({ errcode: 0, errmsg: 'ok' });
  }

  /** Frames received with this cmd. */
  frames(cmd: string): ReceivedFrame[] {
    return this.received.filter((f) => f.cmd === cmd);
  }

  /** Resolves once `test` holds (checked after every frame received). */
  waitUntil(test: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake WeCom WS: condition not met in time')), timeoutMs);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Resolves once `n` subscribes in total have been accepted. */
  waitForAuth(n: number): Promise<void> {
    return this.waitUntil(() => this.authCount >= n);
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  private push(cmd: string, body: unknown, reqId?: string): string {
    if (!this.current) throw new Error('fake WeCom WS: no authenticated connection to push to');
    const id = reqId ?? `${cmd}_${++this.seq}`;
    this.current.send(JSON.stringify({ cmd, headers: { req_id: id }, body }));
    return id;
  }

  /** Pushes an `aibot_msg_callback` frame; the same `reqId` twice is a redelivery. */
  pushMessage(body: unknown, reqId?: string): string {
    return this.push('aibot_msg_callback', body, reqId);
  }

  /** Pushes an `aibot_event_callback` frame. */
  pushEvent(body: unknown, reqId?: string): string {
    return this.push('aibot_event_callback', body, reqId);
  }

  /** Kills every open connection abruptly (no close frame), as a network drop does. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.current = null;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
