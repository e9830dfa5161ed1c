/**
 * A reading the loop failed to apply is not lost: the open is kept as a pending reading before the
 * listener runs, the listener's failure leaves it, and the sweep's `apply-reading` job applies it
 * once (the view's action, the open counted, the "not opened" timer met). The whole app on PGlite,
 * in-process jobs and a manual clock; the viewer's routes through its own HTTP server.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLink, tokenOf } from '../../bots/demo/reader.ts';
import { advanceTo } from '../../bots/demo/replay.ts';
import type { ReadingEvent } from '../../bots/documents/reading.ts';
import { buildServer } from '../../bots/http/server.ts';
import { READING_SETTLE_MS } from '../../bots/maintenance/sweep-job.ts';
import type { InboundMessage } from '../../core/types.ts';
import { actions, opportunities, pendingReadings, timers } from '../../db/schema/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { multipartBody, samplePdf } from './harness.ts';

const CHAT = 'c-recovery';
const at = (s: string) => new Date(`2026-${s}:00+08:00`);

describe('a reading whose listener failed', () => {
  let t: TestApp;
  let server: FastifyInstance;
  let token = '';
  let dealId = '';
  let failing = true;
  let failures = 0;
  let last: { event: ReadingEvent; pendingId: string | undefined } | null = null;
  let listener: TestApp['app']['documents']['onReading'];

  const say = async (id: string, from: string, text: string, when: string): Promise<void> => {
    const m: InboundMessage = {
      platform: 'local',
      messageId: id,
      conversationId: CHAT,
      conversationTitle: '东方制造 · 设备联网项目',
      chatType: 'group',
      direct: false,
      senderId: from,
      kind: 'text',
      text,
      attachments: [],
      sentAt: at(when),
    };
    await advanceTo(t.app, t.clock, m.sentAt);
    await t.app.sink.message(m);
    await t.app.drain();
  };
  const pending = () => t.app.database.db.select().from(pendingReadings);
  const viewActions = () => t.app.database.db.select().from(actions).where(eq(actions.kind, 'document_viewed'));
  const deal = async () => (await t.app.database.db.select().from(opportunities).where(eq(opportunities.id, dealId)))[0]!;

  beforeAll(async () => {
    t = await startTestApp({ start: at('11-25T14:00'), env: { PUBLIC_URL: 'https://dealwise.example.com', SWEEP_INTERVAL_MS: '30000' } });
    // The listener fails as it would with the database unreachable for that moment.
    listener = t.app.documents.onReading;
    t.app.documents.onReading = async (e, pendingId) => {
      if (pendingId) last = { event: e, pendingId };
      if (failing) {
        failures++;
        throw new Error('connection terminated unexpectedly');
      }
      await listener(e, pendingId);
    };
    server = buildServer(t.app);
    await server.ready();
    await say('r-1', 'zhangsan', '赵总您好，设备联网的报价我今天发您。', '11-25T14:00');
    await say('r-2', 'cust-zhao', '好的，发来看看。', '11-25T14:05');
    const [row] = await t.app.database.db.select().from(opportunities);
    dealId = row!.id;
    const { payload, headers } = multipartBody(
      { conversationId: CHAT, senderId: 'zhangsan', platform: 'local' },
      { name: '东方制造-报价单.pdf', type: 'application/pdf', body: samplePdf() },
    );
    const res = await server.inject({ method: 'POST', url: '/v1/documents', payload, headers });
    expect(res.statusCode).toBe(201);
    token = tokenOf(res.json().url);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await t?.cleanup();
  });

  it('keeps the open when the listener fails: the viewer is answered, nothing is applied yet', async () => {
    await advanceTo(t.app, t.clock, at('11-26T09:00'));
    await readLink(server, token, { browser: 'zhao-phone', clock: t.clock, pages: [{ page: 1, seconds: 10 }] });
    await t.app.drain();
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(await pending()).toHaveLength(1);
    expect(await viewActions()).toEqual([]);
    expect((await deal()).documentOpens).toBe(0);
    const [timer] = await t.app.database.db.select().from(timers).where(eq(timers.ruleId, 'quote-unopened-2d'));
    expect(timer!.status).toBe('pending');
  });

  it('is applied once by the sweep after the listener’s settle time, and not again by later sweeps', async () => {
    failing = false;
    // Before the settle time the sweep leaves it to the listener.
    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + READING_SETTLE_MS / 2));
    expect(await pending()).toHaveLength(1);
    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + READING_SETTLE_MS + 30_000));
    expect(await pending()).toEqual([]);
    const applied = await viewActions();
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ opportunityId: dealId });
    expect((await deal()).documentOpens).toBe(1);
    const [timer] = await t.app.database.db.select().from(timers).where(eq(timers.ruleId, 'quote-unopened-2d'));
    expect(timer!.status).toBe('fulfilled');

    await advanceTo(t.app, t.clock, new Date(t.clock.now().getTime() + 5 * 60_000));
    expect((await deal()).documentOpens).toBe(1);
    expect(await viewActions()).toHaveLength(1);
  });

  it('leaves nothing pending when the listener applies an open itself, and applies it once when handed it again', async () => {
    await readLink(server, token, { browser: 'qian-laptop', clock: t.clock, pages: [{ page: 2, seconds: 5 }] });
    await t.app.drain();
    expect(await pending()).toEqual([]);
    expect((await deal()).documentOpens).toBe(2);
    // The sweep's job and the listener racing for the same kept open: the second finds it taken.
    expect(last?.event.type).toBe('opened');
    await listener(last!.event, last!.pendingId);
    expect((await deal()).documentOpens).toBe(2);
  });
});
