/**
 * Documents in S3-compatible object storage (AWS S3, MinIO, Aliyun OSS, Tencent COS…) with
 * @aws-sdk/client-s3. The keys are passed to the client only: they are never logged, and errors
 * carry the S3 error name, not the request.
 */
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { AppError } from '../../core/errors.ts';
import { STORAGE_KEY, type DocumentStorage, type StoredObject } from './storage.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Folder inside the bucket. */
  prefix?: string;
}

export class S3Storage implements DocumentStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(opts: S3StorageOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? 'documents/';
    this.client = new S3Client({
      region: opts.region,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      forcePathStyle: opts.forcePathStyle ?? false,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      // The SDK's default CRC checksums on every request are not understood by many
      // S3-compatible stores; send and check them only where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
    });
  }

  private key(key: string): string {
    if (!STORAGE_KEY.test(key)) throw new AppError('BAD_REQUEST', 'invalid storage key');
    return `${this.prefix}${key}`;
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  async put(key: string, body: Buffer, opts: { contentType: string }): Promise<void> {
    const Key = this.key(key);
    await this.call('put', () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentType: opts.contentType, ContentLength: body.length })),
    );
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
  async get(key: string): Promise<StoredObject> {
    const Key = this.key(key);
    const res = await this.call('get', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key })));
    if (!res.Body) throw new AppError('NOT_FOUND', 'no such document file');
    return { stream: res.Body as Readable, ...(res.ContentLength !== undefined ? { size: res.ContentLength } : {}) };
  }

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
  async delete(key: string): Promise<void> {
    const Key = this.key(key);
    await this.call('delete', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof S3ServiceException) {
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
