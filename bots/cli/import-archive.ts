/**
 * `dealwise import-archive FILE`: decrypted WeCom chat-archive records (JSON lines or one JSON
 * array, as the archive SDK's output is usually saved) through the same sink as live messages.
 * The file is validated whole first: a malformed record stops the import before anything is
 * stored. Embedded default: analysed here before exit (stop `npm start` first: PGlite is one
 * process's, and the command refuses a folder the server holds); the nudges are sent when the
 * server starts. With REDIS_URL: queued for the workers.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type App, createApp } from '../app.ts';
import { importArchive, readArchiveText, withdrawWecom } from '../archive-import.ts';
import { loadConfig } from '../../core/config.ts';
import { toAppError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';

export function registerImportArchive(program: Command): void {
  program
    .command('import-archive')
    .description('import decrypted WeCom chat-archive records (JSON lines or a JSON array; - for stdin)')
    .argument('<file>', 'the records file, or - for standard input')
    .action(async (file: string) => {
      let records: unknown[];
      try {
        const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
        records = readArchiveText(text);
      } catch (err) {
        process.stderr.write(`import-archive: ${toAppError(err).message}\n`);
        process.exitCode = 1;
        return;
      }
      let app: App;
      try {
        const config = loadConfig();
        app = await createApp({
          config,
          log: createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL }),
          startAdapters: false,
          // Embedded: analyse here; nudges wait as pending deliveries for the server, which sends
          // them at start. With REDIS_URL everything is left to the workers.
          consume: config.REDIS_URL ? [] : ['analyze-partition'],
        });
      } catch (err) {
        // A database it cannot open (the server holds the embedded one): one line, nothing stored.
        process.stderr.write(`import-archive: ${toAppError(err).message}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        const result = await importArchive(
          app.sink,
          records,
          withdrawWecom(app.database.sql, () => app.clock.now()),
          { history: true },
        );
        await app.drain();
        process.stdout.write(
          `${JSON.stringify({ stored: result.stored, duplicate: result.duplicate, skipped: result.skipped.length, skippedReasons: result.skipped })}\n`,
        );
      } catch (err) {
        process.stderr.write(`import-archive: ${toAppError(err).message}\n`);
        process.exitCode = 1;
      } finally {
        await app.close();
      }
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
