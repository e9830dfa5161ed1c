/**
 * Every outbound call has a deadline: a platform (or a proxy before it) that accepts the
 * connection and never answers fails the send in bounded time, on all three platforms, with the
 * deadline PLATFORM_TIMEOUT_MS from the config. The adapters are built by their factories from a
 * config, the SDKs are the real ones, the platform is a loopback server that reads the request and
 * never writes a byte back.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDingtalkAdapter } from '../../adapters/dingtalk/index.ts';
import { createFeishuAdapter } from '../../adapters/feishu/index.ts';
import type { Adapter } from '../../adapters/types.ts';
import { createWecomAdapters } from '../../adapters/wecom/index.ts';
import { loadConfig } from '../../core/config.ts';
import { AppError } from '../../core/errors.ts';
import { captureLogger } from './wecom/log-capture.ts';

const DEADLINE_MS = 400;

let hang: Server;
let url: string;
const held: ServerResponse[] = [];
let requests = 0;

beforeAll(async () => {
  hang = createServer((req, res) => {
    requests++;
    req.resume();
    held.push(res); // never answered
  });
  await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  hang.closeAllConnections();
  await new Promise<void>((resolve) => hang.close(() => resolve()));
});

const config = (env: Record<string, string>) => loadConfig({ PLATFORM_TIMEOUT_MS: String(DEADLINE_MS), SEND_TIMEOUT_MS: '2000', ...env });

/** Sends once; returns how long the failure took and what it was. */
async function sendTimed(adapter: Adapter, to: { userId: string }): Promise<{ ms: number; err: AppError }> {
  const before = requests;
  const started = performance.now();
  const err = await adapter.send(to, { type: 'text', text: '你好' }, 'timeout-test').then(
    () => {
      throw new Error('the send to a platform that never answers succeeded');
    },
    (e: unknown) => e as AppError,
  );
  expect(requests, 'the request reached the hanging platform').toBeGreaterThan(before);
  return { ms: performance.now() - started, err };
}

describe('a platform that never answers', () => {
  it('Feishu: the SDK client gives up on the token call at the deadline', async () => {
    const { log, lines } = captureLogger();
    const adapter = (await createFeishuAdapter(
      config({
        FEISHU_APP_ID: 'cli_0123456789abcdef',
        FEISHU_APP_SECRET: 'feishu-secret-value',
        FEISHU_DOMAIN: url,
        FEISHU_MODE: 'webhook',
        FEISHU_ENCRYPT_KEY: 'k',
      }),
      log,
    ))!;
    const { ms, err } = await sendTimed(adapter, { userId: 'ou_x' });
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + 1_500);
    expect(lines.join('\n')).not.toContain('feishu-secret-value');
  });

  it('DingTalk: the access-token fetch gives up at the deadline', async () => {
    const { log } = captureLogger();
    const adapter = (await createDingtalkAdapter(
      config({
        DINGTALK_CLIENT_ID: 'dingtimeoutclient',
        DINGTALK_CLIENT_SECRET: 'dingtalk-secret',
        DINGTALK_API_BASE: url,
        DINGTALK_GATEWAY_URL: `${url}/gateway`,
      }),
      log,
    ))!;
    const { ms, err } = await sendTimed(adapter, { userId: '0123456' });
    expect(err.code).toBe('PLATFORM_API');
    expect(err.message).toMatch(/access token: request failed \(TimeoutError\)/);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + 1_500);
  });

  it('WeCom app: gettoken gives up at the deadline', async () => {
    const { log } = captureLogger();
    const [adapter] = await createWecomAdapters(
      config({
        WECOM_CORP_ID: 'wwtimeout',
        WECOM_AGENT_ID: '1000002',
        WECOM_SECRET: 'wecom-secret',
        WECOM_TOKEN: 'token',
        WECOM_ENCODING_AES_KEY: 'a'.repeat(43),
        WECOM_API_BASE: url,
      }),
      log,
    );
    const { ms, err } = await sendTimed(adapter!, { userId: 'zhangsan' });
    expect(err.code).toBe('PLATFORM_API');
    expect(err.message).toMatch(/timed out/);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(ms).toBeLessThan(DEADLINE_MS + 1_500);
  });

  it('the config keeps each deadline within the next: request ≤ send < lease', () => {
    expect(() => loadConfig({ PLATFORM_TIMEOUT_MS: '15001' })).toThrow(/PLATFORM_TIMEOUT_MS: must not exceed SEND_TIMEOUT_MS/);
    expect(() => loadConfig({ SEND_TIMEOUT_MS: '60000' })).toThrow(/SEND_TIMEOUT_MS: must be below SEND_LEASE_MS/);
    const c = loadConfig({});
    expect(c.PLATFORM_TIMEOUT_MS).toBe(10_000);
    expect(c.PLATFORM_TIMEOUT_MS).toBeLessThan(c.SEND_TIMEOUT_MS);
    expect(c.SEND_TIMEOUT_MS).toBeLessThan(c.SEND_LEASE_MS);
    // Unset, it follows a shorter send deadline down.
    expect(loadConfig({ SEND_TIMEOUT_MS: '2000' }).PLATFORM_TIMEOUT_MS).toBe(2_000);
  });
});
