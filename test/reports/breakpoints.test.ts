/**
 * Behaviour breakpoints on a generated history: the computed rates recover the planted ones, small
 * samples are reported as such, and each asker sees only their deals.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '../../bots/catalog/watch.ts';
import { answerCommand } from '../../bots/commands/answer.ts';
import { parseCommand } from '../../bots/commands/parse.ts';
import { winningPath } from '../../bots/deals/stages.ts';
import { type BreakpointParams, breakpoints } from '../../bots/reports/breakpoints.ts';
import { createWeeklyDigest } from '../../bots/reports/digest-job.ts';
import { type BehaviourKey, plantedRates } from '../../bots/reports/history-model.ts';
import { renderBreakpoints } from '../../bots/reports/render-insights.ts';
import { zFor } from '../../bots/reports/stats.ts';
import { ManualClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { deliveries } from '../../db/schema/index.ts';
import { type HistoryDb, HISTORY_NOW, HISTORY_TZ, openHistoryDb } from '../helpers/history-db.ts';
import { createDocumentStorage } from '../../bots/documents/storage.ts';
import type { Config } from '../../core/config.ts';

/** What /share needs besides the database: the document storage and the working hours. */
const extras = (config: Config) => ({
  documents: { storage: createDocumentStorage(config), publicUrl: 'http://127.0.0.1:3000' },
  wh: { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS },
});

const NOW = HISTORY_NOW;
const TZ = HISTORY_TZ;

let history: HistoryDb;
let database: Database;
let catalog: CatalogHolder;
let base: BreakpointParams;
/** Owners the history was drawn over: the planted rates mix their skills. */
let reps: number;

beforeAll(async () => {
  history = await openHistoryDb({ deals: 2000, seed: 12 });
  ({ database, catalog, reps } = history);
  const c = catalog.current;
  base = { scope: { all: true }, now: NOW, timeZone: TZ, stages: winningPath(c.playbook.funnel), rules: c.playbook.rules };
}, 180_000);

afterAll(async () => {
  await history?.close();
});

const text = (m: OutboundMessage) => (m.type === 'text' ? m.text : m.type === 'markdown' ? `${m.title}\n${m.text}` : JSON.stringify(m));

