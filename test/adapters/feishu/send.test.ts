import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeishuAdapter } from '../../../adapters/feishu/adapter.ts';
import { encodeFeishuMessage, feishuUuid } from '../../../adapters/feishu/encode.ts';
import { AppError } from '../../../core/errors.ts';
import { feedbackButtons } from '../../../core/card-actions.ts';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from './fake-feishu.ts';
import { capturingLogger } from './helpers.ts';

let fake: FakeFeishu;
let logged: string[];
let adapter: FeishuAdapter;

function makeAdapter(appSecret = FAKE_APP_SECRET): FeishuAdapter {
  const { log, lines } = capturingLogger();
  logged = lines;
  return new FeishuAdapter({ appId: FAKE_APP_ID, appSecret, domain: fake.url, mode: 'ws' }, log);
}

async function sendError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeEach(async () => {
  fake = await FakeFeishu.start();
  adapter = makeAdapter();
});
afterEach(async () => {
  await adapter.stop();
  await fake.close();
});

describe('Feishu send through the SDK Client', () => {
  it('sends text to a chat with the cached tenant token and our uuid', async () => {
    const r1 = await adapter.send({ chatId: 'oc_team' }, { type: 'text', text: '本周跟进提醒' }, 'nudge-1');
    const r2 = await adapter.send({ userId: 'ou_rep_zhang' }, { type: 'text', text: '第二条' }, 'nudge-2');
    expect(r1.platformMessageId).toBe('om_fake_1');
    expect(r2.platformMessageId).toBe('om_fake_2');
    expect(fake.tokenRequests).toBe(1);
    expect(fake.sends).toEqual([
      { receiveIdType: 'chat_id', receiveId: 'oc_team', msgType: 'text', content: { text: '本周跟进提醒' }, uuid: 'nudge-1', authorization: 'Bearer t-fake-1' },
      { receiveIdType: 'open_id', receiveId: 'ou_rep_zhang', msgType: 'text', content: { text: '第二条' }, uuid: 'nudge-2', authorization: 'Bearer t-fake-1' },
    ]);
  });

  it('sends a card: markdown element and the three feedback buttons carrying our value', async () => {
    const buttons = feedbackButtons('nudge-42');
    await adapter.send({ userId: 'ou_rep_zhang' }, { type: 'card', title: '价格异议', text: '**客户说贵了**：先问预算', buttons }, 'nudge-42');
    const sent = fake.sends[0];
    expect(sent).toMatchObject({ receiveIdType: 'open_id', msgType: 'interactive', uuid: 'nudge-42' });
    expect(sent?.content).toEqual({
      config: { wide_screen_mode: true },
      header: { template: 'blue', title: { tag: 'plain_text', content: '价格异议' } },
      elements: [
        { tag: 'markdown', content: '**客户说贵了**：先问预算' },
        {
          tag: 'action',
          actions: [
            { tag: 'button', text: { tag: 'plain_text', content: '有用' }, type: 'default', value: { nudgeId: 'nudge-42', value: 'useful' } },
            { tag: 'button', text: { tag: 'plain_text', content: '没用' }, type: 'default', value: { nudgeId: 'nudge-42', value: 'not_useful' } },
            { tag: 'button', text: { tag: 'plain_text', content: '已使用' }, type: 'default', value: { nudgeId: 'nudge-42', value: 'used' } },
          ],
        },
      ],
    });
  });

  it('sends markdown as a post with an md run', async () => {
    await adapter.send({ userId: 'ou_mgr' }, { type: 'markdown', title: '本周团队', text: '- 张三：3 个报价' }, 'digest-1');
    expect(fake.sends[0]).toMatchObject({ msgType: 'post', content: { zh_cn: { title: '本周团队', content: [[{ tag: 'md', text: '- 张三：3 个报价' }]] } } });
  });

  it('hashes a long idempotency key to a stable uuid within 50 characters; a retry is one message', async () => {
    const key = 'nudge:01J9ZQ3W8K7X4M2P6R5T0V1B3C:rep:ou_rep_zhang:attempt-stable';
    const a = await adapter.send({ userId: 'ou_rep_zhang' }, { type: 'text', text: 'x' }, key);
    const b = await adapter.send({ userId: 'ou_rep_zhang' }, { type: 'text', text: 'x' }, key);
    const uuid = fake.sends[0]?.uuid as string;
    expect(uuid).toHaveLength(50);
    expect(uuid).toBe(feishuUuid(key));
    expect(fake.sends[1]?.uuid).toBe(uuid);
    expect(b.platformMessageId).toBe(a.platformMessageId);
  });

  it('throws PLATFORM_API with code and msg when the reply body carries a non-zero code', async () => {
    fake.failNextSend({ status: 200, code: 230002, msg: 'Bot/User can NOT be out of the chat.' });
    const err = await sendError(adapter.send({ chatId: 'oc_gone' }, { type: 'text', text: 'x' }, 'k1'));
    expect(err.code).toBe('PLATFORM_API');
    expect(err.message).toContain('230002');
    expect(err.message).toContain('Bot/User can NOT be out of the chat.');
    expect(err.details).toEqual({ code: 230002, msg: 'Bot/User can NOT be out of the chat.', httpStatus: 200 });
    expect(err.cause).toBeUndefined();
  });

  it('throws PLATFORM_API on an HTTP 400 carrying a code, never exposing the token', async () => {
    fake.failNextSend({ status: 400, code: 230001, msg: 'invalid receive_id' });
    const err = await sendError(adapter.send({ userId: 'ou_x' }, { type: 'text', text: 'x' }, 'k2'));
    expect(err).toMatchObject({ code: 'PLATFORM_API', details: { code: 230001, httpStatus: 400, retryable: false } });
    expect(JSON.stringify({ m: err.message, d: err.details, c: err.cause })).not.toContain('t-fake-1');
    expect(logged.join('\n')).not.toContain('t-fake-1');
  });

  it.each([
    [429, 99991400, 'request trigger frequency limit'],
    [400, 230020, 'This chat is triggering the rate limit'],
  ])('maps HTTP %i code %i to RATE_LIMITED', async (status, code, msg) => {
    fake.failNextSend({ status, code, msg });
    const err = await sendError(adapter.send({ chatId: 'oc_busy' }, { type: 'text', text: 'x' }, 'k3'));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.details).toMatchObject({ code });
  });

  it.each([200, 400])('reports a tenant token refused with HTTP %i as PLATFORM_API, the app secret nowhere', async (status) => {
    fake.tokenFailureStatus = status;
    const wrongSecret = 'wrong-secret-must-not-leak';
    await adapter.stop();
    adapter = makeAdapter(wrongSecret);
    const err = await sendError(adapter.send({ chatId: 'oc_team' }, { type: 'text', text: 'x' }, 'k4'));
    expect(err.code).toBe('PLATFORM_API');
    expect(err.message).toContain('10014');
    expect(fake.sends).toHaveLength(0);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(wrongSecret);
    expect(logged.join('\n')).not.toContain(wrongSecret);
  });
});

describe('encodeFeishuMessage', () => {
  it("refuses a card over Feishu's 30 KB limit with PAYLOAD_TOO_LARGE", () => {
    expect(() => encodeFeishuMessage({ type: 'card', title: 't', text: '长'.repeat(11_000), buttons: [] })).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    );
  });

  it('passes a short plain key through as the uuid', () => {
    expect(feishuUuid('nudge-42_a')).toBe('nudge-42_a');
  });
});
