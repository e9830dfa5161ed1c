/**
 * `pipeline` on the real PostgreSQL: a transaction's statements sent together still run in order
 * (a later one sees what an earlier one wrote), come back in order, and one that fails takes the
 * whole transaction with it. The analysis and the ingest rely on all three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, pipeline } from '../../db/client.ts';
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

  it('runs in order, returns in order, and sees earlier writes', async () => {
    const [, inserted, seen] = await database.transaction((tx) => {
      expect(tx.pipelined).toBe(true);
      return pipeline(tx, [
        () => tx.query('insert into pipe (id, v) values (1, $1)', ['a']),
        () => tx.query<{ id: number }>('insert into pipe (id, v) select 2, v || $1 from pipe where id = 1 returning id', ['b']),
        () => tx.query<{ v: string }>('select v from pipe where id = 2'),
      ] as const);
    });
    expect(inserted).toEqual([{ id: 2 }]);
    expect(seen).toEqual([{ v: 'ab' }]);
  });

  it('rolls everything back when one statement fails', async () => {
    const run = database.transaction((tx) =>
      pipeline(tx, [
        () => tx.query('insert into pipe (id, v) values (3, $1)', ['c']),
        () => tx.query('insert into pipe (id, v) values (1, $1)', ['duplicate key']),
        () => tx.query('insert into pipe (id, v) values (4, $1)', ['d']),
      ] as const),
    );
    await expect(run).rejects.toThrow(/duplicate key/);
    expect(await database.sql.query('select id from pipe where id in (3, 4)')).toEqual([]);
  });
});