describe('breakpoints on a generated history of 2,000 deals', () => {
  it('recover every planted rate and difference within their intervals', async () => {
    const truth = plantedRates(undefined, reps);
    const keys = Object.keys(truth) as BehaviourKey[];
    // 5 behaviours × 2 outcomes × 3 figures: each interval holds its truth 95% of the time, so
    // all 30 at once are checked at the Bonferroni level; at 95% most rates must hold.
    const simultaneous = await breakpoints(database.db, { ...base, z: zFor(1 - 0.05 / 30) });
    const at95 = await breakpoints(database.db, base);
    expect(simultaneous.behaviours.map((b) => b.key).sort()).toEqual([...keys].sort());
    let held = 0;
    for (const key of keys) {
      for (const outcome of ['advance', 'win'] as const) {
        const t = truth[key][outcome];
        const wide = simultaneous.behaviours.find((b) => b.key === key)![outcome];
        const c = at95.behaviours.find((b) => b.key === key)![outcome];
        const where = `${key} ${outcome}`;
        expect(c.enough, where).toBe(true);
        expect(t.with, `${where} with`).toBeGreaterThanOrEqual(wide.with.low);
        expect(t.with, `${where} with`).toBeLessThanOrEqual(wide.with.high);
        expect(t.without, `${where} without`).toBeGreaterThanOrEqual(wide.without.low);
        expect(t.without, `${where} without`).toBeLessThanOrEqual(wide.without.high);
        expect(t.with - t.without, `${where} difference`).toBeGreaterThanOrEqual(wide.difference.low);
        expect(t.with - t.without, `${where} difference`).toBeLessThanOrEqual(wide.difference.high);
        // A planted effect the sample has the power to show shows: where the planted difference is
        // at least 4 standard errors at these n (power 98%), its 95% interval excludes zero. (A win
        // effect planted early in the funnel is diluted by the stages after it, and has not.)
        const se = Math.sqrt((t.with * (1 - t.with)) / c.with.n + (t.without * (1 - t.without)) / c.without.n);
        if (t.with - t.without >= 4 * se) expect(c.difference.low, `${where} detected`).toBeGreaterThan(0);
        for (const [v, r] of [
          [t.with, c.with],
          [t.without, c.without],
        ] as const)
          if (v >= r.low && v <= r.high) held++;
      }
    }
    expect(held).toBeGreaterThanOrEqual(17);
  });

  it('report small samples as 样本不足 with their n, never as rates', async () => {
    // Nine days of occasions three months ago: a few dozen deals split over five behaviours.
    const r = await breakpoints(database.db, { ...base, from: new Date(NOW.getTime() - 100 * 86_400_000), to: new Date(NOW.getTime() - 91 * 86_400_000) });
    const objection = r.behaviours.find((b) => b.key === 'objection-handled-same-day')!;
    expect(objection.win.enough).toBe(false);
    const shown = text(renderBreakpoints(r, { title: 't' }));
    expect(shown).toContain(`样本不足，n=${objection.win.with.n}（做到）/${objection.win.without.n}（未做到）`);
    // The floor is configurable: at 10,000 deals a side nothing is shown as a rate.
    const strict = renderBreakpoints(await breakpoints(database.db, { ...base, minDeals: 10_000 }), { title: 't' });
    const lines = text(strict)
      .split('\n')
      .filter((l) => l.startsWith('推进') || l.startsWith('赢单'));
    expect(lines.length).toBe(10);
    for (const l of lines) expect(l).toMatch(/样本不足，n=\d+（做到）\/\d+（未做到）(；另有 \d+ 个未满(30|90)天)?$/);
    // The last ten days: nothing old enough to judge yet, and the answer says how much is waiting.
    const recent = await breakpoints(database.db, { ...base, from: new Date(NOW.getTime() - 10 * 86_400_000), to: NOW });
    const demo = recent.behaviours.find((b) => b.key === 'demo-golden-48h')!;
    expect([demo.advance.with.n, demo.advance.without.n]).toEqual([0, 0]);
    expect(demo.advance.young).toBeGreaterThan(0);
    expect(text(renderBreakpoints(recent, { title: 't' }))).toContain(
      `推进到下一阶段 样本不足，n=0（做到）/0（未做到）；另有 ${demo.advance.young} 个未满30天`,
    );
  });
});

