/**
 * DingTalk card presses in the order they were made: interactive-card callbacks (topic
 * `/v1.0/card/instances/callback`) carry no time in their body, so the press is dated by the frame
 * DingTalk stamped. Two presses of one card delivered in reverse order (the earlier one handled
 * late, as after a reconnect) leave the later one's answer; a redelivered frame changes nothing.
 * The whole app, the real SDK and adapter, the loopback fake gateway.
 */
import { TOPIC_CARD } from 'dingtalk-stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../../core/ids.ts';
import { atomEvents, nudges } from '../../../db/schema/index.ts';
import { eventually } from '../../adapters/dingtalk/fake-dingtalk.ts';
import { type DingtalkApp, START_TIMEOUT_MS, startDingtalkApp, TEST_TIMEOUT_MS } from './harness.ts';

const T0 = new Date('2026-11-23T10:00:00+08:00');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

let t: DingtalkApp;

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => {});
  t = await startDingtalkApp(T0);
}, START_TIMEOUT_MS);
afterAll(async () => {
  await t?.cleanup();
  vi.restoreAllMocks();
});

/** A nudge for zhangsan with one atom, as the coach leaves it. */
async function nudge(): Promise<string> {
  const id = newId();
  await t.app.database.db.insert(nudges).values({
    id,
    idempotencyKey: id,
    personId: 'zhangsan',
    ruleId: 'price-objection',
    atomIds: ['price-objection-value'],
    title: '💡 客户提出价格异议',
    body: '…',
    createdAt: T0,
  });
  return id;
}

const state = async (id: string) => {
  const [n] = await t.app.database.db.select().from(nudges).where(eq(nudges.id, id));
  const events = await t.app.database.db.select().from(atomEvents).where(eq(atomEvents.nudgeId, id));
  return { feedback: n!.feedback, at: n!.feedbackAt?.toISOString() ?? null, events: events.map((e) => e.kind).sort() };
};

/** zhangsan pressing `value` on the nudge's card, as DingTalk pushes the callback. */
const callback = (nudgeId: string, value: string) => ({
  type: 'actionCallback',
  outTrackId: `nudge-card-${nudgeId}`,
  corpId: 'dingcorpself0001',
  userId: t.staffId('zhangsan'),
  userIdType: 1,
  spaceType: 'IM_ROBOT',
  content: JSON.stringify({ cardPrivateData: { actionIds: ['feedback'], params: { nudgeId, value } } }),
});

/** Pushes a card frame stamped `stamped` (pass `frameId` to redeliver) and waits for its ack. */
async function press(payload: object, stamped: Date, frameId?: string): Promise<string> {
  const before = frameId ? t.fake.acksFor(frameId).length : 0;
  const id = t.fake.pushCallback(TOPIC_CARD, payload, frameId, stamped.getTime());
  await eventually(() => expect(t.fake.acksFor(id)).toHaveLength(before + 1), 15_000);
  return id;
}

describe('DingTalk card presses', { timeout: TEST_TIMEOUT_MS }, () => {
  it('apply in the order they were pressed, whatever the order they are handled in; a redelivery changes nothing', async () => {
    const id = await nudge();
    // Pressed 有用 at +1 min, then 已使用 at +2 min; DingTalk's frames arrive the other way round,
    // each handled a little later than the last (the server's clock moves on meanwhile).
    t.clock.set(at(3));
    const later = await press(callback(id, 'used'), at(2));
    t.clock.set(at(4));
    await press(callback(id, 'useful'), at(1));
    expect(await state(id)).toEqual({ feedback: 'used', at: at(2).toISOString(), events: ['used'] });

    // The later frame delivered again (no ack reached DingTalk): acked, and nothing moves.
    t.clock.set(at(5));
    await press(callback(id, 'used'), at(2), later);
    expect(await state(id)).toEqual({ feedback: 'used', at: at(2).toISOString(), events: ['used'] });

    // A press made after both applies.
    await press(callback(id, 'not_useful'), at(6));
    expect(await state(id)).toEqual({ feedback: 'not_useful', at: at(6).toISOString(), events: ['not_useful', 'used'] });
    expect(t.logs.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });
});
