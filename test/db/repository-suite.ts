/**
 * The data layer's tests, written once and run against both databases dealwise supports: PGlite
 * (test/db/pglite.test.ts) and the real PostgreSQL (test/services/postgres.test.ts). They drive
 * the statements of db/queries/ and the catalog loader the loop relies on.
 */
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadCatalog } from '../../bots/catalog/catalog.ts';
import { syncCatalogFiles } from '../../bots/catalog/sync.ts';
import { storeMessages } from '../../bots/ingest/store.ts';
import type { Database } from '../../db/client.ts';
import { claimPending, insertAtomEvents, insertCompliance, insertDeliveries, insertNudges, lockSlots } from '../../db/queries/analysis.ts';
import { claimDeliveries, markDeliveries, unsentDeliveries } from '../../db/queries/deliveries.ts';
import { pendingDeliveries, slotsWithPending, trySweepLock } from '../../db/queries/sweep.ts';
import { setPersonActive, writeAtomVersion } from '../../db/queries/knowledge.ts';
import { resolveTimers, takeDueTimers } from '../../db/queries/timers.ts';
import { databaseNonces, requestKey } from '../../adapters/nonces.ts';
import { inboxKeysInUse } from '../../db/queries/inbox.ts';
import { pruneNonces } from '../../db/queries/nonces.ts';
import { atomEvents, atoms, conversations, deliveries, messages, nudges, people, timers, webhookNonces } from '../../db/schema/index.ts';
import { CATALOG_FILES } from '../setup/constants.ts';
import { feedbackButtons } from '../../core/card-actions.ts';
import { chat, dm } from '../helpers/app.ts';
import { deliveryRow, nudgeRow } from '../helpers/rows.ts';

const at = new Date('2026-11-23T09:00:00+08:00');