describe('/breakpoints', () => {
  const ask = async (personId: string, command: string) => {
    const person = catalog.current.person(personId)!;
    const cmd = parseCommand(command);
    expect(cmd).not.toBeNull();
    const config = loadConfig({ DATA_DIR: history.dataDir, LOG_LEVEL: 'silent' });
    return text(await answerCommand({ tx: database.db, catalog, config, person, platform: 'local', now: NOW, ...extras(config) }, cmd!));
  };
  // Every n shown: `n=437` beside a rate, `n=12（做到）/8（未做到）` when the sample is too small.
  const ns = (t: string) => [...t.matchAll(/n=(\d+)(?:（做到）\/(\d+))?/g)].reduce((s, m) => s + Number(m[1]) + Number(m[2] ?? 0), 0);

  it('is a command with its aliases and an optional period', () => {
    expect(parseCommand('/breakpoints')).toEqual({ name: 'breakpoints' });
    expect(parseCommand('/断点 本季度')).toEqual({ name: 'breakpoints', period: '本季度' });
    expect(parseCommand('/行为断点 上季度')).toEqual({ name: 'breakpoints', period: '上季度' });
  });

  it('shows a manager their teams, an admin every team, a rep only their own deals', async () => {
    const admin = await ask('ops', '/breakpoints');
    const east = await ask('wangjing', '/breakpoints');
    const north = await ask('liuqiang', '/断点');
    const zhangsan = await ask('zhangsan', '/breakpoints');
    expect(east).toContain('华东一组 · 全部历史行为断点');
    expect(admin).toContain('全部团队');
    // The two teams split the deals between them; a rep holds part of their team's.
    expect(ns(east) + ns(north)).toBe(ns(admin));
    expect(ns(east)).toBeGreaterThan(0);
    expect(ns(north)).toBeGreaterThan(0);
    // Who does the clearest behaviour, among the manager's reps only; a rep has no one to compare.
    expect(east).toMatch(/\*\*谁做到了\*\* .+（做到\/发生）\n(张三|李四) [\d.]+%（\d+\/\d+） · (张三|李四) [\d.]+%（\d+\/\d+）\n/);
    expect(east).not.toContain('赵敏');
    expect(admin).toContain('赵敏');
    expect(zhangsan).not.toContain('谁做到了');
    expect(zhangsan).toContain('只统计你负责的商机');
    expect(ns(zhangsan)).toBeGreaterThan(0);
    expect(ns(zhangsan)).toBeLessThan(ns(east));
    const own = await breakpoints(database.db, { ...base, scope: { ownerId: 'zhangsan' } });
    const owned = own.behaviours.reduce((s, b) => s + b.advance.with.n + b.advance.without.n + b.win.with.n + b.win.without.n, 0);
    expect(ns(zhangsan)).toBe(owned);
  });

  it('reads a period, and refuses one it does not know', async () => {
    const quarter = await ask('wangjing', '/breakpoints 本季度');
    expect(quarter).toContain('本季度行为断点');
    expect(ns(quarter)).toBeLessThan(ns(await ask('wangjing', '/breakpoints')));
    await expect(ask('wangjing', '/breakpoints 明年')).rejects.toThrow(/不认识的时间范围/);
  });
});

describe('the weekly digest', () => {
  const digest = async (personId: string) => {
    const config = loadConfig({ DATA_DIR: history.dataDir, LOG_LEVEL: 'silent' });
    const deps = { database, catalog, clock: new ManualClock(NOW), config, sendPlatforms: ['local' as const], dispatch: async () => {} };
    const row = await createWeeklyDigest(deps, personId);
    const again = await createWeeklyDigest(deps, personId);
    expect(again).toBeNull();
    const [d] = await database.db.select().from(deliveries).where(eq(deliveries.id, row!.id));
    return d!.message!;
  };

  it("shows a manager last week in a line, their teams' risks and the top breakpoint with its n, on a phone screen", async () => {
    const east = await digest('wangjing');
    const north = await digest('liuqiang');
    const body = text(east);
    expect(east).toMatchObject({ type: 'markdown', title: '华东一组 · 上周简报' });
    expect(body).toMatch(/\*\*华东一组\*\* 会话 \d+ · 关键动作 \d+ · 阶段推进 \d+ · 超时未跟进 \d+/);
    expect(body).toMatch(/\*\*风险商机\*\*（共 \d+ 个，显示前 3 个）\n1\. /);
    expect(body).toMatch(/\*\*关键行为\*\*\n.+：(赢单|推进到下一阶段) [\d.]+% vs [\d.]+%（n=\d+\/\d+，差 \+[\d.]+ 个百分点，95%区间 \+[\d.]+~\+[\d.]+）/);
    expect(body).not.toContain('**张三**');
    // The forecast and its change since the same forecast a week ago.
    expect(body).toMatch(/\*\*本季度预测 [\d.]+万\*\*（已赢单 [\d.]+万，较上周 [+-][\d.,]+(万|元)）· 详见 \/forecast/);
    expect(body).toMatch(/\*\*话术衰减\*\* 暂无|\*\*话术衰减\*\*（/);
    expect(Buffer.byteLength(body)).toBeLessThan(2048);
    // Each manager reads their own team's deals.
    const eastDeals = [...body.matchAll(/^\d\. (.+?) · /gm)].map((m) => m[1]!);
    expect(eastDeals).toHaveLength(3);
    for (const name of eastDeals) expect(text(north)).not.toContain(name);
  });
});
