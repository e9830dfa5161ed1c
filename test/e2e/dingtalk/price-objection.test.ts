/**
 * DingTalk end to end, customer side: robot CALLBACK frames from the loopback fake go through the
 * real SDK and adapter into the whole app (PGlite, runner, analyzer, playbook, send path). Proves
 * that a customer's price objection in a group owned by a rep becomes one private nudge to that
 * rep (batchSend to their DingTalk id, never the group) as a card with the three feedback
 * buttons; that every callback is acked; that a redelivered frame is processed once; that an
 * HTTP 500 on send is retried and the nudge is then sent exactly once; and that a picture is
 * stored as a non-text message without error.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { advanceTo } from '../../../bots/demo/replay.ts';
import { deliveries, messages, nudges } from '../../../db/schema/index.ts';
import { CLIENT_SECRET, START_TIMEOUT_MS, TEST_TIMEOUT_MS, groupMessage, push, ROBOT_CODE, startDingtalkApp, type DingtalkApp } from './harness.ts';

const T0 = new Date('2026-11-23T10:00:00+08:00');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const EAST_GROUP = { conversationId: 'cidE2eEastMedical==', title: '华东医疗 · HIS 升级' };
const NORTH_GROUP = { conversationId: 'cidE2eNorthLogistics==', title: '北方物流 · 仓储系统' };
const customer = { nick: '王总（客户）', dingtalkId: '$:LWCP_v1:$customerWang01' };
const OBJECTION = '你们这个价格太贵了，超出我们预算了。';

let t: DingtalkApp;
/** Every frame pushed, to check at the end that each was acked exactly as often as it was sent. */
const pushed = new Map<string, number>();

async function deliver(payload: Record<string, unknown>, frameId?: string): Promise<string> {
  const id = await push(t.fake, payload, frameId);
  pushed.set(id, (pushed.get(id) ?? 0) + 1);
  return id;
}

/** The nudge rows of one conversation, with their deliveries. */
async function nudgesOf(conversationId: string) {
  const db = t.app.database.db;
  const rows = await db
    .select()
    .from(nudges)
    .where(eq(nudges.conversationId, `dingtalk:${conversationId}`));
  const sends = await Promise.all(rows.map((n) => db.select().from(deliveries).where(eq(deliveries.nudgeId, n.id))));
  return rows.map((n, i) => ({ nudge: n, deliveries: sends[i]! }));
}

beforeAll(async () => {
  // The SDK announces its connection with console.info.
  vi.spyOn(console, 'info').mockImplementation(() => {});
  t = await startDingtalkApp(T0);
}, START_TIMEOUT_MS);

afterAll(async () => {
  await t?.cleanup();
  vi.restoreAllMocks();
});

