/**
 * Structured logs with pino. Secret-bearing paths are redacted wherever they appear, so a config
 * object or an SDK request that slips into a log line does not leak a credential.
 */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  '*.secret',
  '*.appSecret',
  '*.clientSecret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.encodingAESKey',
  '*.encryptKey',
  '*.secretAccessKey',
  '*.verificationToken',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'headers["x-acs-dingtalk-access-token"]',
  'config.WECOM_BOT_SECRET',
  'config.WECOM_SECRET',
  'config.WECOM_TOKEN',
  'config.WECOM_ENCODING_AES_KEY',
  'config.FEISHU_APP_SECRET',
  'config.FEISHU_ENCRYPT_KEY',
  'config.FEISHU_VERIFICATION_TOKEN',
  'config.DINGTALK_CLIENT_SECRET',
  'config.DATABASE_URL',
  'config.API_TOKEN',
  'config.API_TOKENS',
  'req.headers.authorization',
  'request.headers.authorization',
  'config.REDIS_URL',
  'config.S3_SECRET_ACCESS_KEY',
  // A failed query's parameters are customer text and raw payloads: the SQL stays, its values go.
  'err.params',
  'err.parameters',
  'err.cause.params',
  'err.cause.parameters',
  'err.cause.cause.params',
  'err.cause.cause.parameters',
];

export type { Logger };

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'dealwise',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}
