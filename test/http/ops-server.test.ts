/**
 * The worker's ops server logs no line per request, as the web process does not: a probe of
 * /readyz every few seconds is no news. Its errors have the app's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpsServer } from '../../bots/http/ops-server.ts';
import { captureLogger } from '../adapters/wecom/log-capture.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

describe("the worker's ops server", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it('answers probes without a log line for each, and an unknown route in the app shape', async () => {
    const { log, lines } = captureLogger();
    const ops = buildOpsServer(t.app, log);
    try {
      expect((await ops.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect((await ops.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const missing = await ops.inject({ method: 'GET', url: '/nope' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /nope' } });
      expect(lines.filter((l) => /incoming request|request completed|"reqId"/.test(l))).toEqual([]);
    } finally {
      await ops.close();
    }
  });
});
