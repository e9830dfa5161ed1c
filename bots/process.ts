/**
 * What `npm start` and `npm run worker` share as processes: the config checked first (a bad
 * variable exits with its name), SIGHUP reloading the org and playbook files, and SIGTERM/SIGINT
 * closing gracefully (running jobs finish or go back to the queue).
 */
import { loadConfig, type Config } from '../core/config.ts';
import { toAppError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { App } from './app.ts';

export interface Running {
  app: App;
  /** Closed before the app on shutdown (an HTTP server). */
  close(): Promise<void>;
}

export function runProcess(name: string, start: (config: Config, log: Logger) => Promise<Running>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${toAppError(err).message}\n`);
    process.exit(2);
  }
  const log = createLogger({ level: config.LOG_LEVEL, name });
  start(config, log).then(
    ({ app, close }) => {
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
        await close();
        await app.close();
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));
    },
    (err) => {
      const e = toAppError(err);
      process.stderr.write(`${name} failed to start: ${e.code}: ${e.message}\n`);
      process.exit(1);
    },
  );
}
