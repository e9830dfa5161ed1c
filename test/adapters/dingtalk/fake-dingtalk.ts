/**
 * A loopback fake of DingTalk that speaks the real protocol, for driving the real dingtalk-stream
 * SDK and the adapter's HTTP calls: the Stream gateway (`connections/open` → endpoint + ticket),
 * the Stream WebSocket (JSON frames, SYSTEM pings, CALLBACK pushes, the client's acks), the
 * OpenAPI token, robot-send and robot file download endpoints, and session webhooks. Everything
 * it receives is recorded; each HTTP route can be told to fail.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeDingtalkOptions {
  clientId: string;
  clientSecret: string;
  /** Seconds, as DingTalk's `expireIn`. */
  tokenExpireIn?: number;
  /** Answer WebSocket pings (ws-level); off simulates a half-open connection. */
  autoPong?: boolean;
}

export type FakeRoute = 'open' | 'token' | 'batchSend' | 'groupSend' | 'webhook' | 'fileDownload';
interface Failure {
  status: number;
  body: unknown;
}

/** A frame the client sent back: an ack of a pushed callback or the echo of a ping. */
export interface ClientReply {
  code: number;
  headers: { messageId: string; contentType?: string; [k: string]: unknown };
  message: string;
  data: string;
  /** performance.now() when the fake received it. */
  at: number;
}

export interface RecordedSend {
  token: string | undefined;
  body: Record<string, unknown>;
  /** `msgParam` decoded. */
  param: Record<string, string>;
}

export class FakeDingtalk {
  readonly opens: Array<{ clientId: unknown; ua: unknown; subscriptions: Array<{ type: string; topic: string }> }> = [];
  tokenRequests = 0;
  readonly tokensIssued: string[] = [];
  readonly batchSends: RecordedSend[] = [];
  readonly groupSends: RecordedSend[] = [];
  readonly webhookSends: Array<{ session: string | null; body: Record<string, unknown> }> = [];
  /** Acks of CALLBACK frames, in arrival order. */
  readonly acks: ClientReply[] = [];
  readonly pingEchoes: ClientReply[] = [];
  /** Files robot messages carry, by download code: what robot/messageFiles/download hands out. */
  readonly files = new Map<string, Buffer>();
  readonly fileDownloads: Array<{ token: string | undefined; body: Record<string, unknown> }> = [];
  /** Connections accepted so far. */
  connections = 0;
  /** Answer connections/open with a ticket the WebSocket then refuses. */
  refuseUpgrade = false;

  private readonly failures = new Map<FakeRoute, Failure[]>();
  private readonly downloadUrls = new Map<string, Buffer>();
  private readonly tickets = new Set<string>();
  private readonly pings = new Set<string>();
  private socket: WebSocket | null = null;

  private constructor(
    private readonly opts: FakeDingtalkOptions,
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly baseUrl: string,
  ) {}

