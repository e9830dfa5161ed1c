/**
 * Imports decrypted WeCom chat-archive records (会话内容存档), as WeCom's native archive SDK
 * yields them, through the same sink as live messages: stored once, analysed, coached. The whole
 * batch is validated first, so a malformed record rejects the batch and stores nothing.
 */
import type { InboundMessage } from '../core/types.ts';
import { AppError, toAppError } from '../core/errors.ts';
import type { Sink } from './ingest/sink.ts';
import { parseArchiveRecord } from '../adapters/wecom/archive.ts';
import type { Sql } from '../db/client.ts';
import { withdrawFromAnalysis } from '../db/queries/analysis.ts';

export interface ArchiveImportResult {
  stored: number;
  duplicate: number;
  skipped: Array<{ msgid: string; reason: string }>;
}

/** Parses every record; throws BAD_REQUEST naming the first bad record (0-based) and field. */
export function parseArchiveBatch(records: readonly unknown[]): {
  messages: InboundMessage[];
  skipped: ArchiveImportResult['skipped'];
  /** Recalls naming the msgid they withdraw, with their index in `skipped`. */
  recalls: Array<{ skipped: number; msgid: string }>;
} {
  const messages: InboundMessage[] = [];
  const skipped: ArchiveImportResult['skipped'] = [];
  const recalls: Array<{ skipped: number; msgid: string }> = [];
  records.forEach((record, i) => {
    let r: ReturnType<typeof parseArchiveRecord>;
    try {
      r = parseArchiveRecord(record);
    } catch (err) {
      const e = toAppError(err);
      throw new AppError('BAD_REQUEST', `record ${i}: ${e.message}`, { details: e.details });
    }
    if (r.status === 'message') messages.push(r.message);
    else {
      if (r.recalls) recalls.push({ skipped: skipped.length, msgid: r.recalls });
      skipped.push({ msgid: r.msgid, reason: r.reason });
    }
  });
  // Archives come in seq order; time order is what the loop's timers need.
  messages.sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
  return { messages, skipped, recalls };
}

/**
 * Keeps a withdrawn message (by its WeCom msgid) from being analysed, if it is stored and not
 * analysed yet; true when it was.
 */
export type Withdraw = (msgid: string) => Promise<boolean>;

/** The Withdraw of a WeCom archive's messages, stored by their msgid. */
export const withdrawWecom =
  (sql: Sql, now: () => Date): Withdraw =>
  (msgid) =>
    withdrawFromAnalysis(sql, { platform: 'wecom', platformMessageId: msgid, reason: 'recalled: withdrawn by its sender (WeCom archive recall)', now: now() });

/**
 * Stores the batch's messages, then applies its recalls: a withdrawn message still waiting for
 * analysis is taken off the queue (the recall may come in the same batch as the message or a
 * later one). One already analysed keeps what came of it; its recall's reason says so.
 */
export async function importArchive(
  sink: Sink,
  records: readonly unknown[],
  withdraw: Withdraw,
  { history = false }: { history?: boolean } = {},
): Promise<ArchiveImportResult> {
  const { messages, skipped, recalls } = parseArchiveBatch(records);
  // History (the CLI's backfill) updates deals but nudges nobody; the route's live feed coaches.
  if (history) for (const m of messages) m.backfill = true;
  const result: ArchiveImportResult = { stored: 0, duplicate: 0, skipped };
  const outcomes = await sink.messages(messages);
  // Refused records go after the parsed skips: appending moves none of them, so the recalls'
  // indexes into `skipped` still hold.
  outcomes.forEach((o, i) => {
    if (o.status === 'refused') skipped.push({ msgid: messages[i]!.messageId, reason: o.reason });
    else result[o.status]++;
  });
  for (const r of recalls) {
    const withdrawn = await withdraw(r.msgid);
    skipped[r.skipped]!.reason += withdrawn ? `; ${r.msgid} is kept from analysis` : `; ${r.msgid} was analysed already, or is not stored`;
  }
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
