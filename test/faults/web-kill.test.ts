/**
 * The web process killed (SIGKILL) in the middle of a burst that Feishu pushes over its long
 * connection: some events were stored and acknowledged, some stored but never acknowledged, some
 * neither. Feishu delivers again whatever it got no acknowledgement for (here the test does, as
 * the platform would, and also repeats a few it did get one for) once a web process is back.
 * Every message is stored once and analysed once, and every nudge is shown once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAKE_APP_ID, FAKE_APP_SECRET, FakeFeishu } from '../adapters/feishu/fake-feishu.ts';
import { createStack, type Stack, spawnWeb, stopProcess, until, type WorkerProcess } from '../services/stack.ts';
import { chatEvents, countAll, expectNothingLostNothingTwice } from './world.ts';

const CHATS = 40;
/** Events Feishu has in flight at once. */
const IN_FLIGHT = 10;

describe('a web process killed mid-batch', () => {
  let stack: Stack | null = null;
  let fake: FakeFeishu | null = null;
  const webs: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of webs) await stopProcess(w, 'SIGKILL');
    await fake?.close();
    await stack?.teardown();
  });

  it('loses nothing Feishu pushed: what was not acknowledged comes again and is stored once', async () => {
    const feishu = await FakeFeishu.start();
    fake = feishu;
    stack = await createStack({ FEISHU_APP_ID: FAKE_APP_ID, FEISHU_APP_SECRET: FAKE_APP_SECRET, FEISHU_DOMAIN: feishu.url, INGEST_BATCH: '20' });
    const connected = async (n: number) => until(async () => feishu.connections >= n, 30_000, 'the long connection');
    webs.push(await spawnWeb(stack.env));
    await connected(1);
    const worker = await stack.app('worker');

    const events = Array.from({ length: CHATS }, (_, i) => chatEvents('wb', i, new Date(Date.now() - 60_000))).flat();
    const acked = new Set<string>();
    /** Feishu pushes each event and waits for its acknowledgement, IN_FLIGHT at a time. */
    const deliver = async (batch: typeof events, onAck?: () => Promise<void>) => {
      const queue = [...batch];
      const lane = async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          try {
            const ack = await feishu.pushEvent(e.envelope, { timeoutMs: 5_000 });
            if (ack.code === 200) acked.add(e.id);
            await onAck?.();
          } catch {
            // No connection, or no acknowledgement: Feishu will deliver it again.
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    };

    let killed = false;
    await deliver(events, async () => {
      if (killed || acked.size < events.length / 3) return;
      killed = true;
      await stopProcess(webs[0]!, 'SIGKILL');
    });
    expect(killed).toBe(true);
    const unacknowledged = events.filter((e) => !acked.has(e.id));
    expect(unacknowledged.length).toBeGreaterThan(0);
    const storedBeforeRestart = (await countAll(worker.database)).messages;

    webs.push(await spawnWeb(stack.env));
    await connected(2);
    // Feishu's redelivery: everything without an acknowledgement, and a few with one.
    for (let round = 0; round < 5 && acked.size < events.length; round++) {
      await deliver([...events.filter((e) => !acked.has(e.id)), ...events.slice(0, 5)]);
    }
    expect(acked.size).toBe(events.length);
    // Some were stored before the kill without the acknowledgement reaching Feishu, or after it.
    expect(storedBeforeRestart).toBeGreaterThanOrEqual(events.length - unacknowledged.length);

    const db = worker.database;
    const settled = async () => {
      const c = await countAll(db, feishu);
      return c.unanalysed === 0 && c.priceNudges === CHATS && c.deliveries.pending + c.deliveries.sending === 0 ? c : null;
    };
    await until(settled, 90_000, 'every message analysed and every nudge sent').catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await countAll(db, feishu))}\n${webs.map((w) => w.output()).join('\n---\n')}`);
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const c = await countAll(db, feishu);
    expectNothingLostNothingTwice(c, CHATS);
    expect(c.platform!.sent).toBe(CHATS);
  }, 240_000);
});
