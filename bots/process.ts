/**
 * What `npm start` and `npm run worker` share as processes: the config checked first (a bad
 * variable exits with its name), SIGHUP reloading the org and playbook files, and SIGTERM/SIGINT
 * closing gracefully (running jobs finish or go back to the queue) within a deadline: whatever
 * still hangs after SHUTDOWN_DEADLINE_MS and a grace to close connections is cut off (a second
 * signal cuts it off at once). Work cut off is unfinished in the database, and the sweep of the
 * next process takes it up.
 */
import { loadConfig, type Config } from '../core/config.ts';
import { toAppError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import type { App } from './app.ts';

/** Beyond SHUTDOWN_DEADLINE_MS, for closing the server, adapters and database after the jobs. */
export const SHUTDOWN_GRACE_MS = 5_000;

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
    refuse(name, err);
  }
  const log = createLogger({ level: config.LOG_LEVEL, name });
  // Node's own report of a crash prints the whole error object to stderr, and a failed query's
  // error carries its parameters (customer text, raw payloads). The same exit, through the
  // logger and its redaction instead; the state after such a failure is unknown, so the process
  // still ends and the sweep of the next one takes up what it left unfinished.
  const crash = (what: string) => (err: unknown) => {
    log.fatal({ err }, `${what}: exiting`);
    process.exit(1);
  };
  process.on('unhandledRejection', crash('unhandled rejection'));
  process.on('uncaughtException', crash('uncaught exception'));
  // SIGTERM and SIGINT are taken from the start: one that arrives while the process is still
  // starting (a deploy that stops it at once) shuts it down once started, by the same deadline,
  // instead of killing it mid-start with no exit code.
  const started = start(config, log);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    log.info({ signal, deadlineMs: config.SHUTDOWN_DEADLINE_MS }, 'shutting down');
    setTimeout(() => {
      log.error({ deadlineMs: config.SHUTDOWN_DEADLINE_MS + SHUTDOWN_GRACE_MS }, 'shutdown deadline passed: exiting with work unfinished');
      process.exit(1);
    }, config.SHUTDOWN_DEADLINE_MS + SHUTDOWN_GRACE_MS).unref();
    try {
      const { app, close } = await started;
      await close();
      await app.close();
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  started.then(
    ({ app }) => {
      process.on('SIGHUP', () => {
        app.reload().then(
          () => log.info('org and playbook reloaded'),
          (err) => log.error({ err }, 'reload failed; keeping the previous org and playbook'),
        );
      });
    },
    (err) => refuse(name, err),
  );
}

/**
 * One line and one exit code for a start that failed: 2 for any configuration refusal (the
 * schema's, a public HOST with no token, an adapter's credentials), wherever it was found, so a
 * process manager can tell a config to fix from a crash to retry; 1 for anything else.
 */
function refuse(name: string, err: unknown): never {
  const e = toAppError(err);
  process.stderr.write(`${name} failed to start: ${e.code}: ${e.message}\n`);
  process.exit(e.code === 'CONFIG_INVALID' ? 2 : 1);
}
