/**
 * The knowledge loop and the decay report: per-atom counts from pushes to wins, atoms under 15%
 * use for two months running, `/atoms` with its access rules (a rep sees their own use only and
 * is refused the decay list) and the monthly report to managers and atoms' owners.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogHolder } from '../../bots/catalog/watch.ts';
import { answerCommand } from '../../bots/commands/answer.ts';
import { parseCommand } from '../../bots/commands/parse.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { createDocumentStorage } from '../../bots/documents/storage.ts';
import { decayingAtoms, lastMonths } from '../../bots/reports/atom-decay.ts';
import { atomFunnel } from '../../bots/reports/atom-funnel.ts';
import { createDecayReport, decayRecipients } from '../../bots/reports/decay-job.ts';
import { createWeeklyDigest } from '../../bots/reports/digest-job.ts';
import { ManualClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { atomEvents, deliveries, nudges, opportunities, stageChanges } from '../../db/schema/index.ts';
import { openTestDb, type TestDb } from '../helpers/app.ts';

const NOW = new Date('2026-12-03T10:00:00+08:00');
const TZ = 'Asia/Shanghai';
const at = (s: string) => new Date(`${s}+08:00`);

let copy: TestDb;
let dir: string;
let database: Database;
let catalog: CatalogHolder;
let n = 0;

async function event(atomId: string, personId: string, kind: 'pushed' | 'used', when: Date, extra: { opp?: string; nudge?: string } = {}) {
  await database.db.insert(atomEvents).values({
    id: `e${++n}`,
    atomId,
    personId,
    kind,
    at: when,
    opportunityId: extra.opp ?? null,
    nudgeId: extra.nudge ?? null,
  });
}

beforeAll(async () => {
  copy = await openTestDb();
  ({ database, dataDir: dir } = copy);
  catalog = await CatalogHolder.open(database.db, createLogger({ level: 'silent' }));
  const { db } = database;
  // Deal d1 (张三): a price talk-track pushed 10-05, used 10-06, marked 有用; the deal moved to
  // 商务谈判 on 10-09 and was won in November. Deal d2 (李四): pushed, not used, marked 没用.
  for (const [id, owner, status] of [
    ['d1', 'zhangsan', 'won'],
    ['d2', 'lisi', 'open'],
  ] as const) {
    await db.insert(opportunities).values({
      id,
      name: id,
      ownerId: owner,
      stage: status === 'won' ? 'won' : 'proposal',
      stageAt: at('2026-10-01T10:00:00'),
      status,
      closedAt: status === 'won' ? at('2026-11-10T10:00:00') : null,
      createdAt: at('2026-09-01T10:00:00'),
      updatedAt: NOW,
    });
  }
  await db.insert(stageChanges).values({ id: 'sc1', opportunityId: 'd1', fromStage: 'proposal', toStage: 'negotiation', at: at('2026-10-09T10:00:00') });
  for (const [id, person, opp, feedback] of [
    ['n1', 'zhangsan', 'd1', 'useful'],
    ['n2', 'lisi', 'd2', 'not_useful'],
  ] as const) {
    await db.insert(nudges).values({
      id,
      idempotencyKey: id,
      personId: person,
      opportunityId: opp,
      ruleId: 'price-objection',
      atomIds: ['price-objection-early'],
      title: 't',
      body: 'b',
      createdAt: at('2026-10-05T10:00:00'),
      feedback,
    });
  }
  await event('price-objection-early', 'zhangsan', 'pushed', at('2026-10-05T10:00:00'), { opp: 'd1', nudge: 'n1' });
  await event('price-objection-early', 'zhangsan', 'used', at('2026-10-06T10:00:00'), { opp: 'd1' });
  await event('price-objection-early', 'lisi', 'pushed', at('2026-10-05T10:00:00'), { opp: 'd2', nudge: 'n2' });
  await event('price-objection-early', 'zhangsan', 'pushed', at('2026-11-05T10:00:00'));
  await event('price-objection-early', 'lisi', 'pushed', at('2026-11-05T10:00:00'));
  // competitor-named: pushed to all four reps in October and November, used by one of them once
  // in a month only after December began (not in the months that count).
  for (const month of ['10', '11'])
    for (const rep of ['zhangsan', 'lisi', 'zhaomin', 'sunhao']) await event('competitor-named', rep, 'pushed', at(`2026-${month}-12T10:00:00`));
  await event('competitor-named', 'zhangsan', 'used', at('2026-12-01T10:00:00'));
  // trust-data-security (owner: ops): 华北二组 only, never used.
  for (const month of ['10', '11']) for (const rep of ['zhaomin', 'sunhao']) await event('trust-data-security', rep, 'pushed', at(`2026-${month}-20T10:00:00`));
  // timing-no-budget: pushed in October only; a month without pushes says nothing.
  await event('timing-no-budget', 'zhangsan', 'pushed', at('2026-10-20T10:00:00'));
}, 120_000);

afterAll(async () => {
  await copy?.cleanup();
});

const text = (m: OutboundMessage) => (m.type === 'markdown' ? `${m.title}\n${m.text}` : JSON.stringify(m));
const stages = () => winningPath(catalog.current.playbook.funnel);

describe('the knowledge loop', () => {
  it('counts each atom from push to win', async () => {
    const rows = await atomFunnel(database.db, { scope: { all: true }, stages: stages() });
    expect(rows.find((r) => r.atomId === 'price-objection-early')).toEqual({
      atomId: 'price-objection-early',
      pushed: 4,
      pushedReps: 2,
      usedReps: 1,
      used: 1,
      useful: 1,
      notUseful: 1,
      advanced: 1,
      won: 1,
    });
    expect(rows[0]!.atomId).toBe('competitor-named');
    const mine = await atomFunnel(database.db, { scope: { personIds: ['lisi'] }, stages: stages() });
    expect(mine.find((r) => r.atomId === 'price-objection-early')).toMatchObject({ pushed: 2, used: 0, useful: 0, notUseful: 1, won: 0 });
    const october = await atomFunnel(database.db, { scope: { all: true }, stages: stages(), from: at('2026-10-01T00:00:00'), to: at('2026-11-01T00:00:00') });
    expect(october.find((r) => r.atomId === 'price-objection-early')!.pushed).toBe(2);
  });

  it('finds the atoms under 15% use two months running, within the scope', async () => {
    expect(lastMonths(NOW, TZ).map((m) => m.label)).toEqual(['2026-10', '2026-11']);
    expect(lastMonths(new Date('2026-01-15T10:00:00+08:00'), TZ).map((m) => m.label)).toEqual(['2025-11', '2025-12']);
    const all = await decayingAtoms(database.db, { scope: { all: true }, now: NOW, timeZone: TZ });
    expect(all.map((d) => d.atomId)).toEqual(['competitor-named', 'trust-data-security']);
    expect(all[0]!.months).toEqual([
      { month: '2026-10', pushedReps: 4, usedReps: 0, rate: 0 },
      { month: '2026-11', pushedReps: 4, usedReps: 0, rate: 0 },
    ]);
    const east = await decayingAtoms(database.db, { scope: { personIds: ['zhangsan', 'lisi'] }, now: NOW, timeZone: TZ });
    expect(east.map((d) => d.atomId)).toEqual(['competitor-named']);
    // In January, December's use (1 of 4) is over 15%: no longer decaying.
    const later = await decayingAtoms(database.db, { scope: { all: true }, now: new Date('2027-01-05T10:00:00+08:00'), timeZone: TZ });
    expect(later.map((d) => d.atomId)).not.toContain('competitor-named');
  });
});

describe('/atoms', () => {
  const ask = async (personId: string, command: string) => {
    const person = catalog.current.person(personId)!;
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const extras = {
      documents: { storage: createDocumentStorage(config), publicUrl: 'http://127.0.0.1:3000' },
      wh: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
    };
    return text(await answerCommand({ tx: database.db, catalog, config, person, platform: 'local', now: NOW, ...extras }, parseCommand(command)!));
  };

  it('parses', () => {
    expect(parseCommand('/atoms')).toEqual({ name: 'atoms' });
    expect(parseCommand('/知识闭环 衰减')).toEqual({ name: 'atoms', view: '衰减' });
  });

  it("shows a manager their teams' loop and decay list", async () => {
    const east = await ask('wangjing', '/atoms');
    const price = catalog.current.atoms.get('price-objection-early')!.title;
    expect(east).toContain(`**${price}** 推送 4 次（2 人）→ 采用 1 → 有用 1 / 没用 1 → 7天内推进 1 → 赢单 1`);
    expect(east).toContain('**话术衰减**（连续两个月采用率低于 15%）');
    expect(east).toContain(`${catalog.current.atoms.get('competitor-named')!.title}：2026-10 0/2 人采用（0.0%） · 2026-11 0/2 人采用（0.0%）`);
    expect(east).not.toContain(catalog.current.atoms.get('trust-data-security')!.title);
    const decay = await ask('liuqiang', '/atoms 衰减');
    expect(decay).toContain(`${catalog.current.atoms.get('trust-data-security')!.title}（维护人 陈运营）`);
    expect(decay).not.toContain('**知识闭环**');
  });

  it('shows a rep their own use only, and refuses them the decay list', async () => {
    const own = await ask('lisi', '/atoms');
    expect(own).toContain('只统计推送给你的话术和你的采用');
    expect(own).toContain(`**${catalog.current.atoms.get('price-objection-early')!.title}** 推送 2 次（1 人）→ 采用 0 → 有用 0 / 没用 1`);
    expect(own).not.toContain('话术衰减');
    expect(own).not.toContain(catalog.current.atoms.get('trust-data-security')!.title);
    expect(await ask('lisi', '/atoms 衰减')).toContain('话术衰减报告只对销售经理开放');
    expect(await ask('lisi', '/atoms 随便')).toContain('用法');
  });
});

describe('the monthly decay report', () => {
  const deps = () => ({
    database,
    catalog,
    clock: new ManualClock(NOW),
    config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }),
    sendPlatforms: ['local' as const],
    dispatch: async () => {},
  });
  const sent = async (personId: string) => {
    const row = await createDecayReport(deps(), personId);
    if (!row) return null;
    expect(await createDecayReport(deps(), personId)).toBeNull();
    const [d] = await database.db.select().from(deliveries).where(eq(deliveries.id, row.id));
    return text(d!.message!);
  };

  it('goes to the managers and to the atoms’ owners, once a month, and to no one with nothing decaying', async () => {
    expect(decayRecipients(catalog.current)).toEqual(['liuqiang', 'ops', 'wangjing']);
    const c = catalog.current;
    const east = await sent('wangjing');
    expect(east).toContain('话术衰减月报 · 2026-10、2026-11');
    expect(east).toContain(c.atoms.get('competitor-named')!.title);
    expect(east).not.toContain(c.atoms.get('trust-data-security')!.title);
    const owner = await sent('ops');
    expect(owner).toContain(`**你维护的话术**（全部团队）\n- ${c.atoms.get('trust-data-security')!.title}`);
    expect(await sent('zhangsan')).toBeNull();
    expect(Buffer.byteLength(east!)).toBeLessThan(2048);
  });

  it('and the weekly digest lists the decaying atoms too', async () => {
    const row = await createWeeklyDigest(deps(), 'wangjing');
    const [d] = await database.db.select().from(deliveries).where(eq(deliveries.id, row!.id));
    const digest = text(d!.message!);
    expect(digest).toContain(`**话术衰减**（连续两个月采用率低于 15%）\n- ${catalog.current.atoms.get('competitor-named')!.title}`);
    expect(digest).toContain('`/atoms`');
  });
});
