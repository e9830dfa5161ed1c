/**
 * `pipeline` on the real PostgreSQL: a transaction's statements sent together still run in order
 * (a later one sees what an earlier one wrote), come back in order, and one that fails takes the
 * whole transaction with it. The analysis and the ingest rely on all three. The same holds on the
 * urgent lane (a platform delivery's store). `pipelineCommit` sends COMMIT with the last
 * statements: what they wrote is committed once it resolves, nothing of it when one fails, and
 * the transaction does not commit a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type Lane, openDatabase, pipeline, pipelineCommit } from '../../db/client.ts';
import { createTestDatabase } from './pg.ts';

describe('pipeline on PostgreSQL', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let url: string;
  /** What PostgreSQL warned these sessions of (it logs the same on the server). */
  const warnings: string[] = [];
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    url = created.url;
    database = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false, onWarning: (m) => warnings.push(m) });
    await database.sql.query('create table pipe (id int primary key, v text)');
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  describe.each([
    ['the database', 0, () => database as Lane],
    ['the urgent lane', 100, () => database.urgent],
  ])('%s', (_name, base, lane) => {
    it('runs in order, returns in order, and sees earlier writes', async () => {
      const [, inserted, seen] = await lane().transaction((tx) => {
        expect(tx.pipelined).toBe(true);
        return pipeline(tx, [
          () => tx.query(`insert into pipe (id, v) values (${base + 1}, $1)`, ['a']),
          () => tx.query<{ id: number }>(`insert into pipe (id, v) select ${base + 2}, v || $1 from pipe where id = ${base + 1} returning id`, ['b']),
          () => tx.query<{ v: string }>(`select v from pipe where id = ${base + 2}`),
        ] as const);
      });
      expect(inserted).toEqual([{ id: base + 2 }]);
      expect(seen).toEqual([{ v: 'ab' }]);
    });

    it('rolls everything back when one statement fails', async () => {
      const run = lane().transaction((tx) =>
        pipeline(tx, [
          () => tx.query(`insert into pipe (id, v) values (${base + 3}, $1)`, ['c']),
          () => tx.query(`insert into pipe (id, v) values (${base + 1}, $1)`, ['duplicate key']),
          () => tx.query(`insert into pipe (id, v) values (${base + 4}, $1)`, ['d']),
        ] as const),
      );
      await expect(run).rejects.toThrow(/duplicate key/);
      expect(await database.sql.query(`select id from pipe where id in (${base + 3}, ${base + 4})`)).toEqual([]);
    });

    it('commits with the last statements, or rolls them back with the first that fails', async () => {
      const [[, returned], outside] = await lane().transaction(async (tx) => {
        await tx.query(`insert into pipe (id, v) values (${base + 5}, 'e')`);
        const out = await pipelineCommit(tx, [
          () => tx.query(`insert into pipe (id, v) values (${base + 6}, 'f')`),
          () => tx.query<{ n: number }>(`select count(*)::int as n from pipe where id in (${base + 5}, ${base + 6})`),
        ] as const);
        // Committed already, before the function returns: another connection sees both rows.
        return [out, await database.sql.query(`select id from pipe where id in (${base + 5}, ${base + 6}) order by id`)] as const;
      });
      expect(returned).toEqual([{ n: 2 }]);
      expect(outside).toEqual([{ id: base + 5 }, { id: base + 6 }]);

      const failing = lane().transaction(async (tx) => {
        await tx.query(`insert into pipe (id, v) values (${base + 7}, 'g')`);
        return pipelineCommit(tx, [
          () => tx.query(`insert into pipe (id, v) values (${base + 8}, 'h')`),
          () => tx.query(`insert into pipe (id, v) values (${base + 5}, 'duplicate key')`),
        ] as const);
      });
      await expect(failing).rejects.toThrow(/duplicate key/);
      expect(await database.sql.query(`select id from pipe where id in (${base + 7}, ${base + 8})`)).toEqual([]);
      // Every connection came back clean: as many transactions as the pool has, each committing.
      const again = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          lane().transaction((tx) =>
            pipelineCommit(tx, [() => tx.query<{ id: number }>(`insert into pipe (id, v) values (${base + 50 + i}, 'i') returning id`)] as const),
          ),
        ),
      );
      expect(again.map(([rows]) => rows[0]!.id)).toEqual(Array.from({ length: 12 }, (_, i) => base + 50 + i));
      // postgres.js's own COMMIT after ours found a transaction to end: no "no transaction in progress".
      expect(warnings).toEqual([]);
    });

    it('keeps the connection until the function returns: a pipelined COMMIT does not hand it to the next transaction early', async () => {
      // One connection, so the second transaction has to wait for it.
      const single = await openDatabase({ databaseUrl: url, dataDir: '', migrate: false, poolSize: 1, onWarning: (m) => warnings.push(m) });
      try {
        let releaseFirst = () => {};
        const held = new Promise<void>((r) => {
          releaseFirst = r;
        });
        let secondWrote = () => {};
        const wrote = new Promise<void>((r) => {
          secondWrote = r;
        });
        const first = single.transaction(async (tx) => {
          await pipelineCommit(tx, [() => tx.query(`insert into pipe (id, v) values (${base + 70}, 'first')`)] as const);
          await held;
          return 'first';
        });
        const second = single.transaction(async (tx) => {
          await tx.query(`insert into pipe (id, v) values (${base + 71}, 'second')`);
          secondWrote();
          await new Promise((r) => setTimeout(r, 20));
          throw new Error('the second fails');
        });
        // Had the connection gone back at the first's COMMIT, the second would have written by now,
        // and the first's closing COMMIT (postgres.js's) would have committed that write.
        await Promise.race([wrote, new Promise((r) => setTimeout(r, 300))]);
        releaseFirst();
        expect(await first).toBe('first');
        await expect(second).rejects.toThrow('the second fails');
        const rows = await database.sql.query<{ id: number }>(`select id from pipe where id in (${base + 70}, ${base + 71}) order by id`);
        expect(rows).toEqual([{ id: base + 70 }]);
      } finally {
        await single.close();
      }
    });

    it('commits only what the function returned for, and gives the connection back each time', async () => {
      // More transactions than the pool has connections, half of them failing midway.
      const runs = Array.from({ length: 24 }, (_, i) =>
        lane().transaction(async (tx) => {
          await tx.query(`insert into pipe (id, v) values (${base + 10 + i}, 'x')`);
          if (i % 2 === 1) throw new Error(`fails ${i}`);
          return i;
        }),
      );
      const settled = await Promise.allSettled(runs);
      expect(settled.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value)).toEqual(
        Array.from({ length: 12 }, (_, k) => 2 * k),
      );
      const rows = await database.sql.query<{ id: number }>(`select id from pipe where id >= ${base + 10} and id < ${base + 40} order by id`);
      expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, k) => base + 10 + 2 * k));
    });
  });
});
