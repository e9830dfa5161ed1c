/**
 * Prometheus metrics (prom-client), one registry per app. Counters are per process, as
 * Prometheus expects: scrape the web processes and the workers alike. Queue depths, the dead
 * letters (jobs that failed for good, waiting for the sweep to run them again), how long the
 * oldest waiting job has waited, and the event loop's lag are read at scrape time.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueStats } from '../jobs/define.ts';

export interface Metrics {
  registry: Registry;
  messagesIngested: Counter<'platform' | 'outcome'>;
  messagesAnalyzed: Counter<'outcome'>;
  ingestBatch: Histogram<never>;
  analysisBatch: Histogram<never>;
  actionsDetected: Counter<'kind'>;
  nudgesCreated: Counter<'rule'>;
  deliveriesSent: Counter<'platform' | 'kind'>;
  sendErrors: Counter<'platform' | 'code'>;
  timersFired: Counter<'outcome'>;
  sweepsRun: Counter<never>;
  sweeps: Counter<'found'>;
  deadLettersRetried: Counter<'queue'>;
}

/** One read of the queues serves every gauge of a scrape. */
const STATS_FRESH_MS = 1_000;

export function createMetrics(queueStats?: () => Promise<QueueStats>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dealwise_' });
  let cached: { at: number; stats: Promise<QueueStats> } | null = null;
  const stats = (): Promise<QueueStats> | null => {
    if (!queueStats) return null;
    if (!cached || Date.now() - cached.at > STATS_FRESH_MS) cached = { at: Date.now(), stats: queueStats() };
    return cached.stats;
  };
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  new Gauge({
    name: 'dealwise_event_loop_lag_p99_seconds',
    help: "The event loop's delay, 99th percentile since the last scrape.",
    registers: [registry],
    collect() {
      this.set(lag.percentile(99) / 1e9);
      lag.reset();
    },
  });
  new Gauge({
    name: 'dealwise_queue_jobs',
    help: 'Jobs per queue and state (waiting, delayed, active, failed: failed for good, the dead letters).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      try {
        for (const [queue, s] of Object.entries((await stats()) ?? {})) {
          for (const state of ['waiting', 'delayed', 'active', 'failed'] as const) this.set({ queue, state }, s[state]);
        }
      } catch {
        // Redis down: /readyz says so; the gauges keep their last values.
      }
    },
  });
  new Gauge({
    name: 'dealwise_dead_letter_jobs',
    help: 'Jobs that failed for good, per queue: the sweep runs them again after a backoff (up to an hour); those that can never succeed stay until removed.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      try {
        for (const [queue, s] of Object.entries((await stats()) ?? {})) this.set({ queue }, s.failed);
      } catch {
        // As above.
      }
    },
  });
  new Gauge({
    name: 'dealwise_queue_oldest_waiting_seconds',
    help: 'How long the oldest job waiting to start has waited, per queue; /readyz fails past QUEUE_STUCK_MS.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      try {
        for (const [queue, s] of Object.entries((await stats()) ?? {})) this.set({ queue }, s.oldestWaitingMs / 1_000);
      } catch {
        // As above.
      }
    },
  });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    messagesIngested: counter('dealwise_messages_ingested_total', 'Messages received, by outcome (stored, duplicate, refused).', ['platform', 'outcome']),
    messagesAnalyzed: counter('dealwise_messages_analyzed_total', 'Customer-chat messages analysed (ok) or skipped after an analysis error (error).', [
      'outcome',
    ]),
    ingestBatch: new Histogram({
      name: 'dealwise_ingest_batch_messages',
      help: 'Messages per ingest transaction (group commit).',
      buckets: [1, 5, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    analysisBatch: new Histogram({
      name: 'dealwise_analysis_batch_messages',
      help: 'Messages per analysis batch.',
      buckets: [1, 5, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    actionsDetected: counter('dealwise_actions_detected_total', 'Key actions detected, by kind.', ['kind']),
    nudgesCreated: counter('dealwise_nudges_created_total', 'Nudges created, by rule.', ['rule']),
    deliveriesSent: counter('dealwise_deliveries_sent_total', 'Messages delivered on a platform: nudges, answers, cards.', ['platform', 'kind']),
    sendErrors: counter('dealwise_platform_send_errors_total', 'Failed platform sends, by error code.', ['platform', 'code']),
    timersFired: counter('dealwise_timers_total', 'Due timers handled: fired (a nudge), expired (silent), cancelled.', ['outcome']),
    sweepsRun: counter('dealwise_sweeps_total', 'Sweeps run to the end (each holding the sweep lock; a sweep that found it taken is not counted).', []),
    sweeps: counter('dealwise_sweep_found_total', 'Unfinished work the sweep dispatched again, by kind.', ['found']),
    deadLettersRetried: counter('dealwise_dead_letters_retried_total', 'Jobs that had failed for good and that the sweep ran again, per queue.', ['queue']),
  };
}
