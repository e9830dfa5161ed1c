/**
 * Prometheus metrics (prom-client), one registry per app. Counters are per process, as
 * Prometheus expects: scrape the web processes and the workers alike. Queue depths are read
 * from the queue at scrape time.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  messagesIngested: Counter<'platform' | 'outcome'>;
  actionsDetected: Counter<'kind'>;
  nudgesSent: Counter<'platform'>;
  sendErrors: Counter<'platform' | 'code'>;
  queueJobs: Gauge<'queue' | 'state'>;
}

export function createMetrics(queueCounts?: () => Promise<Record<string, Record<string, number>>>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dealwise_' });
  return {
    registry,
    messagesIngested: new Counter({
      name: 'dealwise_messages_ingested_total',
      help: 'Messages received, by outcome (stored or duplicate).',
      labelNames: ['platform', 'outcome'],
      registers: [registry],
    }),
    actionsDetected: new Counter({
      name: 'dealwise_actions_detected_total',
      help: 'Key actions detected, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    nudgesSent: new Counter({ name: 'dealwise_nudges_sent_total', help: 'Nudges delivered to reps.', labelNames: ['platform'], registers: [registry] }),
    sendErrors: new Counter({
      name: 'dealwise_platform_send_errors_total',
      help: 'Failed platform sends, by error code.',
      labelNames: ['platform', 'code'],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'dealwise_queue_jobs',
      help: 'Jobs per queue and state (waiting, delayed, active, failed).',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        if (!queueCounts) return;
        try {
          for (const [queue, states] of Object.entries(await queueCounts())) {
            for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
          }
        } catch {
          // Redis down: /readyz says so; the gauges keep their last values.
        }
      },
    }),
  };
}
