/**
 * Both document stores against the real thing: a folder on disk, and S3 through
 * @aws-sdk/client-s3 against s3rver listening on a free loopback port.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FolderStorage } from '../../bots/documents/folder-storage.ts';
import { S3Storage, type S3StorageOptions } from '../../bots/documents/s3-storage.ts';
import type { DocumentStorage } from '../../bots/documents/storage.ts';
import { samplePdf } from './harness.ts';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

function storageSuite(name: string, make: () => DocumentStorage) {
  describe(name, () => {
    it('puts, streams back and deletes a PDF', async () => {
      const storage = make();
      const body = samplePdf();
      await storage.put('doc-1.pdf', body, { contentType: 'application/pdf' });
      const got = await storage.get('doc-1.pdf');
      expect(got.size).toBe(body.length);
      expect((await readAll(got.stream)).equals(body)).toBe(true);
      await storage.delete('doc-1.pdf');
      await expect(storage.get('doc-1.pdf')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('overwrites a key, and deleting a missing key is not an error', async () => {
      const storage = make();
      await storage.put('doc-2.pdf', Buffer.from('%PDF-one'), { contentType: 'application/pdf' });
      await storage.put('doc-2.pdf', Buffer.from('%PDF-two'), { contentType: 'application/pdf' });
      expect((await readAll((await storage.get('doc-2.pdf')).stream)).toString()).toBe('%PDF-two');
      await storage.delete('doc-2.pdf');
      await storage.delete('doc-2.pdf');
    });

    it('lists the keys under a prefix with when each was written', async () => {
      const storage = make();
      const before = Date.now() - 2_000;
      for (const key of ['inbox-b', 'inbox-a', 'inbox-c', 'doc-7.pdf']) await storage.put(key, Buffer.from(key), { contentType: 'application/octet-stream' });
      const listed = [];
      for await (const o of storage.list('inbox-')) listed.push(o);
      expect(listed.map((o) => o.key).sort()).toEqual(['inbox-a', 'inbox-b', 'inbox-c']);
      for (const o of listed) expect(o.modifiedAt.getTime()).toBeGreaterThan(before);
      for (const o of listed) await storage.delete(o.key);
      for await (const o of storage.list('inbox-')) expect.unreachable(`${o.key} was deleted`);
      await storage.delete('doc-7.pdf');
    });

    it('refuses keys that could leave its folder or prefix', async () => {
      const storage = make();
      for (const key of ['../escape.pdf', 'a/b.pdf', '.hidden', '']) {
        await expect(storage.put(key, Buffer.from('%PDF-'), { contentType: 'application/pdf' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
    });
  });
}

let folder = '';
let s3dir = '';
let s3: S3rver;
let endpoint = '';

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'dealwise-docs-folder-'));
  s3dir = await mkdtemp(join(tmpdir(), 'dealwise-docs-s3-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: 'dealwise-docs' }] });
  const address = await s3.run();
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const c of s3Clients) await c.destroy();
  await s3?.close();
  await rm(folder, { recursive: true, force: true });
  await rm(s3dir, { recursive: true, force: true });
});

// s3rver checks signatures with its fixed development key pair.
const s3Options = () => ({
  bucket: 'dealwise-docs',
  region: 'us-east-1',
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  endpoint,
  forcePathStyle: true,
});

/** s3rver in a child process with OpenSSL's legacy provider (see s3rver-process.mjs). */
async function s3rverProcess(directory: string, bucket: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url)), directory, bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    return { endpoint: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const s3Clients: S3Storage[] = [];
const s3Storage = (o: Partial<S3StorageOptions> = {}): S3Storage => {
  const storage = new S3Storage({ ...s3Options(), ...o });
  s3Clients.push(storage);
  return storage;
};

storageSuite('folder storage', () => new FolderStorage(folder));
storageSuite('S3 storage (s3rver)', () => s3Storage());

describe('S3 storage listing', () => {
  it('follows the continuation token page after page', async () => {
    const { endpoint: legacy, stop } = await s3rverProcess(s3dir, 'dealwise-pages');
    onTestFinished(stop);
    const storage = s3Storage({ endpoint: legacy, bucket: 'dealwise-pages', listPageSize: 2 });
    const keys = ['inbox-p1', 'inbox-p2', 'inbox-p3', 'inbox-p4', 'inbox-p5'];
    for (const key of keys) await storage.put(key, Buffer.from(key), { contentType: 'application/octet-stream' });
    const listed: string[] = [];
    for await (const o of storage.list('inbox-p')) listed.push(o.key);
    expect(listed.sort()).toEqual(keys);
    for (const key of keys) await storage.delete(key);
  });
});

describe('folder storage on disk', () => {
  it('leaves no temp file behind', async () => {
    const storage = new FolderStorage(folder);
    await storage.put('doc-3.pdf', randomBytes(1000), { contentType: 'application/pdf' });
    expect((await readdir(folder)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('S3 storage errors', () => {
  // s3rver checks that the access key exists (it does not verify SigV4 signatures).
  it('name the failure without the keys', async () => {
    const secret = `wrong-${randomBytes(8).toString('hex')}`;
    const storage = s3Storage({ accessKeyId: 'NOT-A-KEY', secretAccessKey: secret });
    const err = await storage.put('doc-4.pdf', Buffer.from('%PDF-'), { contentType: 'application/pdf' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLATFORM_API' });
    expect(String((err as Error).message)).toMatch(/InvalidAccessKeyId \(403\)/);
    expect(JSON.stringify({ message: (err as Error).message, cause: (err as Error).cause ?? null })).not.toContain(secret);
    // Nor does the storage object itself, if something logs it.
    expect(JSON.stringify(storage)).not.toContain(secret);
  });

  it('report a missing bucket as a storage failure, not a missing document', async () => {
    const storage = s3Storage({ bucket: 'no-such-bucket' });
    await expect(storage.put('doc-5.pdf', Buffer.from('%PDF-'), { contentType: 'application/pdf' })).rejects.toMatchObject({ code: 'PLATFORM_API' });
    await expect(storage.get('doc-5.pdf')).rejects.toMatchObject({ code: 'PLATFORM_API', message: expect.stringMatching(/NoSuchBucket/) });
  });

  it('report an unreachable store', async () => {
    const storage = s3Storage({ endpoint: 'http://127.0.0.1:9' });
    await expect(storage.get('doc-6.pdf')).rejects.toMatchObject({ code: 'PLATFORM_API' });
  });
});
