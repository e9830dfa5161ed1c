/**
 * The analysis job's dependencies for the in-process benches (bench-analysis-db, bench-pipeline):
 * the default catalog loaded into the database, working hours round the clock (so no timer waits
 * for Monday), and a runner that dispatches nothing (sends are not measured).
 */
import { analyzeMessage } from '../../analyzers/index.ts';
import type { AnalysisDeps } from '../../bots/analysis/analyze-job.ts';
import { QUEUE_VACUUM_EVERY } from '../../bots/analysis/queue-vacuum.ts';
import { syncCatalogFiles } from '../../bots/catalog/sync.ts';
import { CatalogHolder } from '../../bots/catalog/watch.ts';
import { createMetrics } from '../../bots/metrics.ts';
import { systemClock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { Database } from '../../db/client.ts';
import type { JobRunner } from '../../jobs/define.ts';

export async function benchAnalysisDeps(
  database: Database,
  log: Logger,
  opts: { partitions: number; batchSize: number },
): Promise<{ catalog: CatalogHolder; deps: (db: Database) => AnalysisDeps }> {
  await syncCatalogFiles(database.db, { orgFile: 'config/org.yaml', playbookFile: 'config/playbooks.yaml', atomsFile: 'config/atoms.yaml' });
  const catalog = await CatalogHolder.open(database.db, log);
  const runner = { enqueue: async () => {}, enqueueMany: async () => {} } as unknown as JobRunner;
  const deps = (db: Database): AnalysisDeps => ({
    database: db,
    catalog,
    clock: systemClock,
    log,
    metrics: createMetrics(),
    runner,
    wh: { timeZone: 'Asia/Shanghai', start: '00:00', end: '23:59', days: [0, 1, 2, 3, 4, 5, 6] },
    sendPlatforms: ['local'],
    liveOnly: new Set(),
    partitions: opts.partitions,
    batchSize: opts.batchSize,
    drainWhilePending: false,
    nudgeMaxAgeMs: 86_400_000,
    dailyTouchLimit: 5,
    queueVacuumEvery: QUEUE_VACUUM_EVERY,
    analyze: analyzeMessage,
  });
  return { catalog, deps };
}
