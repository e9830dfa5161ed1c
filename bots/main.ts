/**
 * `npm start`: the HTTP server and the adapters; everything else too on the embedded default,
 * or the web role (HTTP, adapters, sends) with REDIS_URL.
 */
import { createApp } from './app.ts';
import { assertSafeExposure } from './http/auth.ts';
import { buildServer } from './http/server.ts';
import { runProcess } from './process.ts';

runProcess('dealwise', async (config, log) => {
  // Before anything opens: a public HOST with no API token is refused, naming the variable.
  assertSafeExposure(config);
  const app = await createApp({ config, log });
  const server = buildServer(app);
  await server.listen({ host: config.HOST, port: config.PORT });
  log.info({ db: app.database.kind, role: app.role, platforms: app.adapters.sendPlatforms }, 'dealwise is up');
  return { app, close: () => server.close() };
});
