/**
 * `pipeline` on the real PostgreSQL: a transaction's statements sent together still run in order
 * (a later one sees what an earlier one wrote), come back in order, and one that fails takes the
 * whole transaction with it. The analysis and the ingest rely on all three. The same holds on the
 * urgent lane (a platform delivery's store), whose BEGIN goes with the first statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type Lane, openDatabase, pipeline } from '../../db/client.ts';
import { createTestDatabase } from './pg.ts';

describe('pipeline on PostgreSQL', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = await openDatabase({ databaseUrl: created.url, dataDir: '', migrate: false });
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