export function defineRepositorySuite(name: string, open: () => Promise<Database>, dispose: () => Promise<void> = async () => {}): void {
  describe(`data layer on ${name}`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await open();
    });
    afterAll(async () => {
      await database?.close();
      await dispose();
    });

    it('loads the catalog: platform ids map to directory people, unknown ids to nobody', async () => {
      const catalog = await loadCatalog(database.db);
      expect(catalog.personByPlatformId('feishu', 'ou_7d8a6e6df7621556ce0d21922b676706')).toMatchObject({ id: 'zhangsan', role: 'rep', teamId: 'east' });
      expect(catalog.personByPlatformId('feishu', 'ou_unknown')).toBeNull();
      expect(catalog.platformIds('zhangsan').get('dingtalk')).toBe('0123456');
      expect(catalog.managersOf('east').map((p) => p.id)).toEqual(['wangjing']);
    });

    it('loads the files only when they changed, and a person left out is deactivated with their history kept', async () => {
      expect(await syncCatalogFiles(database.db, CATALOG_FILES)).toBe(false);
      const catalog = await loadCatalog(database.db);
      await storeMessages(database, catalog, at, [chat({ from: 'sunhao', text: '您好', at, conv: 'c-history', id: 'hist-1' })]);
      const org = parse(await readFile(CATALOG_FILES.orgFile, 'utf8')) as { people: Array<{ id: string }> };
      const dir = await mkdtemp(join(inject('runDir'), 'dealwise-org-'));
      const orgFile = join(dir, 'org.yaml');
      await writeFile(orgFile, stringify({ ...org, people: org.people.filter((p) => p.id !== 'sunhao') }));
      expect(await syncCatalogFiles(database.db, { ...CATALOG_FILES, orgFile })).toBe(true);
      const after = await loadCatalog(database.db);
      expect(after.version).toBeGreaterThan(catalog.version);
      expect(after.person('sunhao')?.active).toBe(false);
      const [kept] = await database.db.select().from(messages).where(eq(messages.platformMessageId, 'hist-1'));
      expect(kept!.personId).toBe('sunhao');
      await syncCatalogFiles(database.db, CATALOG_FILES);
      expect((await loadCatalog(database.db)).person('sunhao')?.active).toBe(true);
      await rm(dir, { recursive: true, force: true });
    });

    it('refuses a changed file that is invalid, naming it, and writes nothing', async () => {
      const before = await loadCatalog(database.db);
      const dir = await mkdtemp(join(inject('runDir'), 'dealwise-bad-'));
      const atomsFile = join(dir, 'atoms.yaml');
      await writeFile(atomsFile, 'atoms: [unclosed');
      await expect(syncCatalogFiles(database.db, { ...CATALOG_FILES, atomsFile })).rejects.toThrow(`ATOMS_FILE ${atomsFile} is not valid YAML`);
      const playbookFile = join(dir, 'playbooks.yaml');
      const playbook = parse(await readFile(CATALOG_FILES.playbookFile, 'utf8')) as { rules: Array<{ atoms?: unknown }> };
      playbook.rules[0]!.atoms = { ids: ['no-such-atom'] };
      await writeFile(playbookFile, stringify(playbook));
      await expect(syncCatalogFiles(database.db, { ...CATALOG_FILES, playbookFile })).rejects.toThrow(/names unknown atom no-such-atom/);
      expect((await loadCatalog(database.db)).version).toBe(before.version);
      expect(await syncCatalogFiles(database.db, CATALOG_FILES)).toBe(false);
      await rm(dir, { recursive: true, force: true });
    });

    it('a file load, even a forced one (SIGHUP), leaves what the console wrote; marked back as file-owned, the file wins again', async () => {
      const before = await loadCatalog(database.db);
      const atom = before.atoms.get('price-objection-early')!;
      const by = { personId: 'ops', via: 'console', at, enabled: true };
      await writeAtomVersion(database.db, { ...by, id: atom.id, definition: { ...atom, talkTracks: ['控制台版本'] } });
      const only = { id: 'console-only', title: '控制台新建', topic: '测试', keywords: [], about: [], stages: [], talkTracks: ['x'], evidence: [], risks: [] };
      await writeAtomVersion(database.db, { ...by, id: only.id, definition: only });
      await setPersonActive(database.db, { id: 'lisi', active: false, at });
      expect(await syncCatalogFiles(database.db, CATALOG_FILES, { force: true })).toBe(true);
      const after = await loadCatalog(database.db);
      expect(after.atoms.get(atom.id)?.talkTracks).toEqual(['控制台版本']);
      expect(after.atoms.has(only.id)).toBe(true);
      expect(after.person('lisi')?.active).toBe(false);
      expect(after.person('zhangsan')?.active).toBe(true);

      await database.db
        .update(atoms)
        .set({ source: 'file' })
        .where(inArray(atoms.id, [atom.id, only.id]));
      await database.db.update(people).set({ source: 'file' }).where(eq(people.id, 'lisi'));
      await syncCatalogFiles(database.db, CATALOG_FILES, { force: true });
      const restored = await loadCatalog(database.db);
      expect(restored.atoms.get(atom.id)?.talkTracks).toEqual(atom.talkTracks);
      expect(restored.atoms.has(only.id)).toBe(false);
      expect(restored.person('lisi')?.active).toBe(true);
    });

    it('stores a batch: conversations created once, a duplicate in the batch and a redelivery stored once', async () => {
      const catalog = await loadCatalog(database.db);
      const m1 = chat({ from: 'cust-a', name: '王总', text: '你好', at, conv: 'c-batch', id: 'b-1' });
      const m2 = chat({ from: 'zhangsan', text: '王总好', at, conv: 'c-batch', id: 'b-2' });
      const first = await storeMessages(database, catalog, at, [m1, m2, m1]);
      expect(first.map((o) => o.status)).toEqual(['stored', 'stored', 'duplicate']);
      const again = await storeMessages(database, catalog, at, [m2]);
      expect(again.map((o) => o.status)).toEqual(['duplicate']);
      const rows = await database.db.select().from(messages).where(eq(messages.conversationId, 'local:c-batch')).orderBy(messages.platformMessageId);
      expect(rows.map((r) => [r.platformMessageId, r.role])).toEqual([
        ['b-1', 'customer'],
        ['b-2', 'rep'],
      ]);
      expect(await database.db.select().from(conversations).where(eq(conversations.id, 'local:c-batch'))).toHaveLength(1);
    });

    it('names the inbox files a message to the bot still waiting for its command refers to', async () => {
      const catalog = await loadCatalog(database.db);
      const file = (key: string) => [{ name: 'a.pdf', type: 'file' as const, fileRef: key }];
      await storeMessages(database, catalog, at, [
        { ...dm('zhangsan', '', at), messageId: 'ib-1', kind: 'file', attachments: [{ name: 'x.txt', type: 'file' }, ...file('inbox-1')] },
        { ...dm('lisi', '', at), messageId: 'ib-2', kind: 'file', attachments: file('inbox-2') },
        // A customer chat's file: nothing reads it.
        { ...chat({ from: 'cust-a', text: '', at, conv: 'c-inbox', id: 'ib-3' }), attachments: file('inbox-3') },
      ]);
      expect([...(await inboxKeysInUse(database.sql, ['inbox-1', 'inbox-2', 'inbox-3', 'inbox-4']))].sort()).toEqual(['inbox-1', 'inbox-2']);
      expect(await inboxKeysInUse(database.sql, [])).toEqual(new Set());
      // Answered: its command took it off the queue.
      await database.sql.query(`delete from message_queue where direct and message_id = (select id from messages where platform_message_id = 'ib-2')`);
      expect([...(await inboxKeysInUse(database.sql, ['inbox-1', 'inbox-2']))]).toEqual(['inbox-1']);
    });

    it('stores a message delivered concurrently five times once, by the unique constraint', async () => {
      const catalog = await loadCatalog(database.db);
      const m = chat({ from: 'cust-b', text: '价格能再谈谈吗？', at, conv: 'c-race', id: 'race-1' });
      const results = (await Promise.all(Array.from({ length: 5 }, () => storeMessages(database, catalog, at, [m])))).flat();
      expect(results.filter((r) => r.status === 'stored')).toHaveLength(1);
      expect(await database.db.select().from(messages).where(eq(messages.platformMessageId, 'race-1'))).toHaveLength(1);
    });

    it('gives a conversation the title it lacked, never replaces one', async () => {
      const catalog = await loadCatalog(database.db);
      const untitled = { ...chat({ from: 'cust-c', text: '在吗', at, conv: 'c-title', id: 't-1' }), conversationTitle: undefined };
      await storeMessages(database, catalog, at, [untitled]);
      await storeMessages(database, catalog, at, [
        { ...chat({ from: 'cust-c', text: '在吗', at, conv: 'c-title', id: 't-2' }), conversationTitle: '鼎新集团' },
      ]);
      await storeMessages(database, catalog, at, [
        { ...chat({ from: 'cust-c', text: '在吗', at, conv: 'c-title', id: 't-3' }), conversationTitle: '别的名字' },
      ]);
      const [conv] = await database.db.select().from(conversations).where(eq(conversations.id, 'local:c-title'));
      expect(conv!.title).toBe('鼎新集团');
    });

    it("claims a partition's pending messages once, oldest first, and only customer chats", async () => {
      const catalog = await loadCatalog(database.db);
      const dm = { ...chat({ from: 'zhangsan', text: '/help', at, conv: 'dm-z', id: 'dm-1' }), direct: true, chatType: 'single' as const };
      await storeMessages(database, catalog, at, [dm]);
      const all = Array.from({ length: 64 }, (_, i) => i);
      const claimed = await database.transaction(async (tx) => {
        await lockSlots(tx, all);
        return claimPending(tx, all, 1_000, at);
      });
      expect(claimed.some((m) => m.text === '/help')).toBe(false);
      const times = claimed.map((m) => m.sentAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const again = await database.transaction((tx) => claimPending(tx, all, 1_000, at));
      expect(again).toEqual([]);
      expect(await database.transaction((tx) => slotsWithPending(tx, all, new Date(at.getTime() + 1)))).toEqual([]);
    });

    it('claims the oldest across slots in batches: each batch the next `limit`, none twice, none skipped', async () => {
      const catalog = await loadCatalog(database.db);
      const all = Array.from({ length: 64 }, (_, i) => i);
      await database.transaction((tx) => claimPending(tx, all, 10_000, at)); // what earlier tests left
      // 40 messages in 8 conversations (so several slots), sent in an order that interleaves them.
      const batch = Array.from({ length: 40 }, (_, i) =>
        chat({ from: 'cust-o', text: `第${i}条`, at: new Date(at.getTime() + ((i * 17) % 40) * 1_000), conv: `c-order-${i % 8}`, id: `order-${i}` }),
      );
      await storeMessages(database, catalog, at, batch);
      const taken: string[][] = [];
      for (let round = 0; round < 10; round++) {
        const claimed = await database.transaction((tx) => claimPending(tx, all, 7, at));
        if (claimed.length === 0) break;
        taken.push(claimed.map((m) => m.text ?? ''));
      }
      expect(taken.map((t) => t.length)).toEqual([7, 7, 7, 7, 7, 5]);
      const expected = [...batch].sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime()).map((m) => m.text);
      expect(taken.flat()).toEqual(expected);
    });

    it('claims the oldest in batches when one chat holds most of the queue, and when none does', async () => {
      const catalog = await loadCatalog(database.db);
      const all = Array.from({ length: 64 }, (_, i) => i);
      // A claim bounds each slot's read by a key taken from every slot's first few
      // (db/queries/analysis.ts): the batches must still be full and in order. A chat of 30 beside
      // three of 2, interleaved, then 24 chats of 2; each claimed in batches of 7 and of 3.
      for (const [name, sizes] of [
        ['one-chat', [30, 2, 2, 2]],
        ['many-chats', Array.from({ length: 24 }, () => 2)],
      ] as const) {
        for (const limit of [7, 3]) {
          await database.transaction((tx) => claimPending(tx, all, 10_000, at)); // what earlier tests left
          const batch = sizes.flatMap((n, c) =>
            Array.from({ length: n }, (_, k) =>
              chat({
                from: 'cust-s',
                text: `${name}-${limit}-${c}-${k}`,
                at: new Date(at.getTime() + (k * sizes.length + c) * 1_000),
                conv: `c-${name}-${limit}-${c}`,
                id: `${name}-${limit}-${c}-${k}`,
              }),
            ),
          );
          await storeMessages(database, catalog, at, batch);
          const taken: string[] = [];
          for (let round = 0; round < 40; round++) {
            const claimed = await database.transaction((tx) => claimPending(tx, all, limit, at));
            if (claimed.length === 0) break;
            // Full batches: the bound never cuts a batch short.
            expect(claimed.length).toBe(Math.min(limit, batch.length - taken.length));
            taken.push(...claimed.map((m) => m.text ?? ''));
          }
          const expected = [...batch].sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime()).map((m) => m.text);
          expect(taken, `${name}, batches of ${limit}`).toEqual(expected);
        }
      }
    });

    it('lets one sweeper in at a time', async () => {
      let inner: boolean | null = null;
      await database.transaction(async (tx) => {
        expect(await trySweepLock(tx)).toBe(true);
        if (database.kind === 'postgres') inner = await database.transaction((tx2) => trySweepLock(tx2));
      });
      if (database.kind === 'postgres') expect(inner).toBe(false);
    });

    /** A delivery to zhangsan waiting to be sent, made at `at`. */
    const pendingFields = (id: string) => ({
      id,
      idempotencyKey: id,
      platform: 'local' as const,
      to: { personId: 'zhangsan' },
      message: { type: 'text' as const, text: 'hi' },
      status: 'pending' as const,
      createdAt: at,
    });
    const pendingDelivery = (id: string) => database.db.insert(deliveries).values(pendingFields(id));

    it('claims a delivery for one sender; a crashed sender’s row is retaken after its lease; marks outcomes', async () => {
      const id = `d-${name}`;
      await pendingDelivery(id);
      const first = await claimDeliveries(database.sql, [id], at, new Date(at.getTime() - 60_000));
      expect(first.map((d) => d.id)).toEqual([id]);
      expect(await claimDeliveries(database.sql, [id], at, new Date(at.getTime() - 60_000))).toEqual([]);
      const later = new Date(at.getTime() + 120_000);
      const retaken = await claimDeliveries(database.sql, [id], later, new Date(later.getTime() - 60_000));
      expect(retaken.map((d) => d.attempts)).toEqual([2]);
      const outcome = {
        id,
        status: 'sent',
        sent_at: later.toISOString(),
        platform_message_id: 'p-1',
        last_error: null,
        not_before: null,
        refund: false,
        parts_sent: 1,
      } as const;
      // The crashed sender's late mark holds the claim that was retaken: it changes nothing.
      await markDeliveries(database.sql, [{ ...outcome, claimed_at: first[0]!.claimedAt.toISOString(), platform_message_id: 'p-0' }]);
      expect((await database.db.select().from(deliveries).where(eq(deliveries.id, id)))[0]).toMatchObject({ status: 'pending', claimedAt: later });
      await markDeliveries(database.sql, [{ ...outcome, claimed_at: retaken[0]!.claimedAt.toISOString() }]);
      const [row] = await database.db.select().from(deliveries).where(eq(deliveries.id, id));
      expect(row).toMatchObject({ status: 'sent', platformMessageId: 'p-1', claimedAt: null });
      expect(await pendingDeliveries(database.sql, later, later, new Date(later.getTime() - 60_000), 10)).toEqual([]);
    });

    it('keeps the parts a platform accepted across a failed attempt, and hands them to the next claim', async () => {
      const id = `d-parts-${name}`;
      await pendingDelivery(id);
      const [first] = await claimDeliveries(database.sql, [id], at, new Date(at.getTime() - 60_000));
      expect(first?.partsSent).toBe(0);
      await markDeliveries(database.sql, [
        {
          id,
          claimed_at: first!.claimedAt.toISOString(),
          status: 'pending',
          sent_at: null,
          platform_message_id: null,
          last_error: 'TIMEOUT: platform did not answer',
          not_before: null,
          refund: false,
          parts_sent: 1,
        },
      ]);
      const later = new Date(at.getTime() + 1_000);
      const [second] = await claimDeliveries(database.sql, [id], later, new Date(later.getTime() - 60_000));
      expect(second).toMatchObject({ partsSent: 1, attempts: 2 });
    });

    it("claims a nudge's delivery, which keeps no copy of the card, with the card built from the nudge", async () => {
      const iso = at.toISOString();
      const n = { ...nudgeRow(`nc-${name}`, iso), title: '💡 客户提出价格异议', body: '**建议**：先确认顾虑' };
      await insertNudges(database.sql, [{ ...n, compliance_id: null }]);
      const delivery = (id: string, nudgeId: string | null) => deliveryRow(id, nudgeId, null, iso);
      await insertDeliveries(database.sql, [delivery(`dc-${name}`, n.id)]);
      const [claimed] = await claimDeliveries(database.sql, [`dc-${name}`], at, new Date(at.getTime() - 60_000));
      expect(claimed?.message).toEqual({ type: 'card', title: n.title, text: n.body, buttons: feedbackButtons(n.id) });
      // A delivery with neither a message nor a nudge is no writer's: the claim says so.
      await database.db.insert(deliveries).values({ ...pendingFields(`dx-${name}`), message: null });
      await expect(claimDeliveries(database.sql, [`dx-${name}`], at, new Date(at.getTime() - 60_000))).rejects.toThrow(
        `delivery dx-${name} has no message and no nudge`,
      );
      await database.db.delete(deliveries).where(inArray(deliveries.id, [`dc-${name}`, `dx-${name}`]));
      await database.db.delete(nudges).where(eq(nudges.id, n.id));
    });

    it('writes a nudge only with its compliance record, and a delivery or atom event only with its nudge', async () => {
      const iso = at.toISOString();
      const nudge = (id: string) => nudgeRow(id, iso);
      const record = {
        id: `cr-${name}`,
        kind: 'sensitive_phrase' as const,
        subject_key: `m-${name}`,
        person_id: 'zhangsan',
        conversation_id: 'c',
        opportunity_id: null,
        message_id: `m-${name}`,
        detail: {},
        at: iso,
      };
      expect(await insertCompliance(database.sql, [record])).toEqual(new Set([record.id]));
      const written = await insertNudges(database.sql, [
        { ...nudge(`n-${name}-1`), compliance_id: null },
        { ...nudge(`n-${name}-2`), compliance_id: record.id },
        { ...nudge(`n-${name}-3`), compliance_id: `cr-${name}-never-written` },
      ]);
      expect(written).toEqual(new Set([`n-${name}-1`, `n-${name}-2`]));
      const delivery = (id: string, nudgeId: string | null) => deliveryRow(id, nudgeId, { type: 'text', text: 'hi' }, iso);
      const sent = await insertDeliveries(database.sql, [
        delivery(`dn-${name}-1`, `n-${name}-1`),
        delivery(`dn-${name}-3`, `n-${name}-3`),
        delivery(`dn-${name}-x`, null),
      ]);
      expect(sent.map((d) => d.id).sort()).toEqual([`dn-${name}-1`, `dn-${name}-x`]);
      const event = (id: string, nudgeId: string | null) => ({
        id,
        atom_id: 'a',
        person_id: 'zhangsan',
        nudge_id: nudgeId,
        opportunity_id: null,
        kind: 'pushed' as const,
        at: iso,
      });
      await insertAtomEvents(database.sql, [event(`ae-${name}-1`, `n-${name}-2`), event(`ae-${name}-3`, `n-${name}-3`), event(`ae-${name}-x`, null)]);
      const events = await database.db
        .select({ id: atomEvents.id })
        .from(atomEvents)
        .where(inArray(atomEvents.id, [`ae-${name}-1`, `ae-${name}-3`, `ae-${name}-x`]));
      expect(events.map((e) => e.id).sort()).toEqual([`ae-${name}-1`, `ae-${name}-x`]);
      await database.db.delete(atomEvents).where(inArray(atomEvents.id, [`ae-${name}-1`, `ae-${name}-x`]));
      await database.db.delete(deliveries).where(inArray(deliveries.id, [`dn-${name}-1`, `dn-${name}-x`]));
      await database.db.delete(nudges).where(inArray(nudges.id, [...written]));
    });

    it('pages pending deliveries oldest first, each page after the last one', async () => {
      const ids = [1, 2, 3, 4, 5].map((i) => `pg-${name}-${i}`);
      await database.db.insert(deliveries).values(
        ids.map((id, i) => ({
          ...pendingFields(id),
          // Two share a time: the id breaks the tie.
          createdAt: new Date(at.getTime() - 30 * 86_400_000 + Math.min(i, 3) * 1_000),
        })),
      );
      const now = new Date(at.getTime() + 1_000);
      const page = (after: { at: Date; id: string } | null) => pendingDeliveries(database.sql, now, now, new Date(now.getTime() - 60_000), 2, after);
      const pages: string[][] = [];
      let after: { at: Date; id: string } | null = null;
      for (;;) {
        const rows = await page(after);
        pages.push(rows.map((r) => r.id));
        if (rows.length < 2) break;
        after = { at: rows.at(-1)!.at, id: rows.at(-1)!.id };
      }
      expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
      await database.db.delete(deliveries).where(inArray(deliveries.id, ids));
    });

    it('takes due timers once, skipping rows another transaction holds', async () => {
      const catalog = await loadCatalog(database.db);
      await storeMessages(database, catalog, at, [chat({ from: 'lisi', text: '报价', at, conv: 'c-timer', id: 'tm-1' })]);
      const [msg] = await database.db.select().from(messages).where(eq(messages.platformMessageId, 'tm-1'));
      const row = (id: string) => ({
        id,
        ruleId: 'quote-no-reply-3d',
        conversationId: 'local:c-timer',
        triggerMessageId: `${msg!.id}-${id}`,
        triggerAt: at,
        expect: { reply: 'customer' as const },
        startedAt: at,
        nudgeAt: at,
        dueAt: at,
        status: 'pending' as const,
      });
      await database.db.insert(timers).values([row('tm-a'), row('tm-b')]);
      const due = await database.transaction((tx) => takeDueTimers(tx, new Date(at.getTime() + 1), 10));
      expect(due.map((t) => t.id).sort()).toEqual(['tm-a', 'tm-b']);
      if (database.kind === 'postgres') {
        // Held by one transaction, the rows are skipped by another.
        await database.transaction(async (tx) => {
          await takeDueTimers(tx, new Date(at.getTime() + 1), 1);
          const other = await database.transaction((tx2) => takeDueTimers(tx2, new Date(at.getTime() + 1), 10));
          expect(other).toHaveLength(1);
        });
      }
    });

    it("finds a batch's deliveries and timers by their ids, never through a status index, where the statistics call that status rare", async () => {
      const catalog = await loadCatalog(database.db);
      await storeMessages(database, catalog, at, [chat({ from: 'lisi', text: '报价', at, conv: 'c-status', id: 'st-1' })]);
      const n = 2_000;
      // Every 100th delivery and timer still pending, the rest done, and the statistics know it:
      // the planner would then answer `status = 'pending'` from the status index, whose entries
      // for rows that left the state stay until a vacuum (a burst's sends left ~10,000).
      await database.sql.query(
        `insert into deliveries (id, idempotency_key, platform, "to", message, status, created_at)
           select 'st-d' || i, 'st-d' || i, 'local', '{"personId":"zhangsan"}', '{"type":"text","text":"hi"}',
             case when i % 100 = 0 then 'pending' else 'sent' end, $1 from generate_series(1, ${n}) i`,
        [at],
      );
      await database.sql.query(
        `insert into timers (id, rule_id, conversation_id, trigger_message_id, trigger_at, expect, started_at, nudge_at, due_at, status)
           select 'st-t' || i, 'quote-no-reply-3d', 'local:c-status', 'st-m' || i, $1, '{}', $1, $1, $1,
             case when i % 100 = 0 then 'pending' else 'fulfilled' end from generate_series(1, ${n}) i`,
        [at],
      );
      await database.sql.query('analyze deliveries, timers');
      // Half the ids still pending, half done (a sender revisiting what others took).
      const ids = (prefix: string) => Array.from({ length: 40 }, (_, i) => `${prefix}${(i + 1) * 50}`);
      const later = new Date(at.getTime() + 1_000);
      await database.transaction(async (tx) => {
        // The backend's counts not yet reported, earlier statements' included: compared before and after.
        const scans = async () =>
          (
            await tx.query<{ n: number }>(
              "select (pg_stat_get_xact_numscans('deliveries_status_idx'::regclass) + pg_stat_get_xact_numscans('timers_status_nudge_idx'::regclass))::int as n",
            )
          )[0]!.n;
        const before = await scans();
        const claimed = await claimDeliveries(tx, ids('st-d'), later, at);
        expect(claimed).toHaveLength(20);
        const outcome = {
          status: 'sent',
          sent_at: later.toISOString(),
          platform_message_id: null,
          last_error: null,
          not_before: null,
          refund: false,
          parts_sent: 1,
        } as const;
        await markDeliveries(
          tx,
          claimed.map((d) => ({ ...outcome, id: d.id, claimed_at: d.claimedAt.toISOString() })),
        );
        expect(await unsentDeliveries(tx, ids('st-d'), 60_000, later)).toEqual([]);
        const timerRows = ids('st-t').map((id) => ({ id, status: 'expired' as const, at: later.toISOString() }));
        await resolveTimers(tx, timerRows);
        expect(await scans()).toBe(before);
        const [counted] = await tx.query<{ expired: number }>("select count(*)::int as expired from timers where id like 'st-t%' and status = 'expired'");
        expect(counted?.expired).toBe(20);
      });
      await database.sql.query("delete from deliveries where id like 'st-d%'");
      await database.sql.query("delete from timers where id like 'st-t%'");
    });

    it('remembers signed webhook requests for their window: one claim wins, a replay loses until the window passes or it is released', async () => {
      let now = at.getTime();
      const errors: unknown[] = [];
      const store = databaseNonces(
        database.sql,
        () => now,
        (err) => errors.push(err),
      );
      const key = requestKey('feishu', '1764900000', 'nonce-db-1', 'ab'.repeat(32));
      // Two processes claiming the same request at once: exactly one wins.
      const other = databaseNonces(database.sql, () => now);
      const both = await Promise.all([store.claim(key, 600_000), other.claim(key, 600_000)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await store.claim(key, 600_000)).toBe(false);
      now += 599_999;
      expect(await other.claim(key, 600_000)).toBe(false);
      now += 2;
      expect(await other.claim(key, 600_000)).toBe(true);
      await other.release(key);
      expect(await store.claim(key, 600_000)).toBe(true);
      expect(errors).toEqual([]);

      // The clean-up deletes expired rows only, a bounded page at a time. An hour on, so that the
      // stores' own clean-ups (fired at their claims, with the earlier time) leave these rows be.
      const later = now + 3_600_000;
      await database.db
        .insert(webhookNonces)
        .values([
          ...Array.from({ length: 5 }, (_, i) => ({ key: `old-${i}`, expiresAt: new Date(later - 1_000 - i) })),
          { key: 'fresh', expiresAt: new Date(later + 1_000) },
        ]);
      // Five old rows and the claimed one, whose window ended before `later`.
      expect(await pruneNonces(database.sql, new Date(later), 4)).toBe(4);
      expect(await pruneNonces(database.sql, new Date(later), 4)).toBe(2);
      expect(await pruneNonces(database.sql, new Date(later), 4)).toBe(0);
      const left = await database.db.select({ key: webhookNonces.key }).from(webhookNonces);
      expect(left.map((r) => r.key)).toEqual(['fresh']);
    });
  });
}
