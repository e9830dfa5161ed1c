/**
 * The HTTP ingest: normalized messages (the local adapter's way in) and decrypted WeCom
 * chat-archive records. Both go through the same sink as every platform; a batch is validated
 * whole first, so one bad message rejects the request and stores nothing.
 *
 * An ingest token may post customer and rep messages. A message written to the bot (`direct`: a
 * command, a feedback text) acts as its sender, so it needs an admin token: platform identities
 * come from the platforms. Text over MAX_TEXT_LENGTH is refused here (the caller can fix it),
 * where a platform's message is cut instead (bots/ingest/sink.ts).
 */
import type { FastifyInstance } from 'fastify';
import { parseLocalUpload } from '../../../adapters/local/parse.ts';
import { AppError, toAppError } from '../../../core/errors.ts';
import type { InboundMessage } from '../../../core/types.ts';
import type { App } from '../../app.ts';
import { importArchive, withdrawWecom } from '../../archive-import.ts';
import { requireScope } from '../auth.ts';

/** Most messages in one POST /v1/messages. */
export const MAX_BATCH = 500;
/** Most records in one POST /v1/wecom/archive. */
export const MAX_ARCHIVE_BATCH = 2000;

export function registerIngest(v1: FastifyInstance, app: App): void {
  v1.post('/v1/messages', { config: { scope: 'ingest', ownTextChecks: true } }, async (req, reply) => {
    const body = req.body;
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0 || items.length > MAX_BATCH) throw new AppError('BAD_REQUEST', `send 1 to ${MAX_BATCH} messages`);
    const now = app.clock.now().getTime();
    const uploads = items.map((item, i) => {
      try {
        return parseLocalUpload(item, app.config.MAX_TEXT_LENGTH, now);
      } catch (err) {
        const e = toAppError(err);
        throw new AppError(e.code, Array.isArray(body) ? `message ${i}: ${e.message}` : e.message, { details: e.details });
      }
    });
    const parsed: InboundMessage[] = uploads.map((u) => u.message);
    const at = (i: number) => (Array.isArray(body) ? `message ${i}: ` : '');
    for (const [i, m] of parsed.entries()) {
      if (m.platform === 'local' && !app.config.LOCAL_ADAPTER) {
        throw new AppError('UNKNOWN_PLATFORM', `${at(i)}platform local: the local adapter is off (LOCAL_ADAPTER)`);
      }
      if (m.direct) requireScope(req.grant!, 'admin', `${at(i)}a message to the bot acts as its sender`);
    }
    // Inline files (a PDF sent to the bot) are kept before their message is: the command job reads them.
    for (const f of uploads.flatMap((u) => u.files)) await app.documents.storage.put(f.key, f.body, { contentType: 'application/octet-stream' });
    const results = await app.sink.messages(parsed);
    return reply.status(200).send({ results: results.map((r, i) => ({ messageId: parsed[i]!.messageId, ...r })) });
  });

  // A record with unstorable text is skipped with its reason (importArchive), not the whole batch refused.
  v1.post('/v1/wecom/archive', { config: { scope: 'ingest', ownTextChecks: true } }, async (req) => {
    const body = req.body;
    const records = Array.isArray(body) ? body : [body];
    if (records.length === 0 || records.length > MAX_ARCHIVE_BATCH) throw new AppError('BAD_REQUEST', `send 1 to ${MAX_ARCHIVE_BATCH} records`);
    return importArchive(
      app.sink,
      records,
      withdrawWecom(app.database.sql, () => app.clock.now()),
    );
  });
}