  static async start(opts: FakeDingtalkOptions): Promise<FakeDingtalk> {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true, autoPong: opts.autoPong ?? true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeDingtalk(opts, server, wss, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => void fake.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', fake.baseUrl);
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== '/connect' || !fake.tickets.delete(ticket) || fake.refuseUpgrade) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => fake.onConnection(ws));
    });
    return fake;
  }

  get gatewayUrl(): string {
    return `${this.baseUrl}/v1.0/gateway/connections/open`;
  }

  /** A session webhook URL that posts into this fake, as DingTalk puts on every robot message. */
  webhookUrl(session: string): string {
    return `${this.baseUrl}/robot/sendBySession?session=${encodeURIComponent(session)}`;
  }

  /** The next `times` requests to `route` get this answer instead of the normal one. */
  failNext(route: FakeRoute, status: number, body: unknown = { code: 'ServiceUnavailable', message: 'fake failure' }, times = 1): void {
    const list = this.failures.get(route) ?? [];
    for (let i = 0; i < times; i++) list.push({ status, body });
    this.failures.set(route, list);
  }

  get connected(): boolean {
    return this.socket !== null && this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Pushes a CALLBACK frame on `topic`; returns the frame's messageId (pass one to redeliver).
   * `time`: the frame's `time` header (ms), now by default.
   */
  pushCallback(topic: string, payload: unknown, messageId: string = `msg-${randomUUID()}`, time: number = Date.now()): string {
    this.sendFrame('CALLBACK', topic, messageId, JSON.stringify(payload), time);
    return messageId;
  }

  /** Sends a SYSTEM ping frame the client must echo; returns its messageId. */
  sendPing(): string {
    const messageId = `ping-${randomUUID()}`;
    this.pings.add(messageId);
    this.sendFrame('SYSTEM', 'ping', messageId, JSON.stringify({ opaque: messageId }));
    return messageId;
  }

  /** Sends raw text on the socket (a garbled frame). */
  sendRaw(text: string): void {
    this.socket?.send(text);
  }

  /** Cuts the current connection abruptly, as a network drop would. */
  dropConnection(): void {
    this.socket?.terminate();
  }

  acksFor(messageId: string): ClientReply[] {
    return this.acks.filter((a) => a.headers.messageId === messageId);
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private sendFrame(type: string, topic: string, messageId: string, data: string, time: number = Date.now()): void {
    if (!this.socket) throw new Error('fake dingtalk: no client connected');
    const headers = {
      appId: 'fake-app-id',
      connectionId: `conn-${this.connections}`,
      contentType: 'application/json',
      messageId,
      time: String(time),
      topic,
    };
    this.socket.send(JSON.stringify({ specVersion: '1.0', type, headers, data }));
  }

  private onConnection(ws: WebSocket): void {
    this.connections++;
    this.socket = ws;
    ws.on('message', (raw) => {
      const reply = { ...(JSON.parse(String(raw)) as Omit<ClientReply, 'at'>), at: performance.now() };
      if (this.pings.delete(reply.headers.messageId)) this.pingEchoes.push(reply);
      else this.acks.push(reply);
    });
    ws.on('close', () => {
      if (this.socket === ws) this.socket = null;
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    // The short-lived download URL robot/messageFiles/download hands out: the bytes themselves.
    const blob = /^\/files\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (req.method === 'GET' && blob) {
      const file = this.downloadUrls.get(blob[1]!);
      res.writeHead(file ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(file ?? '');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const token = req.headers['x-acs-dingtalk-access-token'] as string | undefined;
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const route = routeOf(req.method ?? '', url.pathname);
    if (!route) return reply(404, { code: 'NotFound', message: url.pathname });
    const failure = this.failures.get(route)?.shift();

    switch (route) {
      case 'open': {
        this.opens.push({ clientId: body.clientId, ua: body.ua, subscriptions: body.subscriptions as never });
        if (failure) return reply(failure.status, failure.body);
        // What the real gateway answers a wrong id or secret.
        if (body.clientId !== this.opts.clientId || body.clientSecret !== this.opts.clientSecret) {
          return reply(401, { requestid: randomUUID(), code: 'authFailed', message: '鉴权失败' });
        }
        const ticket = randomUUID();
        this.tickets.add(ticket);
        return reply(200, { endpoint: `${this.baseUrl.replace('http', 'ws')}/connect`, ticket });
      }
      case 'token': {
        this.tokenRequests++;
        if (failure) return reply(failure.status, failure.body);
        if (body.appKey !== this.opts.clientId || body.appSecret !== this.opts.clientSecret) {
          return reply(400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或clientSecret' });
        }
        const accessToken = `tok-${randomUUID()}`;
        this.tokensIssued.push(accessToken);
        return reply(200, { accessToken, expireIn: this.opts.tokenExpireIn ?? 7200 });
      }
      case 'batchSend':
      case 'groupSend': {
        const sent = { token, body, param: JSON.parse(String(body.msgParam ?? '{}')) as Record<string, string> };
        if (failure) return reply(failure.status, failure.body);
        if (!token || !this.tokensIssued.includes(token)) {
          return reply(401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
        }
        (route === 'batchSend' ? this.batchSends : this.groupSends).push(sent);
        const key = `pqk-${randomUUID()}`;
        return route === 'batchSend'
          ? reply(200, { processQueryKey: key, invalidStaffIdList: [], flowControlledStaffIdList: [] })
          : reply(200, { processQueryKey: key });
      }
      case 'webhook': {
        if (failure) return reply(failure.status, failure.body);
        this.webhookSends.push({ session: url.searchParams.get('session'), body });
        return reply(200, { errcode: 0, errmsg: 'ok' });
      }
      case 'fileDownload': {
        this.fileDownloads.push({ token, body });
        if (failure) return reply(failure.status, failure.body);
        if (!token || !this.tokensIssued.includes(token)) return reply(401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
        const file = typeof body.downloadCode === 'string' ? this.files.get(body.downloadCode) : undefined;
        if (!file || typeof body.robotCode !== 'string' || body.robotCode === '') return reply(400, { code: 'invalidParameter', message: 'downloadCode无效' });
        const id = randomUUID();
        this.downloadUrls.set(id, file);
        return reply(200, { downloadUrl: `${this.baseUrl}/files/${id}` });
      }
    }
  }
}

function routeOf(method: string, path: string): FakeRoute | null {
  if (method !== 'POST') return null;
  const routes: Record<string, FakeRoute> = {
    '/v1.0/gateway/connections/open': 'open',
    '/v1.0/oauth2/accessToken': 'token',
    '/v1.0/robot/oToMessages/batchSend': 'batchSend',
    '/v1.0/robot/groupMessages/send': 'groupSend',
    '/robot/sendBySession': 'webhook',
    '/v1.0/robot/messageFiles/download': 'fileDownload',
  };
  return routes[path] ?? null;
}

/** Polls until `check` passes (or throws its last error after `timeoutMs`). */
export async function eventually<T>(check: () => T, timeoutMs = 3_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
