/**
 * Card presses are applied once and in order, and a signed webhook replayed inside its window is
 * refused, also by the next process on the same database after a restart. The real app on PGlite
 * with Feishu in webhook mode; presses come through the sink and through Feishu's signed,
 * encrypted card callbacks as Feishu sends them.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { newId } from '../../core/ids.ts';
import { atomEvents, nudges } from '../../db/schema/index.ts';
import { feishuWebhookRequest } from '../adapters/feishu/fake-webhook.ts';
import { cardActionEvent, feishuOpenIds, openIdOf } from '../e2e/feishu/feishu-world.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const ENCRYPT_KEY = 'presses-feishu-encrypt-key-00001';

const FEISHU_ENV = {
  FEISHU_APP_ID: 'cli_0123456789abcdef',
  FEISHU_APP_SECRET: 'presses-secret',
  FEISHU_DOMAIN: 'http://127.0.0.1:9',
  FEISHU_MODE: 'webhook',
  FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
};

let t: TestApp;
let server: FastifyInstance;
let zhangsan: string;

beforeAll(async () => {
  t = await startTestApp({ start: new Date('2026-11-27T10:00:00+08:00'), env: FEISHU_ENV });
  server = buildServer(t.app);
  await server.ready();
  zhangsan = openIdOf(await feishuOpenIds(t.config.ORG_FILE), 'zhangsan');
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

const inject = (s: FastifyInstance, req: ReturnType<typeof feishuWebhookRequest>) =>
  s.inject({ method: 'POST', url: '/feishu/webhook', headers: req.headers as Record<string, string>, payload: req.rawBody });

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
    createdAt: new Date('2026-11-27T09:00:00+08:00'),
  });
  return id;
}

const state = async (id: string) => {
  const [n] = await t.app.database.db.select().from(nudges).where(eq(nudges.id, id));
  const events = await t.app.database.db.select().from(atomEvents).where(eq(atomEvents.nudgeId, id));
  return { feedback: n!.feedback, at: n!.feedbackAt?.toISOString() ?? null, events: events.map((e) => e.kind).sort() };
};

const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00+08:00`);

describe('card presses', () => {
  it('apply once and in order: a replay changes nothing, an older press arriving late does not undo a newer one', async () => {
    const id = await nudge();
    const press = (value: 'useful' | 'not_useful' | 'used', when: Date) =>
      t.app.sink.press({ platform: 'local', senderId: 'zhangsan', action: { kind: 'feedback', nudgeId: id, value }, at: when });

    expect(await press('useful', at('10:02'))).toEqual({ status: 'applied' });
    expect(await press('useful', at('10:02'))).toEqual({ status: 'duplicate' });
    // Pressed first, delivered last.
    expect(await press('not_useful', at('10:01'))).toEqual({ status: 'duplicate' });
    expect(await state(id)).toEqual({ feedback: 'useful', at: at('10:02').toISOString(), events: ['useful'] });
    expect(await press('used', at('10:05'))).toEqual({ status: 'applied' });
    expect(await press('useful', at('10:03'))).toEqual({ status: 'duplicate' });
    expect(await state(id)).toEqual({ feedback: 'used', at: at('10:05').toISOString(), events: ['used', 'useful'] });
  });

  it('refuses a press whose platform time is not plausible (year 10000, found by the property test) and changes nothing', async () => {
    const id = await nudge();
    const r = await t.app.sink.press({
      platform: 'local',
      senderId: 'zhangsan',
      action: { kind: 'feedback', nudgeId: id, value: 'useful' },
      at: new Date(253_402_300_800_000),
    });
    expect(r).toEqual({ status: 'refused', reason: 'the press time is not a plausible time' });
    expect((await state(id)).feedback).toBeNull();
  });

  it('over Feishu: the press time is the event time, so a redelivered older press is ignored; a replayed request is refused', async () => {
    const id = await nudge();
    const callback = (value: string, when: Date) => {
      const event = cardActionEvent({ operator: zhangsan, value: { nudgeId: id, value }, openMessageId: `om_${id}`, chatId: 'oc_p2p' }) as {
        header: { create_time: string };
      };
      event.header.create_time = String(when.getTime());
      return feishuWebhookRequest(event, { encryptKey: ENCRYPT_KEY });
    };
    const send = (req: ReturnType<typeof callback>) =>
      server.inject({ method: 'POST', url: '/feishu/webhook', headers: req.headers as Record<string, string>, payload: req.rawBody });

    const notUseful = callback('not_useful', at('10:01'));
    const useful = callback('useful', at('10:02'));
    expect((await send(useful)).statusCode).toBe(200);
    // The very same signed request again: refused before anything is applied.
    const replay = await send(useful);
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({ code: 'REPLAYED' });
    // The earlier press, delivered late: answered, and ignored.
    expect((await send(notUseful)).statusCode).toBe(200);
    expect(await state(id)).toEqual({ feedback: 'useful', at: at('10:02').toISOString(), events: ['useful'] });
  });

  it('a replay right after a restart is refused: the next process on the same database remembers the request', async () => {
    const id = await nudge();
    const event = cardActionEvent({ operator: zhangsan, value: { nudgeId: id, value: 'used' }, openMessageId: `om_r_${id}`, chatId: 'oc_p2p' });
    const req = feishuWebhookRequest(event, { encryptKey: ENCRYPT_KEY });
    expect((await inject(server, req)).statusCode).toBe(200);
    expect((await state(id)).feedback).toBe('used');

    // The server restarts: a new app, and a new server, on the same data folder.
    await server.close();
    await t.close();
    t = await startTestApp({ dataDir: t.dataDir, start: new Date('2026-11-27T10:30:00+08:00'), env: FEISHU_ENV });
    server = buildServer(t.app);
    await server.ready();
    // Someone undoes the press meanwhile (as a later 没用 would); the replayed request must not redo it.
    await t.app.database.db.update(nudges).set({ feedback: null, feedbackAt: null }).where(eq(nudges.id, id));

    const replay = await inject(server, req);
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({ code: 'REPLAYED' });
    expect(await state(id)).toEqual({ feedback: null, at: null, events: ['used'] });
    // A new request (another nonce and signature) is taken as before.
    expect((await inject(server, feishuWebhookRequest(event, { encryptKey: ENCRYPT_KEY }))).statusCode).toBe(200);
    expect((await state(id)).feedback).toBe('used');
  });
});
