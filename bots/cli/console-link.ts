/**
 * `dealwise console-link <person>`: a one-time sign-in link to the web console for a person of
 * the directory (by id or name), printed on stdout, for the first admin before anyone can ask the
 * bot for one with `/console`. Loads the org files first, as `npm start` does. On the embedded
 * database it runs before `npm start` (PGlite is one process: it refuses a folder the server
 * holds); on PostgreSQL, any time.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { toAppError } from '../../core/errors.ts';
import { openDatabase } from '../../db/client.ts';
import { writeAudit } from '../../db/queries/console.ts';
import { loadCatalog } from '../catalog/catalog.ts';
import { syncCatalogFiles } from '../catalog/sync.ts';
import { consoleBaseUrl, createConsoleLink } from '../console/links.ts';

export function registerConsoleLink(program: Command): void {
  program
    .command('console-link')
    .description('print a one-time sign-in link to the web console (valid 10 minutes, single use)')
    .argument('<person>', 'the person, by id or name, as in the org file')
    .action(async (who: string) => {
      let database: Awaited<ReturnType<typeof openDatabase>> | null = null;
      try {
        const config = loadConfig();
        database = await openDatabase({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.DATA_DIR });
        await syncCatalogFiles(database.db, { orgFile: config.ORG_FILE, playbookFile: config.PLAYBOOK_FILE, atomsFile: config.ATOMS_FILE });
        const catalog = await loadCatalog(database.db);
        const person = catalog.person(who) ?? [...catalog.people].find((p) => p.name === who) ?? null;
        if (!person?.active) {
          process.stderr.write(`console-link: no active person "${who}" in the directory (${config.ORG_FILE})\n`);
          process.exitCode = 1;
          return;
        }
        const now = new Date();
        const link = await createConsoleLink(database.db, { personId: person.id, via: 'cli', now, baseUrl: consoleBaseUrl(config) });
        await writeAudit(database.db, { at: now, personId: person.id, action: 'link.issue', subject: 'session', via: 'cli' });
        process.stdout.write(`${link.url}\n`);
        process.stderr.write(`console-link: for ${person.name} (${person.role}), valid until ${link.expiresAt.toISOString()}, once\n`);
      } catch (err) {
        process.stderr.write(`console-link: ${toAppError(err).message}\n`);
        process.exitCode = 1;
      } finally {
        await database?.close();
      }
    });
}
