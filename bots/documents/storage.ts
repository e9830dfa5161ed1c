/**
 * Where shared files live: a folder under DATA_DIR by default, S3-compatible object storage when
 * S3_BUCKET and its keys are set. Keys are ours (`<document id>.pdf`, and `inbox-<sha256>` for a
 * file posted to the local ingest until its command has read it), never a user's file name.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../../core/config.ts';
import { FolderStorage } from './folder-storage.ts';
import { S3Storage } from './s3-storage.ts';

export interface StoredObject {
  stream: Readable;
  /** Bytes, when the store says. */
  size?: number;
}

export interface DocumentStorage {
  readonly kind: 'folder' | 's3';
  put(key: string, body: Buffer, opts: { contentType: string }): Promise<void>;
  /** Throws AppError NOT_FOUND when there is no such object. */
  get(key: string): Promise<StoredObject>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** The objects whose keys start with `prefix`, each with when it was last written. */
  list(prefix: string): AsyncIterable<ListedObject>;
}

export interface ListedObject {
  key: string;
  modifiedAt: Date;
}

/** Object keys: our own ids and an extension, nothing a path could be smuggled in. */
export const STORAGE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function createDocumentStorage(config: Config): DocumentStorage {
  if (config.S3_BUCKET && config.S3_REGION && config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY) {
    return new S3Storage({
      bucket: config.S3_BUCKET,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    });
  }
  return new FolderStorage(join(config.DATA_DIR, 'documents'));
}

/** An object's bytes (a file sent to the bot, read back by the command job). */
export async function readObject(storage: DocumentStorage, key: string): Promise<Buffer> {
  const { stream } = await storage.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
