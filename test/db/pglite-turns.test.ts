/**
 * PGlite's one connection taken in turns: urgent work (a platform delivery's store, its replay
 * check) goes before whatever else waits, each line in order, and never inside a transaction
 * that is running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';

let copy: TestDb;
let database: Database;

beforeAll(async () => {
  copy = await openTestDb();
  database = copy.database;
});

afterAll(async () => {
  await copy?.cleanup();
});

describe('PGlite turns', () => {
  it('runs urgent work next, before work that waited longer, and in order within each line', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Holds the connection, as an analysis batch would, between two statements.
    const running = database.transaction(async (tx) => {
      await tx.query('select 1');
      await held;
      order.push('running');
    });
    const waiting = [
      database.transaction(async (tx) => {
        await tx.query('select 1');
        order.push('normal 1');
      }),
      database.sql.query('select 1').then(() => order.push('normal 2')),
      database.urgent.transaction(async (tx) => {
        await tx.query('select 1');
        order.push('urgent 1');
      }),
      database.urgent.sql.query('select 1').then(() => order.push('urgent 2')),
    ];
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    release();
    await Promise.all([running, ...waiting]);
    expect(order).toEqual(['running', 'urgent 1', 'urgent 2', 'normal 1', 'normal 2']);
  });

  it('keeps an urgent turn for the urgent work that follows it, before the rest that waits', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = database.transaction(async () => void (await held));
    // A webhook: its replay check, then (a few promise steps later) its store.
    const webhook = database.urgent.sql.query('select 1').then(async () => {
      order.push('check');
      await Promise.resolve();
      await database.urgent.transaction(async (tx) => {
        await tx.query('select 1');
        order.push('store');
      });
    });
    const analysis = database.transaction(async (tx) => {
      await tx.query('select 1');
      order.push('analysis');
    });
    release();
    await Promise.all([running, webhook, analysis]);
    expect(order).toEqual(['check', 'store', 'analysis']);
  });

  it('lets other work through after a streak of urgent turns', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = database.transaction(async () => void (await held));
    const normal = database.sql.query('select 1').then(() => order.push('normal'));
    const urgent = Array.from({ length: 12 }, (_, i) => database.urgent.sql.query('select 1').then(() => order.push(`u${i}`)));
    release();
    await Promise.all([running, normal, ...urgent]);
    expect(order.indexOf('normal')).toBe(8);
    expect(order.filter((o) => o !== 'normal')).toEqual(Array.from({ length: 12 }, (_, i) => `u${i}`));
  });

  it('passes the turn on when a transaction fails', async () => {
    const failing = database.transaction(async (tx) => {
      await tx.query('select 1');
      throw new Error('rolled back');
    });
    const next = database.urgent.sql.query<{ n: number }>('select 2 as n');
    await expect(failing).rejects.toThrow('rolled back');
    expect(await next).toEqual([{ n: 2 }]);
  });
});
