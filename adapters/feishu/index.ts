/**
 * Feishu (飞书) adapter: the factory the bot calls with its config, the send limits the outbound
 * layer paces by, and the pure parse/encode steps for tests and re-parsing.
 */
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { NonceStore } from '../nonces.ts';
import type { HttpAdapter, SendLimit } from '../types.ts';

export type { FeishuAdapter, FeishuAdapterOptions } from './adapter.ts';
export { parseFeishuCardAction, parseFeishuMessage } from './parse.ts';
export { encodeFeishuMessage, feishuUuid, type FeishuContent } from './encode.ts';
export { FEISHU_RATE_LIMIT_CODES } from './send.ts';

/**
 * A bot's sends: 5 a second and 100 a minute (PLATFORMS.md, "Limits").
 * https://open.feishu.cn/document/server-docs/api-call-guide/frequency-control
 */
export const FEISHU_SEND_LIMITS: SendLimit[] = [
  { scope: 'bot', max: 5, perMs: 1_000 },
  { scope: 'bot', max: 100, perMs: 60_000 },
];

/**
 * The Feishu adapter for this config, or null when FEISHU_APP_ID / FEISHU_APP_SECRET are unset.
 * FEISHU_MODE picks the long connection (`ws`) or the webhook route (`webhook`).
 */
/**
 * The adapter when Feishu's credentials are set, else null. The SDK is loaded only then: it costs
 * over a second of CPU to import, which a process that does not use Feishu should not pay.
 */
export async function createFeishuAdapter(config: Config, log: Logger, nonces?: NonceStore): Promise<HttpAdapter | null> {
  if (!config.FEISHU_APP_ID || !config.FEISHU_APP_SECRET) return null;
  const { FeishuAdapter } = await import('./adapter.ts');
  return new FeishuAdapter(
    {
      appId: config.FEISHU_APP_ID,
      appSecret: config.FEISHU_APP_SECRET,
      mode: config.FEISHU_MODE,
      requestTimeoutMs: config.PLATFORM_TIMEOUT_MS,
      ...(nonces ? { nonces } : {}),
      ...(config.FEISHU_DOMAIN ? { domain: config.FEISHU_DOMAIN } : {}),
      ...(config.FEISHU_ENCRYPT_KEY ? { encryptKey: config.FEISHU_ENCRYPT_KEY } : {}),
      ...(config.FEISHU_VERIFICATION_TOKEN ? { verificationToken: config.FEISHU_VERIFICATION_TOKEN } : {}),
    },
    log,
  );
}
