/**
 * Documents in S3-compatible object storage (AWS S3, MinIO, Aliyun OSS, Tencent COS…) with
 * @aws-sdk/client-s3. The keys are passed to the client only: they are never logged, and errors
 * carry the S3 error name, not the request. The SDK is loaded on first use, so a deployment on
 * folder storage never loads it.
 */
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../core/errors.ts';
import { type DocumentStorage, type ListedObject, STORAGE_KEY, type StoredObject } from './storage.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Folder inside the bucket. */
  prefix?: string;
  /** Keys a listing call asks for (S3's most, 1,000, unless set). */
  listPageSize?: number;
}

type Sdk = typeof import('@aws-sdk/client-s3');

export class S3Storage implements DocumentStorage {
  readonly kind = 's3' as const;
  private readonly bucket: string;
  private readonly prefix: string;
  // Private fields: a logged or serialized storage object carries no key.
  readonly #options: S3StorageOptions;
  #sdk: Promise<{ sdk: Sdk; client: S3Client }> | null = null;

  constructor(opts: S3StorageOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? 'documents/';
    this.#options = opts;
  }

  private load(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.#sdk ??= import('@aws-sdk/client-s3').then((sdk) => {
      const o = this.#options;
      const client = new sdk.S3Client({
        region: o.region,
        credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
        forcePathStyle: o.forcePathStyle ?? false,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        // The SDK's default CRC checksums on every request are not understood by many
        // S3-compatible stores; send and check them only where S3 requires them.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 3,
      });
      return { sdk, client };
    });
    return this.#sdk;
  }

  private key(key: string): string {
    if (!STORAGE_KEY.test(key)) throw new AppError('BAD_REQUEST', 'invalid storage key');
    return `${this.prefix}${key}`;
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  async put(key: string, body: Buffer, opts: { contentType: string }): Promise<void> {
    const Key = this.key(key);
    await this.call('put', ({ sdk, client }) =>
      client.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentType: opts.contentType, ContentLength: body.length })),
    );
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
  async get(key: string): Promise<StoredObject> {
    const Key = this.key(key);
    const res = await this.call('get', ({ sdk, client }) => client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key })));
    if (!res.Body) throw new AppError('NOT_FOUND', 'no such document file');
    return { stream: res.Body as Readable, ...(res.ContentLength !== undefined ? { size: res.ContentLength } : {}) };
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
  async delete(key: string): Promise<void> {
    const Key = this.key(key);
    await this.call('delete', ({ sdk, client }) => client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html: up to 1,000 keys a call.
  async *list(prefix: string): AsyncIterable<ListedObject> {
    const Prefix = `${this.prefix}${prefix}`;
    let ContinuationToken: string | undefined;
    do {
      const token = ContinuationToken;
      const page = await this.call('list', ({ sdk, client }) =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix,
            ...(this.#options.listPageSize ? { MaxKeys: this.#options.listPageSize } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const o of page.Contents ?? []) {
        const key = o.Key?.slice(this.prefix.length);
        // Only keys this store could have written (not another tool's `documents/x/y`).
        if (key && STORAGE_KEY.test(key) && o.LastModified) yield { key, modifiedAt: o.LastModified };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** Closes the client's sockets. */
  async destroy(): Promise<void> {
    if (this.#sdk) (await this.#sdk).client.destroy();
  }

  private async call<T>(op: string, fn: (s: { sdk: Sdk; client: S3Client }) => Promise<T>): Promise<T> {
    const loaded = await this.load();
    try {
      return await fn(loaded);
    } catch (err) {
      if (err instanceof loaded.sdk.S3ServiceException) {
        // A missing object is the caller's NOT_FOUND; a missing bucket is a configuration error.
        if (err.name === 'NoSuchKey' || err.name === 'NotFound') throw new AppError('NOT_FOUND', 'no such document file');
        // The error's name and status only: its $response would carry the signed request.
        throw new AppError('PLATFORM_API', `object storage ${op} failed: ${err.name} (${err.$metadata.httpStatusCode ?? 'no status'})`);
      }
      // Network errors (refused, timed out) name the host, never a key.
      throw new AppError('PLATFORM_API', `object storage ${op} failed: ${(err as Error).message}`);
    }
  }
}
