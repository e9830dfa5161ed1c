/**
 * `npm start`: the HTTP server, the adapters and the in-process loop. Config is checked first; a
 * bad variable stops the start with its name. SIGHUP reloads the org and playbook files; SIGTERM
 * and SIGINT close gracefully.
 */
import { loadConfig } from '../core/config.ts';
import { toAppError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { createApp } from './app.ts';
import { buildServer } from './http/server.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${toAppError(err).message}\n`);
    process.exit(2);
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  const app = await createApp({ config, log });
  const server = buildServer(app);
  await server.listen({ host: config.HOST, port: config.PORT });
  log.info({ db: app.database.kind, role: app.role, platforms: app.adapters.sendPlatforms }, 'dealwise is up');

  process.on('SIGHUP', () => {
    app.reload().then(
      () => log.info('org and playbook reloaded'),
      (err) => log.error({ err }, 'reload failed; keeping the previous org and playbook'),
    );
  });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  const e = toAppError(err);
  process.stderr.write(`dealwise failed to start: ${e.code}: ${e.message}\n`);
  process.exit(1);
});
