import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import type { AppError } from '../../core/errors.ts';
import { createDocumentStorage } from '../../bots/documents/storage.ts';

const s3 = { S3_BUCKET: 'dealwise-docs', S3_REGION: 'cn-east-1', S3_ACCESS_KEY_ID: 'AKIDEXAMPLE', S3_SECRET_ACCESS_KEY: 'very-secret-key-value' };

describe('document settings', () => {
  it('default to folder storage, 30-day links and no public URL', () => {
    const c = loadConfig({});
    expect(c.DOCUMENT_LINK_DAYS).toBe(30);
    expect(c.PUBLIC_URL).toBeUndefined();
    expect(c.S3_FORCE_PATH_STYLE).toBe(false);
    expect(createDocumentStorage(c).kind).toBe('folder');
  });

  it('turn S3 on when bucket, region and both keys are set', () => {
    const c = loadConfig({ ...s3, S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(c.S3_FORCE_PATH_STYLE).toBe(true);
    expect(createDocumentStorage(c).kind).toBe('s3');
  });

  it('refuse half an S3 group, naming the missing variables and never the values', () => {
    let error: AppError | null = null;
    try {
      loadConfig({ S3_BUCKET: s3.S3_BUCKET, S3_SECRET_ACCESS_KEY: s3.S3_SECRET_ACCESS_KEY });
    } catch (err) {
      error = err as AppError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toMatch(/S3_REGION/);
    expect(error?.message).toMatch(/S3_ACCESS_KEY_ID/);
    expect(error?.message).not.toContain(s3.S3_SECRET_ACCESS_KEY);
  });

  it('refuse an endpoint without a bucket, and a public URL that is not one', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toThrow(/S3_BUCKET/);
    expect(() => loadConfig({ PUBLIC_URL: 'not a url' })).toThrow(/PUBLIC_URL/);
  });
});
