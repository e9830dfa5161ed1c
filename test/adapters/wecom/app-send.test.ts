/**
 * App messages through the real HTTP path (global fetch) against a loopback fake of the WeCom
 * server API (test/fakes/wecom/api-server.ts): token caching and refresh, payloads, errcodes.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WecomAppAdapter } from '../../../adapters/wecom/app.ts';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { FakeWecomApiServer } from '../../fakes/wecom/api-server.ts';
import { captureLogger } from './log-capture.ts';

const corpId = 'ww3e5f0123456789ab';
const secret = 'app-secret-DO-NOT-LOG';

let api: FakeWecomApiServer;
let adapter: WecomAppAdapter;
let logs: string[];
let clock: number;

function makeAdapter(apiBase: string, appSecret = secret): WecomAppAdapter {
  const captured = captureLogger();
  logs = captured.lines;
  return new WecomAppAdapter({
    corpId,
    agentId: '1000002',
    secret: appSecret,
    token: 'cb-token',
    encodingAESKey: randomBytes(32).toString('base64').slice(0, 43),
    apiBase,
    log: captured.log,
    now: () => clock,
    requestTimeoutMs: 2_000,
  });
}

beforeEach(async () => {
  clock = 1_732_700_000_000;
  api = new FakeWecomApiServer({ corpId, secret });
  await api.start();
  adapter = makeAdapter(api.url);
});

afterEach(async () => {
  await api.close();
});

/** Neither the secret nor any issued token may appear in an error or a log line. */
function expectNoCredentials(...texts: string[]): void {
  const all = [...texts, ...logs].join('\n');
  expect(all).not.toContain(secret);
  expect(all).not.toMatch(/fake-token-\d/);
}

