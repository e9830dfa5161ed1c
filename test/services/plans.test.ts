/**
 * The hot path's prepared statements follow the data: a statement first run on empty tables must
 * not keep the plan made then (on this CI server, with autovacuum off, nothing would ever replace
 * it: the conversations read became a sequential scan at 8 ms a call).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../db/client.ts';
import { loadConversations, loadDealsForUpdate, loadPendingConfirmations, loadRecentNudges } from '../../db/queries/analysis.ts';
import { chatIdsOf } from '../../db/queries/deliveries.ts';
import { titleConversations } from '../../db/queries/ingest.ts';
import { createTestDatabase } from './pg.ts';

describe('prepared statements on PostgreSQL', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    // One connection, so the statement's counters below are those of the session that ran it.
    database = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false, poolSize: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('plans every run for the data it meets: a batch read first run on an empty table keeps no generic plan', async () => {
    // A batch's worth of ids, as the analysis asks: on an empty table a scan is the cheaper plan.
    const ids = Array.from({ length: 300 }, (_, i) => `local:c-${i}`);
    for (let i = 0; i < 8; i++) await loadConversations(database.sql, ids);
    await database.sql.query(
      `insert into conversations (id, platform, chat_id, chat_type, created_at)
       select 'local:c-' || i, 'local', 'c-' || i, 'group', now() from generate_series(1, 20000) i`,
    );
    const found = await loadConversations(database.sql, ['local:c-7', 'local:c-19999']);
    expect(found.map((c) => c.id).sort()).toEqual(['local:c-19999', 'local:c-7']);
    const [stats] = await database.sql.query<{ generic: string; custom: string }>(
      `select generic_plans::text as generic, custom_plans::text as custom from pg_prepared_statements
       where statement like '%from conversations where id = u.id limit 1) c'`,
    );
    expect(stats).toEqual({ generic: '0', custom: '9' });
    const [settings] = await database.sql.query<{ jit: string }>(`select current_setting('jit') as jit`);
    expect(settings?.jit).toBe('off');
  });

  it("reads a batch's conversations by their ids with a probe each, not a scan of the table", async () => {
    // 20,000 conversations (from the test above) and a batch's few hundred ids: at the default cost
    // of a random page the planner priced that many probes above reading the whole table.
    const ids = Array.from({ length: 300 }, (_, i) => `local:c-${i * 61 + 1}`);
    const rows = ids.map((id) => ({
      id,
      platform: 'local' as const,
      chat_id: id.slice(6),
      chat_type: 'group' as const,
      direct: false,
      title: 'x',
      created_at: new Date().toISOString(),
    }));
    const scans = await database.transaction(async (tx) => {
      await loadConversations(tx, ids);
      await loadDealsForUpdate(tx, ids);
      await loadRecentNudges(tx, ids, new Date(0));
      await loadPendingConfirmations(tx, ids);
      expect((await chatIdsOf(tx, ids)).size).toBe(300);
      await titleConversations(tx, rows);
      const [n] = await tx.query<{ seq: string; idx: string }>(
        `select seq_scan::text as seq, idx_scan::text as idx from pg_stat_xact_user_tables where relname = 'conversations'`,
      );
      return n;
    });
    expect(scans?.seq).toBe('0');
    expect(Number(scans?.idx)).toBeGreaterThan(0);
    const titled = await database.sql.query<{ n: string }>(`select count(*)::text as n from conversations where title = 'x'`);
    expect(titled[0]?.n).toBe('300');
  });
});
