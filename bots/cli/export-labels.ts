/**
 * `dealwise export-labels [FILE]`: the labels the team's confirmations and corrections produced,
 * as JSON lines for `npm run train -- --labels FILE` (analyzers/corpus/team-labels.ts describes
 * the format). Each line is a partial label on one message: it says whether that message carries
 * one action, and nothing about the others.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { toAppError } from '../../core/errors.ts';
import { openDatabase } from '../../db/client.ts';
import { teamLabelLines } from '../deals/labels.ts';

export function registerExportLabels(program: Command): void {
  program
    .command('export-labels')
    .description('write the labels confirmations and corrections produced, as JSON lines (stdout or FILE)')
    .argument('[file]', 'where to write them; stdout when omitted')
    .action(async (file: string | undefined) => {
      let database: Awaited<ReturnType<typeof openDatabase>> | null = null;
      try {
        const config = loadConfig();
        database = await openDatabase({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.DATA_DIR });
        const lines = await teamLabelLines(database.sql);
        const out = lines.length > 0 ? `${lines.join('\n')}\n` : '';
        if (file) {
          await writeFile(file, out);
          process.stderr.write(`export-labels: ${lines.length} labels written to ${file}\n`);
        } else process.stdout.write(out);
      } catch (err) {
        process.stderr.write(`export-labels: ${toAppError(err).message}\n`);
        process.exitCode = 1;
      } finally {
        await database?.close();
      }
    });
}
