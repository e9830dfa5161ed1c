/**
 * Every error answer has the app's shape, `{ error: { code, message } }`, including those fastify
 * gives itself (an unknown route, a bad URL, a body too large, a content type it has no parser
 * for), and a JSON route refuses a body that is not JSON with a 415 saying so.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT, buildServer } from '../../bots/http/server.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

// Nothing here writes: one app and server serve every describe.
let t: TestApp;
let server: FastifyInstance;
beforeAll(async () => {
  t = await startTestApp();
  server = buildServer(t.app);
});
afterAll(async () => {
  await server.close();
  await t.cleanup();
});

describe("fastify's own errors in the app's shape", () => {
  it('an unknown route is a 404 NOT_FOUND naming it', async () => {
    for (const url of ['/nope', '/v1/nope?x=1', '/console/nope']) {
      const res = await server.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: `no route GET ${url.split('?')[0]}` } });
    }
  });

  it('a URL that is not valid percent-encoding is a 400 BAD_REQUEST', async () => {
    const res = await server.inject({ method: 'GET', url: '/v1/deals/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'BAD_REQUEST', message: expect.stringMatching(/URL is not valid/) } });
  });

  it('a body over the limit is a 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: `{"text":"${'a'.repeat(BODY_LIMIT)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a content type no route reads is a 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await server.inject({ method: 'POST', url: '/v1/messages', payload: '<m/>', headers: { 'content-type': 'application/xml' } });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type application/xml is not accepted: the body must be application/json' },
    });
  });

  it('bad and empty JSON are a 400 saying so', async () => {
    const bad = await server.inject({ method: 'POST', url: '/v1/messages', payload: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' } });
    const empty = await server.inject({ method: 'POST', url: '/v1/messages', payload: '', headers: { 'content-type': 'application/json' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('BAD_REQUEST');
  });
});

describe('a JSON route refuses a body that is not JSON', () => {
  const routes: Array<['POST' | 'PATCH', string]> = [
    ['POST', '/v1/messages'],
    ['POST', '/v1/deal-events'],
    ['POST', '/v1/feedback'],
    ['PATCH', '/v1/deals/d-1'],
  ];

  it.each(routes)('%s %s: text/plain is a 415 saying the body must be JSON', async (method, url) => {
    const res = await server.inject({ method, url, payload: '{"platform":"local"}', headers: { 'content-type': 'text/plain; charset=utf-8' } });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type text/plain is not accepted: the body must be application/json' },
    });
  });

  it.each(routes)('%s %s: no content type is a 415 asking for JSON', async (method, url) => {
    const res = await server.inject({ method, url, payload: '{"platform":"local"}' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body has no Content-Type: send it as application/json' } });
  });

  it('the documents upload asks for multipart instead', async () => {
    const res = await server.inject({ method: 'POST', url: '/v1/documents', payload: 'x', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toBe('Content-Type text/plain is not accepted: the body must be multipart/form-data');
  });
});

describe('a JSON body with a prototype key', () => {
  it.each([
    ['__proto__', '{"platform":"local","__proto__":{"admin":true}}'],
    ['constructor.prototype', '[{"platform":"local","constructor":{"prototype":{"admin":true}}}]'],
  ])('is refused with a 400 naming the key (%s), not as bad JSON', async (_key, payload) => {
    const res = await server.inject({ method: 'POST', url: '/v1/messages', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'BAD_REQUEST', message: 'a key named __proto__, or constructor with a prototype key in it, is not accepted in a JSON body' },
    });
  });

  it('a constructor key without a prototype in it is an ordinary key', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/v1/messages',
      payload: '{"platform":"local","constructor":{"x":1}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).not.toMatch(/constructor with a prototype|not valid JSON/);
  });
});
