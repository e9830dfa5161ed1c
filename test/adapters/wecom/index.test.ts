/** createWecomAdapters picks the adapters the config enables; WECOM_SEND_LIMITS. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WecomAppAdapter } from '../../../adapters/wecom/app.ts';
import { WecomBotAdapter } from '../../../adapters/wecom/bot.ts';
import { createWecomAdapters, WECOM_SEND_LIMITS } from '../../../adapters/wecom/index.ts';
import { loadConfig } from '../../../core/config.ts';
import { captureLogger } from './log-capture.ts';

const bot = { WECOM_BOT_ID: 'aib123', WECOM_BOT_SECRET: 'bot-secret' };
const app = {
  WECOM_CORP_ID: 'ww3e5f0123456789ab',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 'app-secret',
  WECOM_TOKEN: 'cb-token',
  WECOM_ENCODING_AES_KEY: randomBytes(32).toString('base64').slice(0, 43),
};

describe('createWecomAdapters', () => {
  const { log } = captureLogger();

  it('gives nothing when WeCom is not configured', async () => {
    expect(await createWecomAdapters(loadConfig({}), log)).toEqual([]);
  });

  it('gives the bot for the bot credentials and the app for the app group', async () => {
    const onlyBot = await createWecomAdapters(loadConfig(bot), log);
    expect(onlyBot).toHaveLength(1);
    expect(onlyBot[0]).toBeInstanceOf(WecomBotAdapter);

    const onlyApp = await createWecomAdapters(loadConfig(app), log);
    expect(onlyApp).toHaveLength(1);
    expect(onlyApp[0]).toBeInstanceOf(WecomAppAdapter);
    expect((onlyApp[0] as WecomAppAdapter).routes().map((r) => `${r.method} ${r.url}`)).toEqual(['GET /wecom/callback', 'POST /wecom/callback']);

    const both = await createWecomAdapters(loadConfig({ ...bot, ...app }), log);
    expect(both.map((a) => [a.platform, (a as WecomBotAdapter | WecomAppAdapter).channel])).toEqual([
      ['wecom', 'bot'],
      ['wecom', 'app'],
    ]);
  });

  it('exports the per-recipient app limits: 30 a minute, 1,000 an hour', () => {
    expect(WECOM_SEND_LIMITS).toEqual([
      { scope: 'recipient', max: 30, perMs: 60_000 },
      { scope: 'recipient', max: 1000, perMs: 3_600_000 },
    ]);
  });
});
