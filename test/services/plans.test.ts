/**
 * The hot path's prepared statements follow the data: a statement first run on empty tables must
 * not keep the plan made then (on this CI server, with autovacuum off, nothing would ever replace
 * it: the conversations read became a sequential scan at 8 ms a call). The inserts of a batch's own
 * rows are the exception (db/client.ts, planMode): planned once, and so are their foreign-key checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeMessages } from '../../bots/ingest/store.ts';
import { type Database, openDatabase, pipeline, planMode, type Sql } from '../../db/client.ts';
import {
  insertDeliveries,
  insertNudges,
  loadConversations,
  loadDealsForUpdate,
  loadOpenTimers,
  loadPendingConfirmations,
  loadRecentNudges,
} from '../../db/queries/analysis.ts';
import { chatIdsOf } from '../../db/queries/deliveries.ts';
import { insertMessages, type MessageRow, titleConversations } from '../../db/queries/ingest.ts';
import { chat } from '../helpers/app.ts';
import { nudgeRow } from '../helpers/rows.ts';
import { loadCatalog } from '../unit/config-files.ts';
import { createTestDatabase } from './pg.ts';

/**
 * A test database of its own for the describe block, opened with one connection, so that the
 * statement counters a test reads (pg_prepared_statements) are those of the session that ran them.
 */
function oneConnectionDatabase(): () => Database {
  let database: Database | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false, poolSize: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });
  return () => {
    if (!database) throw new Error('the test database is not open');
    return database;
  };
}

/**
 * How many sequential and index scans of each of `tables` the transaction ran while `work` did,
 * counted before and after: pg_stat_xact_user_tables may still hold earlier transactions' counts.
 */
async function scansDuring<T>(
  tx: Sql,
  tables: readonly string[],
  work: () => Promise<T>,
): Promise<{ scans: Record<string, { seq: number; idx: number }>; result: T }> {
  const count = async () =>
    new Map(
      (
        await tx.query<{ relname: string; seq: number; idx: number }>(
          `select relname, seq_scan::int as seq, idx_scan::int as idx from pg_stat_xact_user_tables where relname = any($1::text[])`,
          [tables],
        )
      ).map((r) => [r.relname, r]),
    );
  const before = await count();
  const result = await work();
  const after = await count();
  const scans = Object.fromEntries(
    tables.map((t) => [t, { seq: (after.get(t)?.seq ?? 0) - (before.get(t)?.seq ?? 0), idx: (after.get(t)?.idx ?? 0) - (before.get(t)?.idx ?? 0) }]),
  );
  return { scans, result };
}

/** How often each prepared statement like `like` was run on a generic and on a custom plan. */
const plansOf = (sql: Sql, like: string) =>
  sql.query<{ generic: number; custom: number }>(
    `select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement like $1`,
    [like],
  );

describe('prepared statements on PostgreSQL', () => {
  const db = oneConnectionDatabase();

  it('plans every run for the data it meets: a batch read first run on an empty table keeps no generic plan', async () => {
    // A batch's worth of ids, as the analysis asks: on an empty table a scan is the cheaper plan.
    const ids = Array.from({ length: 300 }, (_, i) => `local:c-${i}`);
    for (let i = 0; i < 8; i++) await loadConversations(db().sql, ids);
    await db().sql.query(
      `insert into conversations (id, platform, chat_id, chat_type, created_at)
       select 'local:c-' || i, 'local', 'c-' || i, 'group', now() from generate_series(1, 20000) i`,
    );
    const found = await loadConversations(db().sql, ['local:c-7', 'local:c-19999']);
    expect(found.map((c) => c.id).sort()).toEqual(['local:c-19999', 'local:c-7']);
    expect(await plansOf(db().sql, '%from conversations where id = u.id limit 1) c')).toEqual([{ generic: 0, custom: 9 }]);
    const [settings] = await db().sql.query<{ jit: string }>(`select current_setting('jit') as jit`);
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
    const { scans } = await db().transaction((tx) =>
      scansDuring(tx, ['conversations'], async () => {
        await loadConversations(tx, ids);
        await loadDealsForUpdate(tx, ids);
        await loadRecentNudges(tx, ids, new Date(0));
        await loadPendingConfirmations(tx, ids);
        expect((await chatIdsOf(tx, ids)).size).toBe(300);
        await titleConversations(tx, rows);
      }),
    );
    expect(scans.conversations?.seq).toBe(0);
    expect(scans.conversations?.idx).toBeGreaterThan(0);
    const titled = await db().sql.query<{ n: string }>(`select count(*)::text as n from conversations where title = 'x'`);
    expect(titled[0]?.n).toBe('300');
  });
});

