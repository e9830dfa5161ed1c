/**
 * The analysis's lock on the real PostgreSQL (lockSlots): one writer per hash slot across
 * processes, whatever partition count each was started with. A partition is a set of slots; two
 * claims whose sets overlap must not run side by side (a conversation's messages would be analysed
 * out of order by two writers), and two whose sets are apart must.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotsOf } from '../../bots/ingest/slots.ts';
import { type Database, openDatabase } from '../../db/client.ts';
import { lockSlots } from '../../db/queries/analysis.ts';
import { createTestDatabase } from './pg.ts';

describe('slot locks on PostgreSQL', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false });
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  /** Holds `slots` in a transaction until the returned release is called. */
  async function hold(slots: readonly number[]): Promise<() => Promise<void>> {
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const done = database.transaction(async (tx) => {
      await lockSlots(tx, slots);
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;
    return async () => {
      release();
      await done;
    };
  }

  /** Whether `slots` can be locked within 300 ms (PostgreSQL's lock_timeout ends the wait). */
  const canLock = (slots: readonly number[]): Promise<boolean> =>
    database
      .transaction(async (tx) => {
        await tx.query("set local lock_timeout = '300ms'");
        await lockSlots(tx, slots);
      })
      .then(
        () => true,
        (err: { code?: string }) => {
          if (err.code !== '55P03') throw err;
          return false;
        },
      );

  it('keeps out a claim of another partition count whose slots overlap, until the holder ends', async () => {
    // Partition 5 of 8 (slots 5, 13, …) against partition 1 of 2 (every odd slot): both hold slot 5.
    const release = await hold(slotsOf(5, 8));
    expect(await canLock(slotsOf(1, 2))).toBe(false);
    // A job queued as partition 5 but run by a process with 2 partitions claims 5, 7, …: kept out too.
    expect(await canLock(slotsOf(5, 2))).toBe(false);
    await release();
    expect(await canLock(slotsOf(1, 2))).toBe(true);
  });

  it('lets partitions whose slots are apart run side by side', async () => {
    const release = await hold(slotsOf(0, 2));
    expect(await canLock(slotsOf(1, 2))).toBe(true);
    expect(await canLock(slotsOf(3, 8))).toBe(true);
    expect(await canLock(slotsOf(2, 8))).toBe(false);
    await release();
  });

  it('holds every slot it was given, and only those, until the transaction ends', async () => {
    const slots = slotsOf(3, 4);
    const held = await database.transaction(async (tx) => {
      await lockSlots(tx, slots);
      return tx.query<{ objid: number }>(
        "select objid::int from pg_locks where locktype = 'advisory' and classid = 7461004 and pid = pg_backend_pid() order by objid",
      );
    });
    expect(held.map((r) => r.objid)).toEqual(slots);
    const after = await database.sql.query<{ n: number }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 7461004");
    expect(after[0]!.n).toBe(0);
  });

  it('refuses slots out of order, which could wait on another claim in a cycle', async () => {
    await expect(database.transaction((tx) => lockSlots(tx, [5, 1]))).rejects.toThrow(/ascending/);
    await expect(database.transaction((tx) => lockSlots(tx, [1, 1]))).rejects.toThrow(/ascending/);
  });
});
