/**
 * DingTalk (钉钉): Stream-mode robot adapter. `createDingtalkAdapter` builds it from the config
 * (null when DingTalk is not configured); `parseDingtalkMessage` is the pure parser for replays.
 */
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { SendLimit } from '../types.ts';
import type { DingtalkAdapter, DingtalkAdapterOptions } from './adapter.ts';

export type { DingtalkAdapter, DingtalkAdapterOptions } from './adapter.ts';
export { parseDingtalkCardCallback, parseDingtalkMessage, type ParsedDingtalkMessage, type SessionWebhook } from './parse.ts';
export { encodeRobotTemplate, encodeWebhookBody, type RobotTemplate } from './encode.ts';
export { FEEDBACK_MARKER, feedbackButtonUrl, readFeedbackText } from './feedback-link.ts';

export const DINGTALK_API_BASE = 'https://api.dingtalk.com';

/**
 * DingTalk's send limits for the outbound pacer. A group robot is blocked for ten minutes past 20
 * messages a minute; 1:1 sends have no published per-person figure, so the same per-recipient
 * ceiling applies to them. The OpenAPI allows an internal app about 20 calls a second: stay
 * well under it.
 */
export const DINGTALK_SEND_LIMITS: SendLimit[] = [
  { scope: 'recipient', max: 20, perMs: 60_000 },
  { scope: 'bot', max: 10, perMs: 1_000 },
];

/**
 * Builds the DingTalk adapter, or null when DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET are unset.
 * `tuning` (timeouts, reconnect delays) is for tests; production uses the defaults.
 */
/** The adapter when DingTalk's credentials are set, else null; the SDK is loaded only then. */
export async function createDingtalkAdapter(
  config: Config,
  log: Logger,
  tuning: Partial<Pick<DingtalkAdapterOptions, 'timeoutMs' | 'heartbeatMs' | 'reconnectDelayMs' | 'maxReconnectDelayMs' | 'now'>> = {},
): Promise<DingtalkAdapter | null> {
  const clientId = config.DINGTALK_CLIENT_ID;
  const clientSecret = config.DINGTALK_CLIENT_SECRET;
  if (!clientId || !clientSecret) return null;
  const [{ DingtalkAdapter }, { GATEWAY_URL }] = await Promise.all([import('./adapter.ts'), import('dingtalk-stream')]);
  return new DingtalkAdapter({
    clientId,
    clientSecret,
    robotCode: config.DINGTALK_ROBOT_CODE ?? clientId,
    apiBase: config.DINGTALK_API_BASE ?? DINGTALK_API_BASE,
    gatewayUrl: config.DINGTALK_GATEWAY_URL ?? GATEWAY_URL,
    log,
    timeoutMs: config.PLATFORM_TIMEOUT_MS,
    ...tuning,
  });
}
