/**
 * A loopback Feishu for driving the real @larksuiteoapi/node-sdk: one HTTP server on 127.0.0.1
 * (port 0) serving the long-connection endpoint, tenant_access_token, the send-message API and
 * message resources (the files messages carry), and a `ws` server on the same port speaking pbbp2
 * protobuf frames: it pushes events (whole or split by sum/seq), reads the SDK's acks, answers
 * pings with pongs and can drop the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { WebSocket, WebSocketServer } from 'ws';

const root = protobuf.loadSync(fileURLToPath(new URL('./pbbp2.proto', import.meta.url)));
const FrameCodec = root.lookupType('pbbp2.Frame');

export const METHOD_CONTROL = 0;
export const METHOD_DATA = 1;

export interface FrameHeader {
  key: string;
  value: string;
}
export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export function encodeFrame(frame: Frame): Uint8Array {
  const problem = FrameCodec.verify(frame);
  if (problem) throw new Error(`bad frame: ${problem}`);
  return FrameCodec.encode(FrameCodec.fromObject(frame)).finish();
}

export function decodeFrame(data: Uint8Array): Frame {
  return FrameCodec.toObject(FrameCodec.decode(data), { longs: Number, arrays: true }) as Frame;
}

export const headerValue = (frame: Frame, key: string): string | undefined => frame.headers.find((h) => h.key === key)?.value;

/** What the endpoint (and every pong) tells the SDK; intervals in seconds. */
export interface ClientConfig {
  PingInterval: number;
  ReconnectCount: number;
  ReconnectInterval: number;
  ReconnectNonce: number;
}

/** One ack frame read back from the SDK: its `{"code":…,"data":base64(json)}` payload decoded. */
export interface Ack {
  frameMessageId: string;
  code: number;
  data?: unknown;
  /** performance.now() when the fake read it. */
  at: number;
  frame: Frame;
}

export interface RecordedSend {
  receiveIdType: string | null;
  receiveId: unknown;
  msgType: unknown;
  content: unknown;
  uuid: unknown;
  authorization: string | undefined;
}

/** `cli_` + 16 hex digits: WSClient.start() silently refuses anything else. */
export const FAKE_APP_ID = 'cli_a1b2c3d4e5f60718';
export const FAKE_APP_SECRET = 'fake-app-secret-never-logged';

