/**
 * Imports decrypted WeCom chat-archive records (会话内容存档), as WeCom's native archive SDK
 * yields them, through the same sink as live messages: stored once, analysed, coached. The whole
 * batch is validated first, so a malformed record rejects the batch and stores nothing.
 */
import type { InboundMessage } from '../core/types.ts';
import { AppError, toAppError } from '../core/errors.ts';
import type { Sink } from './ingest/sink.ts';
import { parseArchiveRecord } from '../adapters/wecom/archive.ts';

export interface ArchiveImportResult {
  stored: number;
  duplicate: number;
  skipped: Array<{ msgid: string; reason: string }>;
}

/** Parses every record; throws BAD_REQUEST naming the first bad record (0-based) and field. */
export function parseArchiveBatch(records: readonly unknown[]): { messages: InboundMessage[]; skipped: ArchiveImportResult['skipped'] } {
  const messages: InboundMessage[] = [];
  const skipped: ArchiveImportResult['skipped'] = [];
  records.forEach((record, i) => {
    let r: ReturnType<typeof parseArchiveRecord>;
    try {
      r = parseArchiveRecord(record);
    } catch (err) {
      const e = toAppError(err);
      throw new AppError('BAD_REQUEST', `record ${i}: ${e.message}`, { details: e.details });
    }
    if (r.status === 'message') messages.push(r.message);
    else skipped.push({ msgid: r.msgid, reason: r.reason });
  });
  // Archives come in seq order; time order is what the loop's timers need.
  messages.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
  return { messages, skipped };
}

export async function importArchive(sink: Sink, records: readonly unknown[]): Promise<ArchiveImportResult> {
  const { messages, skipped } = parseArchiveBatch(records);
  const result: ArchiveImportResult = { stored: 0, duplicate: 0, skipped };
  const outcomes = await sink.messages(messages);
  outcomes.forEach((o, i) => {
    if (o.status === 'refused') skipped.push({ msgid: messages[i]!.messageId, reason: o.reason });
    else result[o.status]++;
  });
  return result;
}

/** JSON lines (one record a line) or one JSON array, as archive exports come either way. */
export function readArchiveText(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown[];
    } catch (err) {
      throw new AppError('BAD_REQUEST', `not valid JSON: ${(err as Error).message}`);
    }
  }
  return trimmed
    .split('\n')
    .map((line, i) => [line.trim(), i] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, i]) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new AppError('BAD_REQUEST', `line ${i + 1}: not valid JSON`);
      }
    });
}