describe('WeCom app send', () => {
  it('fetches the token once and reuses it across sends', async () => {
    const first = await adapter.send({ userId: 'zhangsan' }, { type: 'markdown', title: '跟进提醒', text: '华东医疗 48 小时未跟进' }, 'k1');
    const second = await adapter.send({ userId: 'lisi' }, { type: 'text', text: '本周汇总已生成' }, 'k2');
    expect(first).toEqual({ platformMessageId: 'fake-msg-1' });
    expect(second).toEqual({ platformMessageId: 'fake-msg-2' });

    const gettoken = api.calls('/cgi-bin/gettoken');
    expect(gettoken).toHaveLength(1);
    expect(gettoken[0]?.query).toEqual({ corpid: corpId, corpsecret: secret });

    const sends = api.calls('/cgi-bin/message/send');
    expect(sends.map((s) => s.query.access_token)).toEqual(['fake-token-1', 'fake-token-1']);
    expect(sends[0]?.body).toEqual({
      touser: 'zhangsan',
      agentid: 1000002,
      msgtype: 'markdown',
      markdown: { content: '**跟进提醒**\n华东医疗 48 小时未跟进' },
    });
    expect(sends[1]?.body).toEqual({ touser: 'lisi', agentid: 1000002, msgtype: 'text', text: { content: '本周汇总已生成' } });
  });

  it('sends a card as its whole text in markdown, then a button_interaction card whose keys are our button values', async () => {
    const buttons = feedbackButtons('nudge-7');
    await adapter.send({ userId: 'zhangsan' }, { type: 'card', title: '价格异议', text: '先确认预算', buttons }, 'nudge-7:1');
    const [text, cardBody] = api.calls('/cgi-bin/message/send').map((c) => c.body) as Array<{
      msgtype: string;
      markdown?: { content: string };
      template_card: Record<string, unknown>;
    }>;
    expect(text).toMatchObject({ msgtype: 'markdown', markdown: { content: '**价格异议**\n先确认预算' } });
    const body = cardBody!;
    expect(body.msgtype).toBe('template_card');
    expect(body.template_card).toMatchObject({
      card_type: 'button_interaction',
      main_title: { title: '价格异议' },
      button_list: buttons.map((b) => ({ text: b.label, style: 1, key: b.value })),
    });
    expect(body.template_card.task_id).toMatch(/^[\w\-@]{1,128}$/);
  });

  it('resumes a card after a failed part: the text the platform accepted is not sent again', async () => {
    api.passNextSend();
    api.failNextSend({ errcode: -1, errmsg: 'system busy' });
    const progress = { done: 0 };
    const card = { type: 'card', title: '价格异议', text: '先确认预算', buttons: feedbackButtons('nudge-8') } as const;
    await expect(adapter.send({ userId: 'zhangsan' }, card, 'nudge-8:1', progress)).rejects.toMatchObject({ code: 'PLATFORM_API' });
    expect(progress.done).toBe(1);
    await adapter.send({ userId: 'zhangsan' }, card, 'nudge-8:1', progress);
    expect(progress.done).toBe(2);
    const types = api.calls('/cgi-bin/message/send').map((c) => (c.body as { msgtype: string }).msgtype);
    expect(types).toEqual(['markdown', 'template_card', 'template_card']);
  });

  it('refreshes an expired token once and retries the send', async () => {
    await adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'a' }, 'k1');
    api.expireTokens();
    await expect(adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'b' }, 'k2')).resolves.toEqual({ platformMessageId: 'fake-msg-2' });
    expect(api.calls('/cgi-bin/gettoken')).toHaveLength(2);
    expect(api.calls('/cgi-bin/message/send').map((s) => s.query.access_token)).toEqual(['fake-token-1', 'fake-token-1', 'fake-token-2']);
  });

  it('refreshes the token before it expires, without a failed send', async () => {
    await adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'a' }, 'k1');
    clock += (7200 - 200) * 1000; // inside the 5-minute refresh margin
    await adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'b' }, 'k2');
    expect(api.calls('/cgi-bin/gettoken')).toHaveLength(2);
    expect(api.calls('/cgi-bin/message/send').map((s) => s.query.access_token)).toEqual(['fake-token-1', 'fake-token-2']);
  });

  it('shares one gettoken between concurrent sends', async () => {
    await Promise.all([1, 2, 3].map((i) => adapter.send({ userId: `u${i}` }, { type: 'text', text: 'x' }, `k${i}`)));
    expect(api.calls('/cgi-bin/gettoken')).toHaveLength(1);
  });

  it('refreshes only once: a second token error is thrown', async () => {
    api.failNextSend({ errcode: 42001, errmsg: 'access_token expired' });
    api.failNextSend({ errcode: 42001, errmsg: 'access_token expired' });
    await expect(adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'x' }, 'k1')).rejects.toMatchObject({ code: 'PLATFORM_API' });
    expect(api.calls('/cgi-bin/gettoken')).toHaveLength(2);
  });

  it('throws a retryable PLATFORM_API error on another errcode, without credentials in it', async () => {
    api.failNextSend({ errcode: -1, errmsg: 'system busy' });
    const err = await adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'x' }, 'k1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'PLATFORM_API', details: { errcode: -1, retryable: true } });
    expect((err as AppError).message).toContain('errcode -1');
    expectNoCredentials((err as AppError).message, JSON.stringify((err as AppError).details));
  });

  it('marks rate limits RATE_LIMITED and a bad recipient as not retryable', async () => {
    api.failNextSend({ errcode: 45009, errmsg: 'api freq out of limit' });
    await expect(adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'x' }, 'k1')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryable: true },
    });
    api.failNextSend({ errcode: 81013, errmsg: 'user & party & tag all invalid' });
    await expect(adapter.send({ userId: 'ghost' }, { type: 'text', text: 'x' }, 'k2')).rejects.toMatchObject({
      code: 'PLATFORM_API',
      details: { retryable: false },
    });
  });

  it('reports a recipient WeCom lists as invalid, though errcode is 0', async () => {
    api.failNextSend({ errcode: 0, errmsg: 'ok', invaliduser: 'ghost', msgid: 'm' });
    await expect(adapter.send({ userId: 'ghost' }, { type: 'text', text: 'x' }, 'k1')).rejects.toMatchObject({
      code: 'PLATFORM_API',
      details: { retryable: false },
    });
  });

  it('refuses a chat id: the app sends to users only', async () => {
    await expect(adapter.send({ chatId: 'wr123' }, { type: 'text', text: 'x' }, 'k1')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(api.requests).toEqual([]);
  });

  it('fails gettoken with a wrong secret without echoing the secret', async () => {
    const wrong = 'wrong-secret-DO-NOT-LOG';
    adapter = makeAdapter(api.url, wrong);
    const err = (await adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'x' }, 'k1').catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: 'PLATFORM_API', details: { errcode: 40001, retryable: false } });
    expect(err.message).not.toContain(wrong);
    expect(logs.join('\n')).not.toContain(wrong);
  });

  it('turns an unreachable API into a retryable PLATFORM_API error without the URL', async () => {
    const base = api.url;
    await api.close();
    adapter = makeAdapter(base);
    const err = (await adapter.send({ userId: 'zhangsan' }, { type: 'text', text: 'x' }, 'k1').catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: 'PLATFORM_API', details: { retryable: true } });
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('corpsecret');
    expectNoCredentials(err.message);
    api = new FakeWecomApiServer({ corpId, secret });
    await api.start();
  });
});
