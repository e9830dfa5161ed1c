/**
 * Webhook acks under load: real Feishu deliveries (an `im.message.receive_v1` event, encrypted
 * and signed as Feishu does it: test/adapters/feishu/fake-webhook.ts) posted to the web process
 * at a steady interval during a burst, each timed until its answer. Feishu waits for that answer
 * (and delivers again after a few seconds without one), and the answer comes only once the
 * message is stored, so this is the latency a platform sees, not a probe of an idle route.
 */
import { feishuWebhookRequest } from '../../test/adapters/feishu/fake-webhook.ts';
import { messageEvent } from '../../test/e2e/feishu/feishu-world.ts';

/** The Feishu settings every dealwise process of the bench gets (webhook mode; nothing is sent to Feishu). */
export const FEISHU_BENCH_ENV = {
  FEISHU_APP_ID: 'cli_0123456789abcdef',
  FEISHU_APP_SECRET: 'bench-feishu-secret',
  FEISHU_MODE: 'webhook',
  FEISHU_ENCRYPT_KEY: 'bench-feishu-encrypt-key-0000001',
  // Never reached: the probes' chats have no rep in them, so nothing is sent to Feishu.
  FEISHU_DOMAIN: 'http://127.0.0.1:9',
};

export interface WebhookProbe {
  /** Deliveries answered 200 so far: each is a message stored, to be analysed. */
  stored(): number;
  /** Stops; the answer times in ms, sorted (a failed or non-200 answer counts as Infinity). */
  stop(): Promise<{ times: number[]; failures: Record<string, number> }>;
}

/** Posts one signed customer message to `/feishu/webhook` every `everyMs`, one at a time. */
export function webhookProbe(port: number, tag: string, everyMs: number): WebhookProbe {
  const times: number[] = [];
  const failures: Record<string, number> = {};
  let stored = 0;
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      n += 1;
      const event = messageEvent({
        messageId: `om_bench_${tag}_${n}`,
        chatId: `oc_bench_${tag}`,
        chatType: 'group',
        from: 'ou_benchcustomer000000000000000001',
        at: new Date(),
        text: `请问第${n}期的交付计划有更新吗？`,
      });
      // Built before the clock starts: signing and encrypting is the platform's work, not ours.
      const req = feishuWebhookRequest(event, { encryptKey: FEISHU_BENCH_ENV.FEISHU_ENCRYPT_KEY });
      const t0 = performance.now();
      try {
        const res = await fetch(`http://127.0.0.1:${port}/feishu/webhook`, {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body: req.rawBody,
        });
        await res.arrayBuffer();
        if (res.status === 200) {
          times.push(performance.now() - t0);
          stored += 1;
        } else {
          times.push(Number.POSITIVE_INFINITY);
          failures[res.status] = (failures[res.status] ?? 0) + 1;
        }
      } catch (err) {
        times.push(Number.POSITIVE_INFINITY);
        const k = (err as Error).name;
        failures[k] = (failures[k] ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stored: () => stored,
    stop: async () => {
      running = false;
      await loop;
      return { times: times.sort((a, b) => a - b), failures };
    },
  };
}
