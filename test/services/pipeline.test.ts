/**
 * `pipeline` on the real PostgreSQL: a transaction's statements sent together still run in order
 * (a later one sees what an earlier one wrote), come back in order, and one that fails takes the
 * whole transaction with it. The analysis and the ingest rely on all three. The same holds on the
 * urgent lane (a platform delivery's store). `pipelineCommit` sends COMMIT with the last
 * statements: what they wrote is committed once it resolves, nothing of it when one fails; the
 * connection goes back to the pool at that COMMIT, with no COMMIT or ROLLBACK of postgres.js's
 * after it (scripts/patch-postgres.mjs), so such a transaction is two round trips and nothing
 * may follow its COMMIT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type Lane, openDatabase, pipeline, pipelineCommit, planMode } from '../../db/client.ts';
import { createTestDatabase } from './pg.ts';
import { turnCounter } from './turn-counter.ts';

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
      // Nothing of postgres.js's after our COMMIT: no "there is no transaction in progress".
      expect(warnings).toEqual([]);
    });

    it('hands the connection on at a pipelined COMMIT, and nothing of the next transaction is committed with the first', async () => {
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
        // The connection went back at the first's COMMIT, so the second writes while the first's
        // function still runs; a COMMIT of postgres.js's after the first's function (there is none
        // now) would have committed that write.
        await Promise.race([wrote, new Promise((_, reject) => setTimeout(() => reject(new Error('the second transaction never got the connection')), 5_000))]);
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

    it('refuses a statement after the pipelined COMMIT, and the commit stands', async () => {
      const run = lane().transaction(async (tx) => {
        await pipelineCommit(tx, [() => tx.query(`insert into pipe (id, v) values (${base + 80}, 'j')`)] as const);
        await tx.query(`insert into pipe (id, v) values (${base + 81}, 'after the commit')`);
      });
      await expect(run).rejects.toThrow(/nothing may follow/);
      const rows = await database.sql.query<{ id: number }>(`select id from pipe where id in (${base + 80}, ${base + 81}) order by id`);
      expect(rows).toEqual([{ id: base + 80 }]);
    });
  });

  it('waits twice for a transaction that ends with pipelineCommit: for BEGIN, then for its statements and COMMIT', async () => {
    // Answers held back 20 ms, so each wait is a turn of its own however fast the machine is.
    const target = new URL(url);
    const proxy = await turnCounter({ host: target.hostname, port: Number(target.port || 5432) }, 20);
    const through = new URL(url);
    through.port = String(proxy.port);
    // The proxy is a TCP one: a socket directory in the URL (`?host=/dir`) would go around it.
    through.searchParams.delete('host');
    const single = await openDatabase({ databaseUrl: through.toString(), dataDir: '', migrate: false, poolSize: 1 });
    const store = (id: number) =>
      single.transaction((tx) =>
        pipelineCommit(tx, [
          () => planMode(tx, 'generic'),
          () => tx.query<{ id: number }>('insert into pipe (id, v) values ($1, $2) returning id', [id, 'k']),
          () => planMode(tx, 'custom'),
        ] as const),
      );
    try {
      await store(90); // connects and prepares the insert
      await new Promise((r) => setTimeout(r, 100));
      const before = proxy.turns();
      const [, rows] = await store(91);
      // Whatever postgres.js would send after the function (a COMMIT of its own) is counted too.
      await new Promise((r) => setTimeout(r, 100));
      expect(rows).toEqual([{ id: 91 }]);
      expect(proxy.turns() - before).toBe(2);
      expect(await database.sql.query('select id from pipe where id in (90, 91) order by id')).toEqual([{ id: 90 }, { id: 91 }]);
    } finally {
      await single.close();
      await proxy.close();
    }
  });
});
