/**
 * Structured logs with pino. Secret-bearing paths are redacted wherever they appear, so a config
 * object or an SDK request that slips into a log line does not leak a credential.
 */
import { type DestinationStream, pino, type Logger, stdSerializers } from 'pino';
import { withoutQueryParams } from './errors.ts';

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

/** drizzle's message is `Failed query: <sql>\nparams: <values>`. */
function withoutParamsLine(message: string): string {
  const at = message.startsWith('Failed query: ') ? message.indexOf('\nparams: ') : -1;
  return at === -1 ? message : message.slice(0, at);
}

/** `destination`: where the lines go instead of stdout (a test reading what was logged). */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const options = {
    name: opts.name ?? 'dealwise',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // A failed query's parameters are in drizzle's message and stack, where redaction cannot reach.
    // A message logged alone (`{ err: e.message }`) loses drizzle's parameter line at least.
    serializers: { err: (err: unknown) => (typeof err === 'string' ? withoutParamsLine(err) : stdSerializers.err(withoutQueryParams(err) as Error)) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
