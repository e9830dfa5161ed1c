/**
 * Operations on the production stack: the weekly digest is a BullMQ job scheduler per manager
 * (Monday 09:00 in the org's zone) and sends once a week however often it runs; /metrics and
 * /readyz answer; the send pacer holds one limit across processes through Redis.
 */
import { eq } from 'drizzle-orm';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../bots/http/server.ts';
import { weeklyDigestJob } from '../../bots/reports/digest-job.ts';
import { createSendPacer } from '../../bots/outbound/pacer.ts';
import { deliveries } from '../../db/schema/index.ts';
import { chat } from '../helpers/app.ts';
import { createStack, REDIS_URL, until, type Stack } from './stack.ts';

describe('operations', () => {
  let stack: Stack;
  afterAll(() => stack?.teardown());

  it('schedules each manager a Monday 09:00 digest and sends it once a week', async () => {
    stack = await createStack();
    const worker = await stack.app('worker');
    const reports = new Queue('reports', { connection: { url: REDIS_URL }, prefix: stack.prefix });
    const schedulers = await reports.getJobSchedulers();
    await reports.close();
    const byId = new Map(schedulers.map((s) => [s.key, s]));
    for (const manager of ['wangjing', 'liuqiang']) {
      expect(byId.get(`weekly-digest-${manager}`)).toMatchObject({ pattern: '0 9 * * 1', tz: 'Asia/Shanghai' });
      expect(byId.get(`compliance-rollup-${manager}`)).toMatchObject({ pattern: '30 18 * * 1-5', tz: 'Asia/Shanghai' });
    }
    expect(byId.has('weekly-digest-zhangsan')).toBe(false);

    await worker.runner.enqueue(weeklyDigestJob, { personId: 'wangjing' });
    await worker.runner.enqueue(weeklyDigestJob, { personId: 'wangjing' });
    const db = worker.database.db;
    await until(async () => (await db.select().from(deliveries).where(eq(deliveries.status, 'sent')))[0], 15_000, 'the digest');
    // Both runs over: whatever the second would have written is there by now.
    const queue = new Queue('reports', { connection: { url: REDIS_URL }, prefix: stack.prefix });
    await until(async () => (await queue.getCompleted()).filter((j) => j.name === weeklyDigestJob.name).length === 2, 15_000, 'both digest runs');
    await queue.close();
    const sent = await db.select().from(deliveries);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: { personId: 'wangjing' }, status: 'sent', message: { type: 'markdown' } });
    expect(sent[0]!.idempotencyKey).toMatch(/^digest-wangjing-/);
  }, 40_000);

  it('fails a job whose payload can never be valid at once, without retries', async () => {
    await stack.app('worker');
    const analyze = new Queue('analyze', { connection: { url: REDIS_URL }, prefix: stack.prefix });
    // Written straight to the queue, as a bad producer or an old deployment would.
    const job = await analyze.add('analyze-partition', { partition: 'seven' }, { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    const failed = await until(async () => ((await job.getState()) === 'failed' ? job : null), 10_000, 'the job to fail');
    const fresh = await analyze.getJob(failed.id!);
    await analyze.close();
    expect(fresh!.attemptsMade).toBe(1);
    expect(fresh!.failedReason).toMatch(/invalid job analyze-partition/);
  }, 20_000);

  it('serves /metrics and /readyz', async () => {
    const web = await stack.app('web');
    const server = buildServer(web);
    await web.sink.message(chat({ from: 'zhangsan', text: '您好', at: new Date(), conv: 'c-metrics', id: 'metrics-1' }));
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ ready: true, role: 'web' });
    const metrics = await server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toContain('dealwise_messages_ingested_total{platform="local",outcome="stored"} 1');
    expect(metrics.body).toContain('dealwise_messages_analyzed_total');
    expect(metrics.body).toContain('dealwise_event_loop_lag_p99_seconds');
    expect(metrics.body).toMatch(/dealwise_queue_jobs\{queue="analyze",state="(waiting|active|delayed|failed)"\} \d+/);
    await server.close();
  }, 30_000);

  it('holds a send limit across processes through Redis', async () => {
    const a = new Redis(REDIS_URL);
    const b = new Redis(REDIS_URL);
    try {
      const prefix = `${stack.prefix}`;
      const one = createSendPacer(a, prefix);
      const two = createSendPacer(b, prefix);
      const limit = [{ scope: 'recipient' as const, max: 3, perMs: 60_000 }];
      const t = 1_800_000_000_000;
      expect(await one.reserve('wecom', 'u1', limit, t)).toBe(0);
      expect(await two.reserve('wecom', 'u1', limit, t + 10_000)).toBe(0);
      expect(await one.reserve('wecom', 'u1', limit, t + 20_000)).toBe(0);
      // The fourth within the minute waits until the first leaves the window.
      expect(await two.reserve('wecom', 'u1', limit, t + 30_000)).toBe(30_000);
      expect(await one.reserve('wecom', 'u2', limit, t + 30_000)).toBe(0);
      expect(await two.reserve('wecom', 'u1', limit, t + 60_001)).toBe(0);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
