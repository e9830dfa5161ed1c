/**
 * A loopback fake of the WeCom server API a self-built app calls:
 * - `GET /cgi-bin/gettoken?corpid&corpsecret` → `{errcode:0, access_token, expires_in}`, or
 *   errcode 40001 for a wrong secret;
 * - `POST /cgi-bin/message/send?access_token=…` → `{errcode:0, errmsg, invaliduser, msgid}`, or
 *   42001 when the token was expired by the test, 40014 when it was never issued, or a scripted
 *   errcode.
 * Every request is recorded (with its query, so tests can assert what was sent).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

export class FakeWecomApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Lifetime given to new tokens, in seconds. */
  expiresIn = 7200;
  private server!: Server;
  private issued = new Set<string>();
  private expired = new Set<string>();
  private tokenSeq = 0;
  private msgSeq = 0;
  /** Scripted answers to the next message/send calls, in order; null answers success. */
  private nextSendReplies: Array<Record<string, unknown> | null> = [];

  constructor(private readonly creds: { corpId: string; secret: string }) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests to one path. */
  calls(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Every token issued so far now answers 42001 (access_token expired). */
  expireTokens(): void {
    for (const t of this.issued) this.expired.add(t);
  }

  /** The next message/send (with a valid token) answers this instead of success. */
  failNextSend(reply: Record<string, unknown>): void {
    this.nextSendReplies.push(reply);
  }

  /** The next message/send succeeds (to script a failure after it with `failNextSend`). */
  passNextSend(): void {
    this.nextSendReplies.push(null);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    if (text) recorded.body = JSON.parse(text);
    this.requests.push(recorded);

    const json = (obj: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (req.method === 'GET' && url.pathname === '/cgi-bin/gettoken') {
      if (url.searchParams.get('corpid') !== this.creds.corpId || url.searchParams.get('corpsecret') !== this.creds.secret) {
        return json({ errcode: 40001, errmsg: 'invalid credential' });
      }
      const token = `fake-token-${++this.tokenSeq}`;
      this.issued.add(token);
      return json({ errcode: 0, errmsg: 'ok', access_token: token, expires_in: this.expiresIn });
    }
    if (req.method === 'POST' && url.pathname === '/cgi-bin/message/send') {
      const token = url.searchParams.get('access_token') ?? '';
      if (!this.issued.has(token)) return json({ errcode: 40014, errmsg: 'invalid access_token' });
      if (this.expired.has(token)) return json({ errcode: 42001, errmsg: 'access_token expired' });
      const scripted = this.nextSendReplies.shift();
      if (scripted) return json(scripted);
      return json({ errcode: 0, errmsg: 'ok', invaliduser: '', msgid: `fake-msg-${++this.msgSeq}` });
    }
    res.writeHead(404).end();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
