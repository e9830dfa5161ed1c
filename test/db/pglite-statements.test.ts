/**
 * The hot path's plain statements on PGlite, prepared once (db/pglite-statements.ts): the same
 * rows as PGlite's own `query`, one prepared statement a text, failures that keep nothing and
 * leave the session usable, PGlite's transactions respected, and a bounded number kept. And the
 * batch updates by id read their rows by key, not the whole table (db/queries/json.ts), and the
 * claim reads a deep queue by a bounded number of index entries (db/queries/analysis.ts).
 */
import { rm } from 'node:fs/promises';
import { type PGlite, protocol } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, planMode } from '../../db/client.ts';
import { bindAndRun, PgliteStatements } from '../../db/pglite-statements.ts';
import { claimPending, markAnalysisErrors, updateConversations } from '../../db/queries/analysis.ts';
import { resolveTimers } from '../../db/queries/timers.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';

let copy: TestDb;
let database: Database;
/** The database's own PGlite, as drizzle holds it. */
let client: PGlite;

beforeAll(async () => {
  copy = await openTestDb();
  database = copy.database;
  client = (database.db as unknown as { $client: PGlite }).$client;
});

afterAll(async () => {
  await copy?.cleanup();
});

const preparedCount = async (text: string) =>
  (await client.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements where statement = $1', [text])).rows[0]!.n;

describe('PGlite statements, prepared once', () => {
  it('writes each call as the bytes PGlite’s own serializer writes, however long or wide its text', async () => {
    const long = `${'报价单 quote 😀 '.repeat(8_000)}end`;
    for (const values of [[], [null], [''], ['a', null, '中文', '😀e\u0301'], [long, 'x'.repeat(70_000), null]]) {
      const theirs = Buffer.concat([
        protocol.serialize.bind({ statement: 'dw7', values }),
        protocol.serialize.describe({ type: 'P' }),
        protocol.serialize.execute({}),
        protocol.serialize.sync(),
      ]);
      expect(bindAndRun('dw7', values).equals(theirs)).toBe(true);
    }
    expect(await database.sql.query('select $1::text as t, length($1::text) as n', [long])).toEqual([{ t: long, n: [...long].length }]);
  });

  it('parses a statement once and runs it with each call’s values', async () => {
    const text = 'select $1::int + 1 as n';
    expect(await database.sql.query(text, [1])).toEqual([{ n: 2 }]);
    expect(await database.sql.query(text, [41])).toEqual([{ n: 42 }]);
    await database.transaction(async (tx) => expect(await tx.query(text, [9])).toEqual([{ n: 10 }]));
    expect(await preparedCount(text)).toBe(1);
  });

  it('returns the rows PGlite’s own query returns, types and nulls alike', async () => {
    const text = `select $1::timestamptz as at, $2::jsonb as doc, $3::text[] as tags, $4::boolean as yes, $5::text as none,
      $6::int8 as big, $7::real as score, $8::smallint[] as slots, array[]::text[] as empty, 'x' || $9 as glued`;
    const at = new Date('2026-11-27T02:00:00.123Z');
    const values = [at, JSON.stringify({ a: [1, '二'] }), ['报价', 'b,c', 'd"e'], true, null, 9_007_199_254_740_993n, 0.25, [1, 2], '中文'];
    const ours = await database.sql.query(text, values);
    const asText = values.map((v) => (v instanceof Date ? v.toISOString() : v));
    const theirs = (await client.query(text, asText)).rows;
    expect(ours).toEqual(theirs);
    expect(ours[0]).toMatchObject({ at, doc: { a: [1, '二'] }, tags: ['报价', 'b,c', 'd"e'], yes: true, none: null, slots: [1, 2], empty: [], glued: 'x中文' });
  });

  it('keeps nothing of a statement that fails to parse, and the session goes on', async () => {
    const bad = 'selec 1 as n';
    await expect(database.sql.query(bad)).rejects.toThrow(/syntax error/);
    expect(await preparedCount(bad)).toBe(0);
    const divide = 'select 10 / $1::int as n';
    await expect(database.sql.query(divide, [0])).rejects.toThrow(/division by zero/);
    expect(await database.sql.query(divide, [5])).toEqual([{ n: 2 }]);
    expect(await preparedCount(divide)).toBe(1);
  });

  it('rolls a failed transaction back, and its statements stay prepared for the next', async () => {
    await client.exec('create table scratch_rollback (id text primary key)');
    const insert = 'insert into scratch_rollback (id) values ($1)';
    await expect(
      database.transaction(async (tx) => {
        await tx.query(insert, ['a']);
        await tx.query(insert, ['a']);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await database.sql.query('select id from scratch_rollback')).toEqual([]);
    await database.sql.query(insert, ['b']);
    expect(await database.sql.query('select id from scratch_rollback')).toEqual([{ id: 'b' }]);
    expect(await preparedCount(insert)).toBe(1);
  });

  it('waits for a transaction of PGlite’s own (drizzle’s) to end before it runs', async () => {
    await client.exec('create table scratch_wait (id text primary key)');
    let inserted!: () => void;
    const begun = new Promise<void>((resolve) => (inserted = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const theirs = client
      .transaction(async (tx) => {
        await tx.query(`insert into scratch_wait (id) values ('uncommitted')`);
        inserted();
        await held;
        await tx.rollback();
      })
      .catch(() => undefined);
    await begun;
    // Run inside that transaction (one session), this would see its uncommitted row.
    const ours = database.sql.query<{ n: number }>('select count(*)::int as n from scratch_wait');
    await new Promise((r) => setTimeout(r, 30));
    release();
    await theirs;
    expect(await ours).toEqual([{ n: 0 }]);
  });

  it('starts with 32 MB of shared buffers, not PostgreSQL’s 128 (the pool is set up at every start)', async () => {
    expect(await database.sql.query('select current_setting($1) as size', ['shared_buffers'])).toEqual([{ size: '32MB' }]);
  });

  it('plans each call for its data, and a transaction’s planMode for what follows it', async () => {
    const mode = 'select current_setting($1) as mode';
    expect(await database.sql.query(mode, ['plan_cache_mode'])).toEqual([{ mode: 'force_custom_plan' }]);
    await database.transaction(async (tx) => {
      await planMode(tx, 'generic');
      expect(await tx.query(mode, ['plan_cache_mode'])).toEqual([{ mode: 'force_generic_plan' }]);
      await planMode(tx, 'custom');
      expect(await tx.query(mode, ['plan_cache_mode'])).toEqual([{ mode: 'force_custom_plan' }]);
    });
  });

  it('closes the least recently used statements beyond its bound', async () => {
    const statements = new PgliteStatements(client, 3);
    const texts = ['a', 'b', 'c', 'd'].map((x) => `select '${x}'::text as bound_test`);
    for (const t of texts.slice(0, 3)) await statements.query(t, [], false);
    await statements.query(texts[0]!, [], false); // a is used again: b is now the oldest
    await statements.query(texts[3]!, [], false);
    expect(await Promise.all(texts.map(preparedCount))).toEqual([1, 0, 1, 1]);
    expect(await statements.query(texts[1]!, [], false)).toEqual([{ bound_test: 'b' }]);
    expect(await Promise.all(texts.map(preparedCount))).toEqual([1, 1, 0, 1]);
  });
});

describe('PGlite statements on a closed database', () => {
  it('are refused as PGlite’s own query refuses them', async () => {
    const { database: other, dataDir: otherDir } = await openTestDb();
    const theirs = (other.db as unknown as { $client: PGlite }).$client;
    const statements = new PgliteStatements(theirs);
    expect(await statements.query('select 1 as n', [], false)).toEqual([{ n: 1 }]);
    await other.close();
    await expect(theirs.query('select 1')).rejects.toThrow('PGlite is closed');
    await expect(statements.query('select 1 as n', [], false)).rejects.toThrow('PGlite is closed');
    await expect(other.sql.query('select 1 as n')).rejects.toThrow('PGlite is closed');
    await rm(otherDir, { recursive: true, force: true });
  });
});

/** One of the backend's statistics counters (`text` selects it as `n`), flushed now rather than at its next report. */
const counter = async (text: string, params: unknown[]) => {
  await client.query('select pg_stat_force_next_flush()');
  await client.query('select pg_stat_clear_snapshot()');
  return (await client.query<{ n: number }>(text, params)).rows[0]!.n;
};

describe('batch updates by id on a table of thousands', () => {
  const seqScans = (table: string) => counter('select seq_scan::int as n from pg_stat_user_tables where relname = $1', [table]);

  beforeAll(async () => {
    await client.exec(`
      insert into conversations (id, platform, chat_id, chat_type, created_at)
        select 'bulk-' || i, 'local', 'chat-' || i, 'group', now() from generate_series(1, 3000) i;
      insert into messages (id, platform, platform_message_id, conversation_id, sender_id, role, kind, text, sent_at, received_at)
        select 'bulk-m' || i, 'local', 'pm-' || i, 'bulk-' || i, 'u', 'customer', 'text', 'hi', now(), now() from generate_series(1, 3000) i;
      insert into timers (id, rule_id, conversation_id, trigger_message_id, trigger_at, expect, started_at, nudge_at, due_at, status)
        select 'bulk-t' || i, 'r', 'bulk-' || i, 'bulk-m' || i, now(), '{}'::jsonb, now(), now(), now(), 'pending' from generate_series(1, 3000) i;
    `);
  });

  it('joined to the batch’s rows alone, the table would be read whole (the premise)', async () => {
    const before = await seqScans('conversations');
    await database.transaction((tx) =>
      tx.query(`update conversations c set owner_id = x.owner_id from jsonb_to_recordset($1::text::jsonb) as x(id text, owner_id text) where c.id = x.id`, [
        JSON.stringify([{ id: 'bulk-7', owner_id: null }]),
      ]),
    );
    expect(await seqScans('conversations')).toBeGreaterThan(before);
  });

  it('updates conversations, messages and timers by key, not by reading the table', async () => {
    const before = await Promise.all(['conversations', 'messages', 'timers'].map(seqScans));
    await database.transaction(async (tx) => {
      await updateConversations(tx, [
        { id: 'bulk-1', platform: 'local', chatId: 'chat-1', title: null, direct: false, opportunityId: null, ownerId: 'zhangsan', dirty: true },
        { id: 'bulk-2', platform: 'local', chatId: 'chat-2', title: null, direct: false, opportunityId: null, ownerId: 'lisi', dirty: true },
      ]);
      await markAnalysisErrors(tx, [{ id: 'bulk-m3', error: 'oversized' }]);
      await resolveTimers(tx, [{ id: 'bulk-t4', status: 'cancelled', at: new Date().toISOString() }]);
    });
    expect(await Promise.all(['conversations', 'messages', 'timers'].map(seqScans))).toEqual(before);
    const owners = await database.sql.query(`select id, owner_id as "ownerId" from conversations where id in ('bulk-1', 'bulk-2') order by id`);
    expect(owners).toEqual([
      { id: 'bulk-1', ownerId: 'zhangsan' },
      { id: 'bulk-2', ownerId: 'lisi' },
    ]);
    expect(await database.sql.query(`select analysis_error as e from messages where id = 'bulk-m3'`)).toEqual([{ e: 'oversized' }]);
    expect(await database.sql.query(`select status from timers where id = 'bulk-t4'`)).toEqual([{ status: 'cancelled' }]);
  });
});

describe('the claim on a deep queue', () => {
  /** Index entries read from the queue's slot index so far. */
  const entriesRead = () => counter('select idx_tup_read::int as n from pg_stat_user_indexes where indexrelname = $1', ['message_queue_slot_idx']);
  const all = Array.from({ length: 64 }, (_, i) => i);
  /** Queues `n` rows (no messages behind them: the claim's selection is what is measured), `slotOf(i)` each. */
  const enqueue = (n: number, slotOf: string) =>
    client.query(
      `insert into message_queue (message_id, slot, direct, sent_at, received_at)
         select 'deep-' || i, ${slotOf}, false, now() - interval '1 day' + i * interval '1 second', now() from generate_series(1, $1::int) i`,
      [n],
    );
  // Vacuumed too: an index scan steps over the entries of rows deleted since the last vacuum (the
  // reason the analysis vacuums the queue itself, bots/analysis/queue-vacuum.ts).
  const empty = async () => {
    await client.query('delete from message_queue');
    await client.query('vacuum message_queue');
  };
  const claimRead = async (limit: number) => {
    const before = await entriesRead();
    await database.transaction((tx) => claimPending(tx, all, limit, new Date()));
    return (await entriesRead()) - before;
  };

  it('reads about slots × its share of the batch, not slots × the batch, when every slot has a backlog', async () => {
    await empty();
    await enqueue(64 * 40, 'i % 64');
    // Each slot's first 2 (7 over 64 slots, plus one), then each slot up to the bound: 128 + about
    // 7, with each scan's one entry past its end. Every slot's first 7 would be 448 (the claim
    // before the bound read 2,560 here: each slot whole, by a bitmap scan).
    expect(await claimRead(7)).toBeLessThan(250);
    expect((await client.query<{ n: number }>('select count(*)::int as n from message_queue')).rows[0]!.n).toBe(64 * 40 - 7);
  });

  it('reads one slot’s backlog in its index order, not whole, when one chat holds it', async () => {
    await empty();
    await enqueue(3_000, '5');
    // The claim before read 3,000 here: the slot whole, by a bitmap scan, then sorted.
    expect(await claimRead(64)).toBeLessThan(200);
    // The ones taken were the oldest.
    const left = await client.query<{ n: number; oldest: string }>(
      'select count(*)::int as n, (select message_id from message_queue order by sent_at limit 1) as oldest from message_queue',
    );
    expect(left.rows[0]).toEqual({ n: 3_000 - 64, oldest: 'deep-65' });
  });
});
