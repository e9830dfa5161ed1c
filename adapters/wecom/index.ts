/**
 * The WeCom adapters, built from the validated config: the intelligent bot when WECOM_BOT_ID and
 * WECOM_BOT_SECRET are set, the self-built app when the WECOM_CORP_ID… group is set (config.ts
 * already refuses half a group). Also the send limits the outbound layer paces WeCom by.
 */
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { NonceStore } from '../nonces.ts';
import type { Adapter, SendLimit } from '../types.ts';

export type { WecomBotAdapter, WecomBotOptions } from './bot.ts';
export type { WecomAppAdapter, WecomAppOptions } from './app.ts';
export { parseBotMessage, parseBotCardEvent } from './bot-parse.ts';
export { parseAppCallback, type AppCallback } from './app-parse.ts';
export { parseArchiveRecord, isExternalSender, type ArchiveParseResult } from './archive.ts';
export { encodeBotMessages, encodeAppMessages } from './encode.ts';

/**
 * Messages to one employee: at most 30 a minute and 1,000 an hour (PLATFORMS.md; the same
 * figures are given for the bot's proactive pushes).
 */
export const WECOM_SEND_LIMITS: SendLimit[] = [
  { scope: 'recipient', max: 30, perMs: 60_000 },
  { scope: 'recipient', max: 1_000, perMs: 3_600_000 },
];

/** The configured WeCom adapters: bot first, then app; empty when WeCom is not configured. */
/** The intelligent bot and the self-built app, each when its credentials are set; their SDKs are loaded only then. */
export async function createWecomAdapters(config: Config, log: Logger, nonces?: NonceStore): Promise<Adapter[]> {
  const adapters: Adapter[] = [];
  if (config.WECOM_BOT_ID && config.WECOM_BOT_SECRET) {
    const { WecomBotAdapter } = await import('./bot.ts');
    adapters.push(
      new WecomBotAdapter({
        botId: config.WECOM_BOT_ID,
        secret: config.WECOM_BOT_SECRET,
        ...(config.WECOM_WS_URL === undefined ? {} : { wsUrl: config.WECOM_WS_URL }),
        log,
      }),
    );
  }
  const { WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY } = config;
  if (WECOM_CORP_ID && WECOM_AGENT_ID && WECOM_SECRET && WECOM_TOKEN && WECOM_ENCODING_AES_KEY) {
    const { WecomAppAdapter } = await import('./app.ts');
    adapters.push(
      new WecomAppAdapter({
        corpId: WECOM_CORP_ID,
        agentId: WECOM_AGENT_ID,
        secret: WECOM_SECRET,
        token: WECOM_TOKEN,
        encodingAESKey: WECOM_ENCODING_AES_KEY,
        ...(config.WECOM_API_BASE === undefined ? {} : { apiBase: config.WECOM_API_BASE }),
        requestTimeoutMs: config.PLATFORM_TIMEOUT_MS,
        ...(nonces ? { nonces } : {}),
        log,
      }),
    );
  }
  return adapters;
}
