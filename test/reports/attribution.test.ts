/**
 * Attribution on a generated history whose behaviours carry well-separated planted lifts: the
 * ranking recovers the planted order, each planted lift lies in its interval, thin samples read
 * 样本不足, and each asker sees only their deals (a rep their own, with no one to compare to).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '../../bots/catalog/watch.ts';
import { answerCommand } from '../../bots/commands/answer.ts';
import { parseCommand } from '../../bots/commands/parse.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { createDocumentStorage } from '../../bots/documents/storage.ts';
import { type AttributionParams, attribution } from '../../bots/reports/attribution.ts';
import { type BehaviourKey, DEFAULT_MODEL, type HistoryModel, plantedRates, skillOf } from '../../bots/reports/history-model.ts';
import { rateRatio, zFor } from '../../bots/reports/stats.ts';
import { loadConfig } from '../../core/config.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { type HistoryDb, HISTORY_NOW, HISTORY_TZ, openHistoryDb } from '../helpers/history-db.ts';

const NOW = HISTORY_NOW;
const TZ = HISTORY_TZ;

/**
 * Planted lifts on advancing, far enough apart to be told apart at 2,000 deals: material ×3,
 * objection ×2, follow-up ×1.5, question ×1.15, atom used ×1 (no effect).
 */
const MODEL: HistoryModel = {
  ...DEFAULT_MODEL,
  question: { ...DEFAULT_MODEL.question, advanceWith: 0.69, advanceWithout: 0.6 },
  material: { prevalence: 0.5, advanceWith: 0.9, advanceWithout: 0.3 },
  proposal: { followUpPrevalence: 0.5, atomPushed: 0.7, atomPrevalence: 0.45, base: 0.4, followUp: 0.2, atomUsed: 0 },
  objection: { ...DEFAULT_MODEL.objection, winWith: 0.8, winWithout: 0.4 },
};

let history: HistoryDb;
let database: Database;
let catalog: CatalogHolder;
let base: AttributionParams;
/** Owners the history was drawn over: the planted rates mix their skills. */
let reps: number;

beforeAll(async () => {
  history = await openHistoryDb({ deals: 2000, seed: 7, model: MODEL });
  ({ database, catalog, reps } = history);
  const c = catalog.current;
  base = {
    scope: { all: true },
    now: NOW,
    timeZone: TZ,
    stages: winningPath(c.playbook.funnel),
    rules: c.playbook.rules,
    teamOf: (id) => catalog.current.person(id)?.teamId ?? null,
  };
}, 180_000);

afterAll(async () => {
  await history?.close();
});

const text = (m: OutboundMessage) => (m.type === 'markdown' ? `${m.title}\n${m.text}` : JSON.stringify(m));