describe("the inserts of a batch's own rows on PostgreSQL", () => {
  const db = oneConnectionDatabase();

  const statsOf = async (like: string) => {
    const rows = await plansOf(db().sql, like);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };

  it('are planned once per connection, and the foreign-key checks they set off still probe a table that was empty then', async () => {
    const catalog = loadCatalog();
    const at = new Date('2026-11-23T09:00:00+08:00');
    // First runs on empty tables: the generic plan made at the first is used by every run after
    // (pg_prepared_statements counts the runs that used each kind of plan).
    for (let i = 0; i < 8; i++) {
      const [outcome] = await storeMessages(db(), catalog, at, [chat({ from: 'ou_customer', text: '您好', at, conv: `c-first-${i}`, id: `first-${i}` })]);
      expect(outcome?.status).toBe('stored');
    }
    expect(await statsOf('with stored as (insert into messages%')).toEqual({ generic: 8, custom: 0 });
    expect(await statsOf('insert into conversations%')).toEqual({ generic: 8, custom: 0 });
    // What reads a table is still planned for each call's data.
    expect(await statsOf('%update conversations c set title%')).toEqual({ generic: 0, custom: 8 });

    await db().sql.query(
      `insert into conversations (id, platform, chat_id, chat_type, created_at)
       select 'local:c-' || i, 'local', 'c-' || i, 'group', now() from generate_series(1, 20000) i`,
    );
    const rows: MessageRow[] = Array.from({ length: 300 }, (_, i) => ({
      id: `m-${i}`,
      platform: 'local',
      platform_message_id: `later-${i}`,
      conversation_id: `local:c-${i * 61 + 1}`,
      direct: false,
      slot: 0,
      sender_id: 'ou_customer',
      sender_name: null,
      person_id: null,
      role: 'customer',
      kind: 'text',
      backfill: false,
      text: '好的',
      attachments: [],
      sent_at: at.toISOString(),
      received_at: at.toISOString(),
      raw: null,
    }));
    const { scans, result: stored } = await db().transaction((tx) =>
      scansDuring(tx, ['conversations'], async () => {
        const [, ids] = await pipeline(tx, [() => planMode(tx, 'generic'), () => insertMessages(tx, rows)] as const);
        return ids;
      }),
    );
    expect(stored.size).toBe(300);
    // Each message's conversation checked by a probe of the primary key: no read of the 20,000.
    expect(scans.conversations).toEqual({ seq: 0, idx: 300 });
    expect(await statsOf('with stored as (insert into messages%')).toEqual({ generic: 9, custom: 0 });
  });
  it("finds the rows they depend on by probes, however small the table was when they were planned: a delivery's nudge", async () => {
    const at = new Date('2026-11-23T09:00:00+08:00').toISOString();
    const nudge = (id: string) => nudgeRow(id, at);
    const delivery = (nudgeId: string) => ({
      id: `d-${nudgeId}`,
      idempotency_key: `d-${nudgeId}`,
      nudge_id: nudgeId,
      platform: 'local' as const,
      to: { personId: 'zhangsan' },
      message: { type: 'text' as const, text: 'b' },
      created_at: at,
    });
    // First runs on an empty table (the nudge is inserted in the same transaction, as a batch does).
    for (let i = 0; i < 8; i++) {
      const inserted = await db().transaction(async (tx) => {
        const [, , rows] = await pipeline(tx, [
          () => planMode(tx, 'generic'),
          () => insertNudges(tx, [nudge(`first-${i}`)]),
          () => insertDeliveries(tx, [delivery(`first-${i}`), delivery('never-made')]),
        ] as const);
        return rows;
      });
      expect(inserted.map((d) => d.id)).toEqual([`d-first-${i}`]);
    }
    expect(await statsOf('%insert into deliveries%')).toEqual({ generic: 8, custom: 0 });
    await db().sql.query(
      `insert into nudges (id, idempotency_key, person_id, rule_id, title, body, created_at)
       select 'n-' || i, 'k-' || i, 'zhangsan', 'price-objection', 't', 'b', now() from generate_series(1, 20000) i`,
    );
    const { scans, result: inserted } = await db().transaction((tx) =>
      scansDuring(tx, ['nudges'], async () => {
        const [, rows] = await pipeline(tx, [
          () => planMode(tx, 'generic'),
          () =>
            insertDeliveries(
              tx,
              Array.from({ length: 300 }, (_, i) => delivery(`n-${i * 61 + 1}`)),
            ),
        ] as const);
        return rows.length;
      }),
    );
    expect(inserted).toBe(300);
    expect(scans.nudges?.seq).toBe(0);
  });
});

