import { describe, expect, it } from 'vitest';
import { createFeishuAdapter, FEISHU_SEND_LIMITS } from '../../../adapters/feishu/index.ts';
import { loadConfig } from '../../../core/config.ts';
import { FAKE_APP_ID } from './fake-feishu.ts';
import { capturingLogger } from './helpers.ts';

const log = capturingLogger().log;

describe('createFeishuAdapter', () => {
  it('returns null when the app credentials are unset', async () => {
    expect(await createFeishuAdapter(loadConfig({}), log)).toBeNull();
  });

  it('builds a long-connection adapter by default, with no webhook route', async () => {
    const adapter = await createFeishuAdapter(loadConfig({ FEISHU_APP_ID: FAKE_APP_ID, FEISHU_APP_SECRET: 's' }), log);
    expect(adapter?.platform).toBe('feishu');
    expect(adapter?.routes()).toEqual([]);
  });

  it('builds a webhook adapter exposing POST /feishu/webhook when FEISHU_MODE=webhook', async () => {
    const config = loadConfig({ FEISHU_APP_ID: FAKE_APP_ID, FEISHU_APP_SECRET: 's', FEISHU_MODE: 'webhook', FEISHU_ENCRYPT_KEY: 'k' });
    expect((await createFeishuAdapter(config, log))?.routes().map((r) => `${r.method} ${r.url}`)).toEqual(['POST /feishu/webhook']);
  });

  it('declares the bot send limits: 5 a second, 100 a minute', () => {
    expect(FEISHU_SEND_LIMITS).toEqual([
      { scope: 'bot', max: 5, perMs: 1_000 },
      { scope: 'bot', max: 100, perMs: 60_000 },
    ]);
  });
});
