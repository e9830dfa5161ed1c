/**
 * The console's conversation search and deal filters answer the same on PostgreSQL as on PGlite:
 * one generated history written to both, the same hits for Chinese and English words in each
 * role's scope, and the pg_trgm index (migration 0004) usable for a Chinese phrase on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person } from '../../bots/catalog/catalog.ts';
import { loadCatalog } from '../../bots/catalog/catalog.ts';
import { listConsoleDeals } from '../../bots/console/deals.ts';
import { dealListQuery, searchQuery } from '../../bots/console/filters.ts';
import { consoleSearch } from '../../bots/console/search.ts';
import { seedHistory } from '../../bots/reports/history.ts';
import { type Database, openDatabase } from '../../db/client.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';
import { createTestDatabase } from './pg.ts';

const NOW = new Date('2026-11-27T10:00:00+08:00');
const TZ = 'Asia/Shanghai';
const wh = { timeZone: TZ, start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };

let copy: TestDb;
let pglite: Database;
let pg: Database;
let drop: () => Promise<void>;
let viewers: Person[];

async function seeded(database: Database) {
  const catalog = await loadCatalog(database.db);
  await seedHistory(database.db, { deals: 300, seed: 7, now: NOW, wh, rules: catalog.playbook.rules });
  return catalog;
}

beforeAll(async () => {
  copy = await openTestDb();
  pglite = copy.database;
  const created = await createTestDatabase();
  drop = created.drop;
  pg = await openDatabase({ databaseUrl: created.url, dataDir: copy.dataDir, migrate: false });
  const catalog = await seeded(pglite);
  await seeded(pg);
  viewers = ['ops', 'wangjing', 'zhangsan'].map((id) => catalog.person(id)!);
}, 300_000);
afterAll(async () => {
  await pg?.close();
  await drop?.();
  await copy?.cleanup();
});

describe('console search on PGlite and PostgreSQL', () => {
  it('finds the same messages for Chinese and English words, by person, action and days, in each role’s scope', async () => {
    const queries = [
      { q: '预算' },
      { q: '预算有限' },
      { q: 'hi 选型' },
      { q: '价格', action: 'price_inquiry' },
      { q: '收费', from: '2026-10-01', to: '2026-11-15' },
      { person: '王总', limit: 20 },
    ];
    for (const raw of queries) {
      const q = searchQuery.parse(raw);
      for (const v of viewers) {
        const a = await consoleSearch(pglite.db, v, q, TZ);
        const b = await consoleSearch(pg.db, v, q, TZ);
        expect(
          b.items.map((m) => m.id),
          `${v.id} ${JSON.stringify(raw)}`,
        ).toEqual(a.items.map((m) => m.id));
        expect(b.total).toBe(a.total);
        for (const m of a.items) for (const w of a.words) expect(m.text.toLowerCase()).toContain(w.toLowerCase());
      }
    }
    // Something is found, and less for a manager than for an admin, less again for a rep.
    const totals = await Promise.all(viewers.map(async (v) => (await consoleSearch(pg.db, v, searchQuery.parse({ q: '预算' }), TZ)).total));
    expect(totals[0]).toBeGreaterThan(totals[1]!);
    expect(totals[1]).toBeGreaterThan(totals[2]!);
    expect(totals[2]).toBeGreaterThan(0);
  });

  it('filters deals the same way', async () => {
    for (const raw of [{ status: 'won' }, { status: 'open', team: 'north' }, { scoreMin: '20', scoreMax: '60' }, { from: '2026-11-01', to: '2026-11-20' }]) {
      const f = dealListQuery.parse(raw);
      for (const v of viewers) {
        const a = await listConsoleDeals(pglite.db, v, f, TZ);
        const b = await listConsoleDeals(pg.db, v, f, TZ);
        expect(b.total, `${v.id} ${JSON.stringify(raw)}`).toBe(a.total);
        expect(b.items.map((d) => d.id)).toEqual(a.items.map((d) => d.id));
      }
    }
  });

  it('can answer a Chinese phrase from the trigram index on both', async () => {
    for (const database of [pglite, pg]) {
      const plan = await database.transaction(async (tx) => {
        await tx.query('set local enable_seqscan = off');
        return tx.query<{ 'QUERY PLAN': string }>(`explain select id from messages where text ilike '%预算有限%'`);
      });
      expect(plan.map((r) => r['QUERY PLAN']).join('\n'), database.kind).toContain('messages_text_trgm_idx');
    }
  });
});
