/** Platform webhooks: each adapter's routes, given the raw body (signatures are computed over it). */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isHttpAdapter } from '../../adapters.ts';
import type { App } from '../../app.ts';

export function registerWebhooks(server: FastifyInstance, app: App): void {
  server.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    for (const adapter of app.adapters.all.filter(isHttpAdapter)) {
      for (const route of adapter.routes()) {
        hooks.route({
          method: route.method,
          url: route.url,
          // The signature is checked before anything is read; the adapter's parse then refuses unstorable text.
          config: { ownTextChecks: true },
          handler: async (req, reply: FastifyReply) => {
            const res = await route.handler({
              headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v])),
              query: req.query as Record<string, string | undefined>,
              rawBody: typeof req.body === 'string' ? req.body : '',
            });
            if (res.headers) reply.headers(res.headers);
            return reply.status(res.status).send(res.body);
          },
        });
      }
    }
  });
}