/** Polls until `pred` holds. */
export async function waitFor(pred: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class FakeFeishu {
  clientConfig: ClientConfig = { PingInterval: 60, ReconnectCount: -1, ReconnectInterval: 0.05, ReconnectNonce: 0 };
  /** HTTP status of a refused token request (Feishu's body carries the code either way). */
  tokenFailureStatus = 200;
  /** Milliseconds to hold every send's answer after recording it (a slow platform). */
  sendDelayMs = 0;
  endpointRequests = 0;
  tokenRequests = 0;
  pings = 0;
  connections = 0;
  /** The connection (1-based, by arrival) that sent the latest ping. */
  pingedConnection = 0;
  readonly acks: Ack[] = [];
  readonly sends: RecordedSend[] = [];
  /** Files messages carry, by `${messageId}/${fileKey}`: what the resource API serves. */
  readonly files = new Map<string, Buffer>();
  readonly downloads: Array<{ messageId: string; fileKey: string; type: string | null }> = [];
  private readonly issuedTokens = new Set<string>();
  private readonly uuidToMessageId = new Map<string, string>();
  private readonly sendReplies: Array<{ status: number; code: number; msg: string }> = [];
  private readonly ackWaiters = new Map<string, (ack: Ack) => void>();
  private socket: WebSocket | null = null;
  private seq = 0;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(): Promise<FakeFeishu> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/ws' });
    const fake = new FakeFeishu(http, wss);
    http.on('request', (req, res) => void fake.onHttp(req, res));
    wss.on('connection', (ws) => fake.onConnection(ws));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The `domain` to give the SDK. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Messages Feishu would show: sends with a uuid already seen are the same message. */
  get deliveredMessages(): number {
    return new Set(this.sends.filter((s) => s.uuid !== undefined).map((s) => s.uuid)).size + this.sends.filter((s) => s.uuid === undefined).length;
  }

  /** The next send gets this reply instead of success (e.g. `{status: 200, code: 230001}`). */
  failNextSend(reply: { status?: number; code: number; msg: string }): void {
    this.sendReplies.push({ status: reply.status ?? 200, code: reply.code, msg: reply.msg });
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req));
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, obj: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    // A message's file, as im.messageResource.get downloads it: the bytes, with the tenant token.
    const resource = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/resources\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && resource) {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      this.downloads.push({ messageId: resource[1]!, fileKey: resource[2]!, type: url.searchParams.get('type') });
      if (!token || !this.issuedTokens.has(token)) return json(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
      const file = this.files.get(`${resource[1]}/${resource[2]}`);
      if (!file) return json(400, { code: 234003, msg: 'File not in msg.' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.length) });
      res.end(file);
      return;
    }
    if (req.method !== 'POST') return json(404, { code: 404, msg: 'not found' });

    if (url.pathname === '/callback/ws/endpoint') {
      this.endpointRequests++;
      if (body.AppID !== FAKE_APP_ID || body.AppSecret !== FAKE_APP_SECRET) return json(200, { code: 514, msg: 'auth failed', data: {} });
      // The SDK reads device_id and service_id out of the URL's query string.
      const URL = `ws://127.0.0.1:${this.port}/ws?fpid=1&aid=1&device_id=fake-device&access_key=k&service_id=7&ticket=t`;
      return json(200, { code: 0, msg: 'ok', data: { URL, ClientConfig: this.clientConfig } });
    }

    if (url.pathname === '/open-apis/auth/v3/tenant_access_token/internal') {
      this.tokenRequests++;
      if (body.app_id !== FAKE_APP_ID || body.app_secret !== FAKE_APP_SECRET) return json(this.tokenFailureStatus, { code: 10014, msg: 'app secret invalid' });
      const token = `t-fake-${this.tokenRequests}`;
      this.issuedTokens.add(token);
      return json(200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
    }

    if (url.pathname === '/open-apis/im/v1/messages') {
      const authorization = req.headers.authorization;
      this.sends.push({
        receiveIdType: url.searchParams.get('receive_id_type'),
        receiveId: body.receive_id,
        msgType: body.msg_type,
        content: typeof body.content === 'string' ? parseJson(body.content) : undefined,
        uuid: body.uuid,
        authorization,
      });
      const token = authorization?.replace(/^Bearer /, '');
      if (!token || !this.issuedTokens.has(token)) return json(400, { code: 99991663, msg: 'Invalid access token for authorization.' });
      const reply = this.sendReplies.shift();
      if (reply) return json(reply.status, { code: reply.code, msg: reply.msg, data: {} });
      if (this.sendDelayMs > 0) await new Promise((r) => setTimeout(r, this.sendDelayMs));
      // Like Feishu: the same uuid within the hour is one message.
      const uuid = typeof body.uuid === 'string' ? body.uuid : undefined;
      let messageId = uuid ? this.uuidToMessageId.get(uuid) : undefined;
      if (!messageId) {
        messageId = `om_fake_${this.sends.length}`;
        if (uuid) this.uuidToMessageId.set(uuid, messageId);
      }
      return json(200, { code: 0, msg: 'success', data: { message_id: messageId, msg_type: body.msg_type, create_time: String(Date.now()) } });
    }
    json(404, { code: 404, msg: 'not found' });
  }

  private onConnection(ws: WebSocket): void {
    const connection = ++this.connections;
    this.socket = ws;
    ws.on('message', (data) => this.onFrame(ws, connection, decodeFrame(data as Buffer)));
    ws.on('close', () => {
      if (this.socket === ws) this.socket = null;
    });
  }

  private onFrame(ws: WebSocket, connection: number, frame: Frame): void {
    const type = headerValue(frame, 'type');
    if (frame.method === METHOD_CONTROL && type === 'ping') {
      this.pings++;
      this.pingedConnection = connection;
      // A pong carries the ClientConfig, which the SDK applies to its timers.
      const payload = Buffer.from(JSON.stringify(this.clientConfig));
      ws.send(encodeFrame({ SeqID: 0, LogID: 0, service: frame.service, method: METHOD_CONTROL, headers: [{ key: 'type', value: 'pong' }], payload }));
      return;
    }
    if (frame.method !== METHOD_DATA) return;
    // The SDK acks an event by echoing its frame with a biz_rt header and a {"code":…} payload.
    const frameMessageId = headerValue(frame, 'message_id') ?? '';
    const resp = parseJson(Buffer.from(frame.payload ?? new Uint8Array()).toString('utf8'));
    const data = typeof resp.data === 'string' ? parseJson(Buffer.from(resp.data, 'base64').toString('utf8')) : undefined;
    const ack: Ack = { frameMessageId, code: Number(resp.code), data, at: performance.now(), frame };
    this.acks.push(ack);
    this.ackWaiters.get(frameMessageId)?.(ack);
    this.ackWaiters.delete(frameMessageId);
  }

  /**
   * Pushes one event (the v2 envelope Feishu sends) as data frames, split into `parts` by
   * sum/seq, and resolves with the SDK's ack.
   */
  pushEvent(envelope: object, opts: { parts?: number; timeoutMs?: number } = {}): Promise<Ack> {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error('no SDK client connected');
    const n = ++this.seq;
    const frameMessageId = `fake_frame_${n}`;
    const bytes = Buffer.from(JSON.stringify(envelope));
    const parts = opts.parts ?? 1;
    const size = Math.ceil(bytes.length / parts);
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ackWaiters.delete(frameMessageId);
        reject(new Error(`no ack for ${frameMessageId}`));
      }, opts.timeoutMs ?? 5_000);
      this.ackWaiters.set(frameMessageId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    for (let seq = 0; seq < parts; seq++) {
      const headers = [
        { key: 'type', value: 'event' },
        { key: 'message_id', value: frameMessageId },
        { key: 'sum', value: String(parts) },
        { key: 'seq', value: String(seq) },
        { key: 'trace_id', value: `trace_${n}` },
      ];
      // A split may cut a UTF-8 character in two: the SDK joins bytes before decoding.
      const payload = bytes.subarray(seq * size, (seq + 1) * size);
      ws.send(encodeFrame({ SeqID: n, LogID: n, service: 7, method: METHOD_DATA, headers, payload }));
    }
    return acked;
  }

  /** Kills the current connection without a close handshake, as a network failure would. */
  dropConnection(): void {
    this.socket?.terminate();
    this.socket = null;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
