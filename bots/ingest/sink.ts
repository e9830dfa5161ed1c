/**
 * The sink every adapter hands its messages to. A message is checked (the same bounds on every
 * path), grouped with whatever else arrives meanwhile, stored in one transaction, and only then
 * answered: `stored`, `duplicate` or `refused(reason)`. A batch dispatches its work after the
 * commit, one job per analysis partition it touched and one per command, without holding the
 * answer for it; if that dispatch fails (Redis down, the process killed) the sweep finds the
 * messages in the database. The sink throws only when the
 * message could not be stored, and the adapter then leaves it for the platform to redeliver.
 *
 * Text over MAX_TEXT_LENGTH is cut with a marker (core/text.ts `clampText`), not refused: a
 * platform's message must be acknowledged and the writer cannot be asked again. (The HTTP ingest
 * of normalized messages refuses it before it gets here.) Messages and presses of the `local`
 * platform are refused unless the local adapter is on.
 */
import type { IngestResult, InboundSink } from '../../adapters/types.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, toAppError } from '../../core/errors.ts';
import { checkInbound, checkPress } from '../../core/inbound.ts';
import { clampText } from '../../core/text.ts';
import type { Logger } from '../../core/logger.ts';
import type { InboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import type { JobRunner } from '../../jobs/define.ts';
import { analyzeJob } from '../analysis/analyze-job.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { commandJob } from '../commands/command-job.ts';
import { applyPress, type PressDeps } from '../commands/presses.ts';
import type { Metrics } from '../metrics.ts';
import { Batcher } from './batcher.ts';
import { partitionOf } from './slots.ts';
import { type StoreOutcome, storeMessages } from './store.ts';

export interface SinkDeps extends PressDeps {
  log: Logger;
  metrics: Metrics;
  runner: JobRunner;
  clock: Clock;
  database: Database;
  catalog: CatalogHolder;
  maxTextLength: number;
  /** Whether messages and presses of the `local` platform are taken (LOCAL_ADAPTER). */
  localAdapter: boolean;
  partitions: number;
  batchSize: number;
}

export interface Sink extends InboundSink {
  /** Several messages at once (an HTTP batch, an archive import): one answer each, in order. */
  messages(msgs: readonly InboundMessage[]): Promise<IngestResult[]>;
  /** Resolves when no batch is being written and every dispatch has reached the queue. */
  idle(): Promise<void>;
}

export function createSink(deps: SinkDeps): Sink {
  /** Dispatches still on their way to the queue: `idle()` waits for them too. */
  const dispatching = new Set<Promise<void>>();
  const batcher = new Batcher<InboundMessage, StoreOutcome>(async (batch, urgent) => {
    const outcomes = await storeMessages(urgent ? deps.database.urgent : deps.database, deps.catalog.current, deps.clock.now(), batch);
    deps.metrics.ingestBatch.observe(batch.length);
    // Answered once stored, without waiting for the queue: the messages are in message_queue, so
    // a dispatch lost with this process (or with Redis) is the sweep's. A platform waiting for
    // its ack then waits for one round trip less (to Redis, on a loaded machine a wait for the
    // scheduler as well).
    const d = dispatch(deps, outcomes).finally(() => dispatching.delete(d));
    dispatching.add(d);
    return outcomes;
  }, deps.batchSize);

  /** `urgent`: a platform's single delivery, whose answer the platform waits for (see Batcher). */
  const one = async (given: InboundMessage, urgent: boolean): Promise<IngestResult> => {
    const msg = given.text.length > deps.maxTextLength ? { ...given, text: clampText(given.text, deps.maxTextLength) } : given;
    try {
      if (msg.platform === 'local' && !deps.localAdapter) throw new AppError('UNKNOWN_PLATFORM', 'platform local: the local adapter is off');
      checkInbound(msg, deps.maxTextLength, deps.clock.now().getTime());
    } catch (err) {
      deps.metrics.messagesIngested.inc({ platform: msg.platform, outcome: 'refused' });
      return { status: 'refused', reason: toAppError(err).message };
    }
    const outcome = await batcher.add(msg, urgent);
    deps.metrics.messagesIngested.inc({ platform: msg.platform, outcome: outcome.status });
    return outcome.status === 'stored' ? { status: 'stored', id: outcome.id } : { status: 'duplicate' };
  };

  return {
    message: (msg) => one(msg, true),
    messages: (msgs) => Promise.all(msgs.map((m) => one(m, false))),
    press: async (press) => {
      if (press.platform === 'local' && !deps.localAdapter) return { status: 'refused', reason: 'platform local: the local adapter is off' };
      try {
        checkPress(press, deps.clock.now().getTime());
      } catch (err) {
        return { status: 'refused', reason: toAppError(err).message };
      }
      return applyPress(deps, press);
    },
    idle: async () => {
      await batcher.idle();
      await Promise.all(dispatching);
    },
  };
}

async function dispatch(deps: SinkDeps, outcomes: readonly StoreOutcome[]): Promise<void> {
  const partitions = new Set<number>();
  const commands: string[] = [];
  for (const o of outcomes) {
    if (o.status !== 'stored') continue;
    if (o.direct) commands.push(o.id);
    else partitions.add(partitionOf(o.slot, deps.partitions));
  }
  try {
    await deps.runner.enqueueMany(
      analyzeJob,
      [...partitions].map((partition) => ({ payload: { partition } })),
    );
    await deps.runner.enqueueMany(
      commandJob,
      commands.map((messageId) => ({ payload: { messageId }, opts: { jobId: `command-${messageId}` } })),
    );
  } catch (err) {
    deps.log.warn({ err: toAppError(err).message }, 'analysis not dispatched; the sweep will pick it up');
  }
}
