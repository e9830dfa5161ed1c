/**
 * Files posted with a message to the local ingest are kept in the document storage as
 * `inbox-<sha256>` until the message's command has read them (a PDF sent to the bot becomes a
 * document of its own, under its own key). Nothing else reads them, so once no message waiting for
 * its command refers to one, it is removed: hourly, and only when it was last written more than
 * an hour ago, which covers the moment between the ingest's write and its message's commit (the
 * same file posted again is written again, so it is young again).
 */
import { z } from 'zod';
import { INBOX_PREFIX } from '../../adapters/local/parse.ts';
import type { Logger } from '../../core/logger.ts';
import type { Database } from '../../db/client.ts';
import { inboxKeysInUse } from '../../db/queries/inbox.ts';
import { defineJob, type JobHandler } from '../../jobs/define.ts';
import type { DocumentStorage, ListedObject } from '../documents/storage.ts';

export const inboxCleanupJob = defineJob({ name: 'inbox-cleanup', queue: 'maintenance', schema: z.object({}).strict(), attempts: 1, backoffMs: 1_000 });

export const INBOX_CLEANUP_EVERY_MS = 3_600_000;
/** How long a file stays whatever the queue says. */
export const INBOX_GRACE_MS = 3_600_000;
/** Keys checked against the queue in one statement. */
const PAGE = 500;

export interface InboxCleanupDeps {
  database: Database;
  storage: DocumentStorage;
  log: Logger;
}

export function inboxCleanupHandler(deps: InboxCleanupDeps): JobHandler<Record<string, never>> {
  return async () => {
    await removeUnusedInboxFiles(deps);
  };
}

/**
 * Removes the inbox files written before `now - graceMs` that no waiting command refers to;
 * `now` is the wall clock, as the storage's times are. Returns how many it removed and kept.
 */
export async function removeUnusedInboxFiles(
  deps: InboxCleanupDeps,
  { graceMs = INBOX_GRACE_MS, now = Date.now() }: { graceMs?: number; now?: number } = {},
): Promise<{ removed: number; kept: number }> {
  const before = now - graceMs;
  const counts = { removed: 0, kept: 0 };
  let page: ListedObject[] = [];
  const settle = async () => {
    const inUse = await inboxKeysInUse(
      deps.database.sql,
      page.map((o) => o.key),
    );
    for (const o of page) {
      if (inUse.has(o.key)) counts.kept += 1;
      else {
        await deps.storage.delete(o.key);
        counts.removed += 1;
      }
    }
    page = [];
  };
  for await (const o of deps.storage.list(INBOX_PREFIX)) {
    if (o.modifiedAt.getTime() >= before) counts.kept += 1;
    else page.push(o);
    if (page.length >= PAGE) await settle();
  }
  await settle();
  if (counts.removed > 0) deps.log.info(counts, 'removed inbox files no command needs');
  return counts;
}
