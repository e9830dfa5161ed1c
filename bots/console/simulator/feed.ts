/**
 * The local adapter's sends, as they happen, for the simulator's open streams. The sends are made
 * by whichever process runs the send job (this one when embedded, a worker on PostgreSQL + Redis),
 * so the web process learns of them from the deliveries table: one poller per process, one query
 * per interval on the (platform, sent_at) index, and only while someone is watching.
 *
 * Why polling and not LISTEN/NOTIFY: it works the same on PGlite and PostgreSQL, needs no trigger
 * (no migration) and no change to the send path, and its cost is one indexed query per interval
 * per web process however many pages are open. The price is up to one interval of delay.
 *
 * `sent_at` is stamped before the row commits, so a row can appear with a time a little older than
 * one already seen: every poll looks back OVERLAP_MS and what was already published is skipped.
 */
import type { Db } from '../../../db/client.ts';
import { type LocalSent, latestLocalSentAt, localSentSince } from '../../../db/queries/simulator.ts';

const OVERLAP_MS = 30_000;
const PAGE = 1000;

export type FeedListener = (sent: LocalSent) => void;

export interface DeliveryFeed {
  /**
   * Calls `listener` with every send about one of `conversationIds` from now on. Resolves once the
   * feed knows where "now" is, so a caller that reads the history after it misses nothing.
   */
  subscribe(conversationIds: readonly string[], listener: FeedListener): Promise<() => void>;
  /** Stops polling for good. */
  stop(): void;
}

export function createDeliveryFeed(deps: { db: Db; intervalMs: number; log: { warn(obj: object, msg: string): void } }): DeliveryFeed {
  const byConversation = new Map<string, Set<FeedListener>>();
  let cursor: Date | null = null;
  /** Published ids within the look-back window, with their sent_at. */
  const seen = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  let stopped = false;
  let listeners = 0;

  const publish = (rows: LocalSent[]) => {
    for (const r of rows) {
      if (seen.has(r.id)) continue;
      seen.set(r.id, r.sentAt.getTime());
      if (!cursor || r.sentAt > cursor) cursor = r.sentAt;
      for (const l of (r.about && byConversation.get(r.about)) || []) {
        try {
          l(r);
        } catch (err) {
          deps.log.warn({ err }, 'simulator listener failed');
        }
      }
    }
    const floor = (cursor?.getTime() ?? 0) - OVERLAP_MS;
    for (const [id, t] of seen) if (t < floor) seen.delete(id);
  };

  const poll = async () => {
    if (cursor === null) {
      // Where "now" is: what was sent before is each stream's history, read by the stream itself,
      // so the rows of the look-back window count as already published.
      const latest = (await latestLocalSentAt(deps.db)) ?? new Date(0);
      for (const r of await localSentSince(deps.db, new Date(latest.getTime() - OVERLAP_MS), PAGE)) seen.set(r.id, r.sentAt.getTime());
      cursor = latest;
      return;
    }
    for (;;) {
      const rows = await localSentSince(deps.db, new Date(cursor.getTime() - OVERLAP_MS), PAGE);
      publish(rows);
      if (rows.length < PAGE || stopped) return;
    }
  };

  const tick = (): Promise<void> => {
    polling ??= poll()
      .catch((err) => deps.log.warn({ err }, 'simulator feed poll failed'))
      .finally(() => {
        polling = null;
      });
    return polling;
  };

  const schedule = () => {
    if (stopped || listeners === 0 || timer) return;
    timer = setTimeout(async () => {
      await tick();
      timer = null;
      schedule();
    }, deps.intervalMs);
    timer.unref();
  };

  return {
    async subscribe(conversationIds, listener) {
      for (const id of conversationIds) {
        let set = byConversation.get(id);
        if (!set) {
          set = new Set();
          byConversation.set(id, set);
        }
        set.add(listener);
      }
      listeners++;
      if (cursor === null) await tick();
      if (cursor === null) await tick(); // a poll that was already running when we came
      schedule();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        listeners--;
        for (const id of conversationIds) {
          const set = byConversation.get(id);
          set?.delete(listener);
          if (set?.size === 0) byConversation.delete(id);
        }
        if (listeners === 0 && timer) {
          clearTimeout(timer);
          timer = null;
          // Nobody watches: the next watcher starts from its own "now".
          cursor = null;
          seen.clear();
        }
      };
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
