/**
 * Outbound: the adapter's sends against the loopback fake's OpenAPI and session webhooks.
 */
import { TOPIC_ROBOT } from 'dingtalk-stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDingtalkAdapter, DINGTALK_SEND_LIMITS, type DingtalkAdapter } from '../../../adapters/dingtalk/index.ts';
import { loadConfig } from '../../../core/config.ts';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { eventually, FakeDingtalk } from './fake-dingtalk.ts';
import { fixture, memoryLogger, RecordingSink } from './helpers.ts';

const CLIENT_ID = 'dingfakeclientid';
const CLIENT_SECRET = 'fake-secret-81d0c3aa42';
const NOW = 1767222000000;

let fake: FakeDingtalk;
let adapter: DingtalkAdapter;
let logs: ReturnType<typeof memoryLogger>;
let clock: number;

beforeEach(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => {});
  fake = await FakeDingtalk.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  logs = memoryLogger();
  clock = NOW;
  const config = loadConfig({
    DINGTALK_CLIENT_ID: CLIENT_ID,
    DINGTALK_CLIENT_SECRET: CLIENT_SECRET,
    DINGTALK_ROBOT_CODE: 'dingrobotcode01',
    DINGTALK_API_BASE: fake.baseUrl,
    DINGTALK_GATEWAY_URL: fake.gatewayUrl,
  });
  adapter = (await createDingtalkAdapter(config, logs.log, { now: () => clock, reconnectDelayMs: 50, timeoutMs: 2_000 }))!;
});

afterEach(async () => {
  await adapter.stop();
  await fake.close();
  vi.restoreAllMocks();
  const all = logs.lines.join('\n');
  expect(all).not.toContain(CLIENT_SECRET);
  expect(all).not.toContain('sendBySession');
  for (const t of fake.tokensIssued) expect(all).not.toContain(t);
});

/** Receives one robot message over the stream whose session webhook points at the fake. */
async function receive(name: string, session: string, expiresAt = NOW + 90 * 60_000): Promise<void> {
  const sink = new RecordingSink();
  await adapter.start(sink);
  const frameId = fake.pushCallback(TOPIC_ROBOT, fixture(name, { sessionWebhook: fake.webhookUrl(session), sessionWebhookExpiredTime: expiresAt }));
  await eventually(() => expect(fake.acksFor(frameId)).toHaveLength(1));
}

describe('DingTalk proactive sends', () => {
  it('sends a 1:1 markdown and an action card with one token fetch and batchSend bodies', async () => {
    const first = await adapter.send({ userId: 'rep001' }, { type: 'markdown', title: '提醒', text: '**跟进**华东医疗' }, 'k1');
    await adapter.send({ userId: 'rep001' }, { type: 'card', title: '价格异议', text: '话术…', buttons: feedbackButtons('n-1') }, 'k2');

    expect(fake.tokenRequests).toBe(1);
    expect(fake.batchSends).toHaveLength(2);
    const [md, card] = fake.batchSends;
    expect(md!.token).toBe(fake.tokensIssued[0]);
    expect(md!.body).toEqual({
      robotCode: 'dingrobotcode01',
      userIds: ['rep001'],
      msgKey: 'sampleMarkdown',
      msgParam: JSON.stringify({ title: '提醒', text: '**跟进**华东医疗' }),
    });
    expect(card!.token).toBe(fake.tokensIssued[0]);
    expect(card!.body).toMatchObject({ robotCode: 'dingrobotcode01', userIds: ['rep001'], msgKey: 'sampleActionCard3' });
    expect(card!.param).toMatchObject({ title: '价格异议', actionTitle1: '有用', actionTitle2: '没用', actionTitle3: '已使用' });
    expect(card!.param.actionURL2).toMatch(/^dtmd:\/\/dingtalkclient\/sendMessage\?content=/);
    expect(first.platformMessageId).toMatch(/^pqk-/);
    expect(fake.groupSends).toHaveLength(0);
  });

  it('sends to a group with groupMessages/send and the open conversation id', async () => {
    await adapter.send({ chatId: 'cidGroup01==' }, { type: 'text', text: '周报已生成' }, 'k1');
    expect(fake.groupSends).toHaveLength(1);
    expect(fake.groupSends[0]!.body).toEqual({
      robotCode: 'dingrobotcode01',
      openConversationId: 'cidGroup01==',
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: '周报已生成' }),
    });
  });

  it('fetches a new token once the cached one nears expiry', async () => {
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'a' }, 'k1');
    clock += 7200_000 - 4 * 60_000; // within the refresh margin
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'b' }, 'k2');
    expect(fake.tokenRequests).toBe(2);
    expect(fake.batchSends[1]!.token).toBe(fake.tokensIssued[1]);
  });

  it('refetches the token once when DingTalk says it is no longer valid', async () => {
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'a' }, 'k1');
    fake.failNext('batchSend', 401, { code: 'InvalidAuthentication', message: '不合法的access_token' });
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'b' }, 'k2');
    expect(fake.tokenRequests).toBe(2);
    expect(fake.batchSends).toHaveLength(2);
  });

  it('throws PLATFORM_API on an HTTP 500, without the token or the secret in it', async () => {
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'warm the token' }, 'k0');
    const token = fake.tokensIssued[0]!;
    fake.failNext('batchSend', 500, { code: 'ServiceUnavailable', message: `backend busy for ${token} / ${CLIENT_SECRET}` });
    const err = await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'x' }, 'k1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'PLATFORM_API', details: { status: 500, code: 'ServiceUnavailable' } });
    expect(JSON.stringify({ m: (err as Error).message, d: (err as AppError).details })).not.toMatch(new RegExp(`${token}|${CLIENT_SECRET}`));
  });

  it('throws PLATFORM_API when the token endpoint fails, and RATE_LIMITED on throttling', async () => {
    fake.failNext('token', 500);
    await expect(adapter.send({ userId: 'rep001' }, { type: 'text', text: 'x' }, 'k1')).rejects.toMatchObject({ code: 'PLATFORM_API' });
    fake.failNext('batchSend', 429, { code: 'Throttling', message: 'too many' });
    await expect(adapter.send({ userId: 'rep001' }, { type: 'text', text: 'x' }, 'k2')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    fake.failNext('groupSend', 403, { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'qps' });
    await expect(adapter.send({ chatId: 'cid1' }, { type: 'text', text: 'x' }, 'k3')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    fake.failNext('batchSend', 200, { processQueryKey: 'p', invalidStaffIdList: [], flowControlledStaffIdList: ['rep001'] });
    await expect(adapter.send({ userId: 'rep001' }, { type: 'text', text: 'x' }, 'k4')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    fake.failNext('batchSend', 200, { processQueryKey: 'p', invalidStaffIdList: ['nobody'], flowControlledStaffIdList: [] });
    await expect(adapter.send({ userId: 'nobody' }, { type: 'text', text: 'x' }, 'k5')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('throws PLATFORM_API when DingTalk cannot be reached', async () => {
    await fake.close();
    const err = await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'x' }, 'k1').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLATFORM_API', message: expect.stringContaining('ECONNREFUSED') });
    fake = await FakeDingtalk.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }); // for afterEach
  });
});

