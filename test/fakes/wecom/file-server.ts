/**
 * A loopback stand-in for where the WeCom intelligent bot's file callbacks point: each file is
 * served once encrypted the way WeCom encrypts them (AES-256-CBC with a random 32-byte key, the IV
 * its first 16 bytes, PKCS#7 padding to 32 bytes), with its name in Content-Disposition; a link
 * expires like WeCom's (here when told to).
 */
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class FakeWecomFileServer {
  readonly downloads: string[] = [];
  private readonly files = new Map<string, { body: Buffer; name: string }>();
  private server!: Server;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const id = /^\/file\/([0-9a-f-]{36})$/.exec(req.url ?? '')?.[1];
      const file = id ? this.files.get(id) : undefined;
      if (id) this.downloads.push(id);
      if (!file) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errcode: 40007, errmsg: 'invalid media_id' }));
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      });
      res.end(file.body);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** Puts a file up; returns what a file callback carries: `{ url, aeskey }`. */
  put(plain: Buffer, name: string): { url: string; aeskey: string } {
    const key = randomBytes(32);
    const pad = 32 - (plain.length % 32);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
    cipher.setAutoPadding(false);
    const body = Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]);
    const id = randomUUID();
    this.files.set(id, { body, name });
    return { url: `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/file/${id}`, aeskey: key.toString('base64') };
  }

  /** The link stops working, as WeCom's do five minutes after the callback. */
  expire(url: string): void {
    this.files.delete(url.split('/').pop() ?? '');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