describe('attribution by lift', () => {
  it('ranks the behaviours in the planted order, each planted lift inside its interval', async () => {
    const truth = plantedRates(MODEL, reps);
    const planted = (Object.keys(truth) as BehaviourKey[])
      .map((k) => ({ k, lift: truth[k].advance.with / truth[k].advance.without }))
      .sort((a, b) => b.lift - a.lift);
    // Five intervals at once: Bonferroni, so the check fails by chance less than 5% of the time.
    const r = await attribution(database.db, { ...base, z: zFor(1 - 0.05 / 5) });
    expect(r.behaviours.every((l) => l.enough)).toBe(true);
    expect(r.behaviours.map((l) => l.key)).toEqual(planted.map((p) => p.k));
    for (const p of planted) {
      const l = r.behaviours.find((x) => x.key === p.k)!;
      expect(p.lift, p.k).toBeGreaterThanOrEqual(l.lift.low);
      expect(p.lift, p.k).toBeLessThanOrEqual(l.lift.high);
    }
    // The strongest effect is told apart from no effect at all.
    expect(r.behaviours[0]!.lift.low).toBeGreaterThan(1);
  });

  it('splits the same counts per team and per rep', async () => {
    const r = await attribution(database.db, base);
    for (const l of r.behaviours) {
      const teams = r.teams.flatMap((t) => t.behaviours.filter((x) => x.key === l.key));
      const reps = r.reps.flatMap((x) => x.behaviours.filter((b) => b.key === l.key).map((b) => b.lift));
      expect(teams.reduce((s, x) => s + x.with.n + x.without.n, 0)).toBe(l.with.n + l.without.n);
      expect(reps.reduce((s, x) => s + x.with.k, 0)).toBe(l.with.k);
    }
    // Reps by advance rate; the best third against the rest, behaviour by behaviour.
    const rates = r.reps.map((x) => x.advance.rate ?? 0);
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    expect(r.best!.reps.map((x) => x.ownerId)).toEqual(r.reps.slice(0, r.best!.reps.length).map((x) => x.ownerId));
    // One rep's lifts, on a few hundred deals each, are often below the floor: said so.
    const thin = r.reps.flatMap((x) => x.behaviours).filter((b) => !b.lift.enough);
    for (const b of thin) expect(Math.min(b.lift.with.n, b.lift.without.n)).toBeLessThan(r.minDeals);
  });

  it('finds the planted better reps: they advance most, and do every behaviour more often than the rest', async () => {
    // The generator gives the reps, sorted by id, the model's skills in turn: 1.4, 1, 0.6, 1.4 …
    const ids = [...catalog.current.people]
      .filter((p) => p.active && p.role === 'rep')
      .map((p) => p.id)
      .sort();
    const skilled = ids.filter((_, i) => skillOf(MODEL, i) === Math.max(...MODEL.repSkill));
    const weakest = ids.filter((_, i) => skillOf(MODEL, i) === Math.min(...MODEL.repSkill));
    const r = await attribution(database.db, base);
    expect(skilled).toContain(r.best!.reps[0]!.ownerId);
    expect(weakest).toContain(r.reps.at(-1)!.ownerId);
    for (const b of r.best!.behaviours) {
      // The best rep does each behaviour 1.4 times as often as the model's prevalence, the rest 1.0
      // times on average: a gap of 18 points or more (every prevalence is 0.45 or more).
      expect(b.best.rate!, b.key).toBeGreaterThan(b.rest.rate! + 0.05);
    }
  });

  it('reports small samples as 样本不足 with their n', async () => {
    const r = await attribution(database.db, { ...base, from: new Date(NOW.getTime() - 100 * 86_400_000), to: new Date(NOW.getTime() - 96 * 86_400_000) });
    const thin = r.behaviours.filter((l) => !l.enough);
    expect(thin.length).toBeGreaterThan(0);
    // Thin ones rank after every behaviour with enough deals.
    const firstThin = r.behaviours.findIndex((l) => !l.enough);
    expect(r.behaviours.slice(firstThin).every((l) => !l.enough)).toBe(true);
  });

  it('computes the Katz interval of a ratio, finite at zero counts', () => {
    const e = rateRatio(60, 100, 30, 100);
    expect(e.ratio).toBeCloseTo(2, 10);
    expect(e.low).toBeGreaterThan(1.4);
    expect(e.high).toBeLessThan(2.9);
    const zero = rateRatio(5, 20, 0, 20);
    expect(zero.ratio).toBeNull();
    expect(Number.isFinite(zero.high)).toBe(true);
  });
});

describe('/breakpoints 归因', () => {
  const ask = async (personId: string, command: string) => {
    const person = catalog.current.person(personId)!;
    const config = loadConfig({ DATA_DIR: history.dataDir, LOG_LEVEL: 'silent' });
    const extras = {
      documents: { storage: createDocumentStorage(config), publicUrl: 'http://127.0.0.1:3000' },
      wh: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
    };
    return text(await answerCommand({ tx: database.db, catalog, config, person, platform: 'local', now: NOW, ...extras }, parseCommand(command)!));
  };

  it('parses the view with an optional period', () => {
    expect(parseCommand('/breakpoints 归因')).toEqual({ name: 'breakpoints', view: 'attribution' });
    expect(parseCommand('/断点 归因 本季度')).toEqual({ name: 'breakpoints', view: 'attribution', period: '本季度' });
    expect(parseCommand('/breakpoints 本季度')).toEqual({ name: 'breakpoints', period: '本季度' });
  });

  it('ranks by lift for a manager, with what the best reps do; a rep sees their own deals only', async () => {
    const east = await ask('wangjing', '/breakpoints 归因');
    const zhangsan = await ask('zhangsan', '/breakpoints 归因');
    expect(east).toContain('华东一组 · 全部历史行为归因');
    expect(east).toMatch(/\n\d\. 演示后48小时内发定制材料：×\d\.\d\d（\d\.\d\d–\d\.\d\d），推进率 [\d.]+% vs [\d.]+%（n=\d+\/\d+）/);
    expect(east).toMatch(/\*\*推进率最高的销售做得不同的\*\*（(张三|李四) [\d.]+%）/);
    expect(east).not.toContain('赵敏');
    expect(zhangsan).toContain('只统计你负责的商机');
    expect(zhangsan).not.toContain('推进率最高的销售');
    expect(zhangsan).not.toContain('李四');
    // The rep's n are their own deals': what attribution over their scope gives.
    const own = await attribution(database.db, { ...base, scope: { ownerId: 'zhangsan' } });
    for (const l of own.behaviours) if (l.enough) expect(zhangsan).toContain(`n=${l.with.n}/${l.without.n}`);
    const thinOwn = own.behaviours.find((l) => !l.enough);
    if (thinOwn) expect(zhangsan).toContain(`样本不足，n=${thinOwn.with.n}（做到）/${thinOwn.without.n}（未做到）`);
    const phone = Buffer.byteLength(east);
    expect(phone).toBeLessThan(2048);
  });
});