describe('DingTalk replies through the session webhook', () => {
  it('replies into the group a message came from through its session webhook', async () => {
    await receive('robot-text-group', 'grp-session-1');
    const result = await adapter.send({ chatId: 'cidqO7Ne8p4MKDQ8JnpbgFbwQ==' }, { type: 'markdown', title: '回复', text: '已收到' }, 'k1');
    expect(result).toEqual({});
    expect(fake.webhookSends).toEqual([{ session: 'grp-session-1', body: { msgtype: 'markdown', markdown: { title: '回复', text: '已收到' } } }]);
    expect(fake.groupSends).toHaveLength(0);
    expect(fake.tokenRequests).toBe(0);
  });

  it('replies to a person in their 1:1 chat with the robot through its webhook, cards included', async () => {
    await receive('robot-text-single', 'single-session-1');
    await adapter.send({ userId: 'rep001' }, { type: 'card', title: '建议', text: '…', buttons: feedbackButtons('n-3') }, 'k1');
    expect(fake.webhookSends).toHaveLength(1);
    expect(fake.webhookSends[0]!.body).toMatchObject({ msgtype: 'actionCard', actionCard: { title: '建议', btnOrientation: '0' } });
    expect(fake.batchSends).toHaveLength(0);
  });

  it('uses the OpenAPI once the webhook is about to expire', async () => {
    await receive('robot-text-group', 'grp-session-2', NOW + 30_000);
    await adapter.send({ chatId: 'cidqO7Ne8p4MKDQ8JnpbgFbwQ==' }, { type: 'text', text: 'hi' }, 'k1');
    expect(fake.webhookSends).toHaveLength(0);
    expect(fake.groupSends).toHaveLength(1);
  });

  it('falls back to the OpenAPI when the webhook refuses, and forgets it', async () => {
    await receive('robot-text-single', 'single-session-2');
    fake.failNext('webhook', 200, { errcode: 300001, errmsg: 'session not found' });
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'a' }, 'k1');
    await adapter.send({ userId: 'rep001' }, { type: 'text', text: 'b' }, 'k2');
    expect(fake.webhookSends).toHaveLength(0);
    expect(fake.batchSends.map((s) => s.param.content)).toEqual(['a', 'b']);
    expect(logs.lines.some((l) => l.includes('session webhook failed'))).toBe(true);
  });

  it('reports a throttled webhook as RATE_LIMITED rather than spending the OpenAPI quota', async () => {
    await receive('robot-text-group', 'grp-session-3');
    fake.failNext('webhook', 200, { errcode: 130101, errmsg: 'send too fast' });
    await expect(adapter.send({ chatId: 'cidqO7Ne8p4MKDQ8JnpbgFbwQ==' }, { type: 'text', text: 'x' }, 'k1')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect(fake.groupSends).toHaveLength(0);
  });
});

describe('createDingtalkAdapter', () => {
  it('is null without DingTalk credentials and exposes the send limits', async () => {
    expect(await createDingtalkAdapter(loadConfig({}), logs.log)).toBeNull();
    expect(DINGTALK_SEND_LIMITS).toContainEqual({ scope: 'recipient', max: 20, perMs: 60_000 });
  });
});