describe('DingTalk end to end: a customer raises a price objection', { timeout: TEST_TIMEOUT_MS }, () => {
  let objectionFrame: string;
  let objection: Record<string, unknown>;

  it('nudges the owner rep privately through batchSend, with the three feedback buttons', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(0));
    await deliver(
      groupMessage(fake, {
        ...EAST_GROUP,
        msgId: 'msgE2eZhangsanHello01',
        from: { staffId: staffId('zhangsan'), nick: '张三', dingtalkId: '$:LWCP_v1:$zhangsan01' },
        at: at(0),
        text: '王总您好，我是张三，方案的事情这个群里沟通。',
      }),
    );
    await app.drain();
    clock.set(at(1));
    objection = groupMessage(fake, { ...EAST_GROUP, msgId: 'msgE2eObjection01', from: customer, at: at(1), text: OBJECTION });
    objectionFrame = await deliver(objection);
    await app.drain();

    const db = app.database.db;
    const stored = await db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, `dingtalk:${EAST_GROUP.conversationId}`));
    expect(stored.map((m) => [m.platformMessageId, m.role, m.personId]).sort()).toEqual([
      ['msgE2eObjection01', 'customer', null],
      ['msgE2eZhangsanHello01', 'rep', 'zhangsan'],
    ]);

    const [only, ...more] = await nudgesOf(EAST_GROUP.conversationId);
    expect(more).toHaveLength(0);
    expect(only!.nudge).toMatchObject({ ruleId: 'price-objection', personId: 'zhangsan', feedback: null });
    expect(only!.nudge.title).toContain('客户提出价格异议');
    expect(only!.deliveries).toHaveLength(1);
    expect(only!.deliveries[0]).toMatchObject({ platform: 'dingtalk', status: 'sent', attempts: 1, to: { personId: 'zhangsan' } });
    expect(only!.deliveries[0]!.platformMessageId).toMatch(/^pqk-/);

    // On the wire: one proactive 1:1 send to zhangsan's DingTalk id, nothing into the group.
    expect(fake.batchSends).toHaveLength(1);
    const sent = fake.batchSends[0]!;
    expect(sent.token).toBe(fake.tokensIssued[0]);
    expect(sent.body).toMatchObject({ robotCode: ROBOT_CODE, userIds: [staffId('zhangsan')], msgKey: 'sampleActionCard3' });
    expect(sent.param.title).toContain('客户提出价格异议');
    expect(sent.param.text).toContain(OBJECTION);
    expect([sent.param.actionTitle1, sent.param.actionTitle2, sent.param.actionTitle3]).toEqual(['有用', '没用', '已使用']);
    for (const url of [sent.param.actionURL1, sent.param.actionURL2, sent.param.actionURL3]) {
      expect(decodeURIComponent(url!)).toContain(`"nudgeId":"${only!.nudge.id}"`);
    }
    expect(fake.groupSends).toHaveLength(0);
    expect(fake.webhookSends).toHaveLength(0);
  });

  it('processes a redelivered frame once: one message row, one nudge, one send, both deliveries acked', async () => {
    const { app, fake } = t;
    await deliver(objection, objectionFrame);
    await app.drain();

    expect(fake.acksFor(objectionFrame)).toHaveLength(2);
    const rows = await app.database.db.select().from(messages).where(eq(messages.platformMessageId, 'msgE2eObjection01'));
    expect(rows).toHaveLength(1);
    const all = await nudgesOf(EAST_GROUP.conversationId);
    expect(all).toHaveLength(1);
    expect(all[0]!.deliveries.map((d) => [d.status, d.attempts])).toEqual([['sent', 1]]);
    expect(fake.batchSends).toHaveLength(1);
  });

  it('retries a send DingTalk answers with HTTP 500, then sends the nudge exactly once', async () => {
    const { app, clock, fake, staffId } = t;
    clock.set(at(10));
    await deliver(
      groupMessage(fake, {
        ...NORTH_GROUP,
        msgId: 'msgE2eLisiHello01',
        from: { staffId: staffId('lisi'), nick: '李四', dingtalkId: '$:LWCP_v1:$lisi01' },
        at: at(10),
        text: '赵总您好，我是李四，仓储系统的方案我们在这个群里对接。',
      }),
    );
    await app.drain();
    fake.failNext('batchSend', 500, { code: 'ServiceUnavailable', message: 'backend busy' });
    clock.set(at(11));
    await deliver(groupMessage(fake, { ...NORTH_GROUP, msgId: 'msgE2eObjection02', from: { ...customer, nick: '赵总（客户）' }, at: at(11), text: OBJECTION }));
    await app.drain();

    const [first] = await nudgesOf(NORTH_GROUP.conversationId);
    expect(first!.nudge).toMatchObject({ ruleId: 'price-objection', personId: 'lisi' });
    const deliveryId = first!.deliveries[0]!.id;
    expect(first!.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(first!.deliveries[0]!.lastError).toMatch(/PLATFORM_API.*HTTP 500/);
    expect(fake.batchSends).toHaveLength(1); // only zhangsan's, from the first test

    // The retry is due after the job's backoff on the app clock.
    await advanceTo(app, clock, new Date(clock.now().getTime() + 5_000));
    // Minutes later nothing goes out again.
    await advanceTo(app, clock, new Date(clock.now().getTime() + 10 * 60_000));

    const [d] = await app.database.db.select().from(deliveries).where(eq(deliveries.id, deliveryId));
    expect(d).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    const toLisi = fake.batchSends.filter((s) => JSON.stringify(s.body.userIds) === JSON.stringify([staffId('lisi')]));
    expect(toLisi).toHaveLength(1);
    expect(toLisi[0]!.param.title).toContain('客户提出价格异议');
    expect(toLisi[0]!.param.text).toContain(OBJECTION);
    expect(fake.groupSends).toHaveLength(0);
    expect(fake.webhookSends).toHaveLength(0);
  });

  it('stores a picture as a non-text message, analyses it without error and nudges no one', async () => {
    const { app, clock, fake } = t;
    const before = { batch: fake.batchSends.length, nudges: (await nudgesOf(EAST_GROUP.conversationId)).length };
    clock.set(at(20));
    await deliver(groupMessage(fake, { ...EAST_GROUP, msgId: 'msgE2ePicture01', from: customer, at: at(20), picture: true }));
    await app.drain();

    const [row] = await app.database.db
      .select()
      .from(messages)
      .where(and(eq(messages.platform, 'dingtalk'), eq(messages.platformMessageId, 'msgE2ePicture01')));
    expect(row).toMatchObject({ kind: 'image', text: '', role: 'customer', attachments: [] });
    expect(row!.analyzedAt).not.toBeNull();
    expect((await nudgesOf(EAST_GROUP.conversationId)).length).toBe(before.nudges);
    expect(fake.batchSends).toHaveLength(before.batch);
  });

  it('acked every callback as often as it was delivered, logged no error and no credential', () => {
    const { fake, logs } = t;
    for (const [frameId, times] of pushed) {
      const acks = fake.acksFor(frameId);
      expect(acks).toHaveLength(times);
      for (const a of acks) expect(a.code).toBe(200);
    }
    expect(fake.acks).toHaveLength([...pushed.values()].reduce((a, b) => a + b, 0));
    const errors = logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    const all = logs.join('\n');
    expect(all).not.toContain(CLIENT_SECRET);
    expect(all).not.toContain('sendBySession');
    for (const token of fake.tokensIssued) expect(all).not.toContain(token);
  });
});
