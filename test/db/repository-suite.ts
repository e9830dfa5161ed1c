/**
 * The repository tests, written once and run against both databases dealwise supports: PGlite
 * (test/db/pglite.test.ts) and the real PostgreSQL (test/services/postgres.test.ts).
 */
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNudge } from '../../bots/coach/nudge.ts';
import { cancelTimers, fulfilTimers, openTimer } from '../../bots/coach/timers.ts';
import { ingestMessage } from '../../bots/loop/ingest.ts';
import { readOrgFile, syncOrg } from '../../bots/org/org-file.ts';
import { syncPlaybook, type Playbook } from '../../bots/playbook/load.ts';
import { ManualClock } from '../../core/clock.ts';
import type { Database } from '../../db/client.ts';
import { personByPlatformId, platformIdsOf } from '../../db/queries/directory.ts';
import { conversations, deliveries, messages, nudges, opportunities, people, timers } from '../../db/schema/index.ts';
import { chat } from '../helpers/app.ts';

const WH = { timeZone: 'Asia/Shanghai', start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] };

export function defineRepositorySuite(name: string, open: () => Promise<Database>, dispose: () => Promise<void> = async () => {}): void {
  describe(`repositories on ${name}`, () => {
    let database: Database;
    let playbook: Playbook;
    const clock = new ManualClock(new Date('2026-11-23T09:00:00+08:00'));
    beforeAll(async () => {
      database = await open();
      playbook = await syncPlaybook(database.db, { playbookFile: 'config/playbooks.yaml', atomsFile: 'config/atoms.yaml' });
      await syncOrg(database.db, await readOrgFile('config/org.yaml'));
    });
    afterAll(async () => {
      await database?.close();
      await dispose();
    });
    const deps = () => ({ db: database.db, clock, firstStage: 'lead' });

    it('maps platform ids to directory people, and unknown ids to nobody', async () => {
      const p = await personByPlatformId(database.db, 'feishu', 'ou_7d8a6e6df7621556ce0d21922b676706');
      expect(p).toMatchObject({ id: 'zhangsan', role: 'rep', teamId: 'east' });
      expect(await personByPlatformId(database.db, 'feishu', 'ou_unknown')).toBeNull();
      expect((await platformIdsOf(database.db, 'zhangsan')).get('dingtalk')).toBe('0123456');
    });

    it('reloading the org deactivates people no longer listed and keeps their history', async () => {
      const org = await readOrgFile('config/org.yaml');
      await ingestMessage(deps(), chat({ from: 'sunhao', text: '您好', at: clock.now(), conv: 'c-history', id: 'hist-1' }));
      await syncOrg(database.db, { ...org, people: org.people.filter((p) => p.id !== 'sunhao') });
      const [gone] = await database.db.select().from(people).where(eq(people.id, 'sunhao'));
      expect(gone!.active).toBe(false);
      const [kept] = await database.db.select().from(messages).where(eq(messages.platformMessageId, 'hist-1'));
      expect(kept!.personId).toBe('sunhao');
      await syncOrg(database.db, org);
      const [back] = await database.db.select().from(people).where(eq(people.id, 'sunhao'));
      expect(back!.active).toBe(true);
    });

    it('opens a deal with a new customer conversation and gives it to the first rep who speaks', async () => {
      await ingestMessage(deps(), chat({ from: 'cust-a', name: '王总', text: '你好', at: clock.now(), conv: 'c-owner', id: 'own-1' }));
      await ingestMessage(deps(), chat({ from: 'zhangsan', text: '王总好', at: clock.now(), conv: 'c-owner', id: 'own-2' }));
      await ingestMessage(deps(), chat({ from: 'lisi', text: '我是李四', at: clock.now(), conv: 'c-owner', id: 'own-3' }));
      const [conv] = await database.db.select().from(conversations).where(eq(conversations.id, 'local:c-owner'));
      expect(conv).toMatchObject({ ownerId: 'zhangsan', direct: false });
      const [opp] = await database.db.select().from(opportunities).where(eq(opportunities.id, conv!.opportunityId!));
      expect(opp).toMatchObject({ ownerId: 'zhangsan', stage: 'lead', name: '测试科技 · CRM 项目' });
      const roles = await database.db
        .select({ role: messages.role })
        .from(messages)
        .where(eq(messages.conversationId, 'local:c-owner'))
        .orderBy(messages.platformMessageId);
      expect(roles.map((r) => r.role)).toEqual(['customer', 'rep', 'rep']);
    });

    it('stores a message delivered concurrently five times once, by the unique constraint', async () => {
      const m = chat({ from: 'cust-b', text: '价格能再谈谈吗？', at: clock.now(), conv: 'c-race', id: 'race-1' });
      const results = await Promise.all(Array.from({ length: 5 }, () => ingestMessage(deps(), m)));
      expect(results.filter((r) => r.status === 'stored')).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      const [n] = await database.db
        .select({ n: count() })
        .from(messages)
        .where(and(eq(messages.platform, 'local'), eq(messages.platformMessageId, 'race-1')));
      expect(n!.n).toBe(1);
      const convs = await database.db.select().from(conversations).where(eq(conversations.id, 'local:c-race'));
      expect(convs).toHaveLength(1);
    });

    it('keeps one open timer per rule and conversation, fulfils it with a later reply, cancels on close', async () => {
      const rule = playbook.rules.find((r) => r.id === 'quote-no-reply-3d')!;
      const at = new Date('2026-11-23T14:00:00+08:00');
      const base = { rule, conversationId: 'local:c-timer', opportunityId: null, repId: 'lisi', text: '报价', wh: WH };
      const [conv] = await database.db
        .insert(conversations)
        .values({ id: 'local:c-timer', platform: 'local', chatId: 'c-timer', chatType: 'group', createdAt: at })
        .returning();
      expect(conv).toBeDefined();
      const first = await openTimer(database.db, { ...base, messageId: 'm-t1', sentAt: at });
      const second = await openTimer(database.db, { ...base, messageId: 'm-t2', sentAt: new Date(at.getTime() + 3_600_000) });
      expect(first).not.toBeNull();
      expect(second).toBeNull();
      // A reply from our own side does not count as the customer's.
      expect(
        await fulfilTimers(database.db, {
          conversationId: 'local:c-timer',
          messageId: 'm-t3',
          side: 'rep',
          sentAt: new Date(at.getTime() + 7_200_000),
          actions: [],
        }),
      ).toBe(0);
      expect(
        await fulfilTimers(database.db, {
          conversationId: 'local:c-timer',
          messageId: 'm-t4',
          side: 'customer',
          sentAt: new Date(at.getTime() + 7_200_000),
          actions: [],
        }),
      ).toBe(1);
      const [done] = await database.db.select().from(timers).where(eq(timers.id, first!.id));
      expect(done).toMatchObject({ status: 'fulfilled', resolvedByMessageId: 'm-t4' });

      const [opp] = await database.db.insert(opportunities).values({ id: 'opp-timer', name: 'x', stage: 'proposal', createdAt: at, updatedAt: at }).returning();
      const third = await openTimer(database.db, { ...base, opportunityId: opp!.id, messageId: 'm-t5', sentAt: at });
      await cancelTimers(database.db, opp!.id, at);
      const [cancelled] = await database.db.select().from(timers).where(eq(timers.id, third!.id));
      expect(cancelled!.status).toBe('cancelled');
    });

    it('creates a nudge once per rule and trigger, with its delivery to the rep only', async () => {
      const rule = playbook.rules.find((r) => r.id === 'price-objection')!;
      const input = {
        rule,
        triggerId: 'action-1',
        personId: 'zhangsan',
        opportunityId: null,
        dealName: '测试',
        conversationId: 'local:c-owner',
        platform: 'local' as const,
        messageId: 'm-1',
        evidenceText: '太贵了',
        atoms: [],
        at: clock.now(),
      };
      const first = await createNudge(database.db, ['local'], input);
      const again = await createNudge(database.db, ['local'], input);
      expect(first).not.toBeNull();
      expect(again).toBeNull();
      const rows = await database.db.select().from(nudges).where(eq(nudges.idempotencyKey, 'price-objection:action-1'));
      expect(rows).toHaveLength(1);
      const [d] = await database.db.select().from(deliveries).where(eq(deliveries.id, first!));
      expect(d).toMatchObject({ platform: 'local', to: { personId: 'zhangsan' }, status: 'pending' });
    });
  });
}