describe("the analysis batch's reads on PostgreSQL", () => {
  const db = oneConnectionDatabase();
  const READ_TABLES = ['conversations', 'opportunities', 'timers', 'nudges', 'deal_confirmations'] as const;

  /** The batch's five reads as the analysis sends them (bots/analysis/analyze-job.ts: loadState). */
  const readBatch = (tx: Sql, ids: readonly string[]) =>
    pipeline(tx, [
      () => planMode(tx, 'generic'),
      () => loadConversations(tx, ids),
      () => loadDealsForUpdate(tx, ids),
      () => loadOpenTimers(tx, ids),
      () => loadRecentNudges(tx, ids, new Date(0)),
      () => loadPendingConfirmations(tx, ids),
      () => planMode(tx, 'custom'),
    ] as const);

  it('are planned once on empty tables and still read 20,000 of each by a probe per id', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `local:c-${i * 61 + 1}`);
    for (let i = 0; i < 8; i++) {
      const [, conversations, deals] = await db().transaction((tx) => readBatch(tx, ids));
      expect([conversations.length, deals.length]).toEqual([0, 0]);
    }
    // The five reads are the statements that start from the batch's ids.
    const readPlans = async () => [...(await plansOf(db().sql, 'select r.* from unnest(%')), ...(await plansOf(db().sql, 'select c.* from unnest(%'))];
    expect(await readPlans()).toEqual(Array(5).fill({ generic: 8, custom: 0 }));

    // 20,000 conversations, each with its deal, an open and a done timer, a nudge and a pending
    // confirmation; the plans made above on empty tables are kept (generic_plans counts on).
    await db().sql.query(
      `insert into opportunities (id, stage, stage_at, created_at, updated_at)
         select 'o-' || i, 'contacted', now(), now(), now() from generate_series(1, 20000) i;
       insert into conversations (id, platform, chat_id, chat_type, opportunity_id, created_at)
         select 'local:c-' || i, 'local', 'c-' || i, 'group', 'o-' || i, now() from generate_series(1, 20000) i;
       insert into timers (id, rule_id, opportunity_id, conversation_id, trigger_message_id, trigger_at, expect, started_at, nudge_at, due_at, status)
         select 't-' || i || '-' || s, 'silence-' || s, 'o-' || i, 'local:c-' || i, 'm-' || i, now(), '{}', now(), now(), now(), s
         from generate_series(1, 20000) i, unnest(array['pending', 'done']) s;
       insert into nudges (id, idempotency_key, person_id, opportunity_id, rule_id, title, body, created_at)
         select 'n-' || i, 'k-' || i, 'zhangsan', 'o-' || i, 'price-objection', 't', 'b', now() from generate_series(1, 20000) i;
       insert into deal_confirmations (id, opportunity_id, kind, person_id, status, created_at)
         select 'dc-' || i, 'o-' || i, 'won', 'zhangsan', 'pending', now() from generate_series(1, 20000) i`,
    );
    const { scans, result } = await db().transaction((tx) => scansDuring(tx, READ_TABLES, () => readBatch(tx, ids)));
    const [, conversations, deals, timers, nudges, confirmations] = result;
    expect([conversations.length, deals.length, timers.length, nudges.length, confirmations.length]).toEqual([300, 300, 300, 300, 300]);
    expect(timers.every((t) => t.status === 'pending')).toBe(true);
    // Locked in the order of their ids: two batches sharing deals take them in the same order.
    expect(deals.map((d) => d.id)).toEqual(deals.map((d) => d.id).sort());
    for (const table of READ_TABLES) expect({ seq: scans[table]?.seq, probes: (scans[table]?.idx ?? 0) > 0 }, table).toEqual({ seq: 0, probes: true });
    expect(await readPlans()).toEqual(Array(5).fill({ generic: 9, custom: 0 }));
  });
});
