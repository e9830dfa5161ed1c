/**
 * Computed figures: the periodic job writes the team's figure per behaviour to one settings row;
 * a nudge about that behaviour carries it and an atom's evidence tied to it shows it, read from
 * the process's copy (no report query when a nudge is built); until there are enough deals the
 * written figure stays, marked 「示例」.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogHolder } from '../../bots/catalog/watch.ts';
import { buildNudge } from '../../bots/coaching/nudges.ts';
import { renderKbAnswer } from '../../bots/coaching/render.ts';
import { OBJECTION_SAME_DAY } from '../../bots/reports/breakpoints.ts';
import { behaviourFiguresHandler, behaviourOfRule, computeFigures, FIGURES_KEY } from '../../bots/reports/figures.ts';
import { ManualClock } from '../../core/clock.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Database } from '../../db/client.ts';
import { settings } from '../../db/schema/index.ts';
import { type HistoryDb, HISTORY_NOW, openHistoryDb } from '../helpers/history-db.ts';

const NOW = HISTORY_NOW;

let history: HistoryDb;
let database: Database;
let catalog: CatalogHolder;

beforeAll(async () => {
  history = await openHistoryDb({ deals: 1000, seed: 3 });
  ({ database, catalog } = history);
}, 180_000);

afterAll(async () => {
  catalog.figures.use(null);
  await history?.close();
});

const body = (m: OutboundMessage) => (m.type === 'text' ? m.text : m.text);

function demoNudge(holder: CatalogHolder = catalog) {
  const c = holder.current;
  const rule = c.playbook.rules.find((r) => r.id === 'demo-golden-48h')!;
  return buildNudge(c, ['local'], {
    rule: { id: rule.id, title: rule.name, hint: rule.hint },
    triggerId: 't1',
    personId: 'zhangsan',
    opportunityId: null,
    dealName: '华东医疗',
    conversationId: null,
    platform: 'local',
    evidence: null,
    atoms: [c.atoms.get('demo-followup-48h')!],
    at: NOW,
  })!.nudge.body;
}

describe('computed figures', () => {
  it('keep the written figure, marked 示例, while none is computed', async () => {
    catalog.figures.use(null);
    await catalog.figures.load(database.db);
    const text = demoNudge();
    expect(text).not.toContain('**数据**');
    expect(text).toContain(
      '**证据**：演示后跟进行为对比（样例统计）：演示后 48 小时内发送定制视频的商机，进入方案阶段的比例为 63.7%，未发送的为 9.3%（n=418）。（示例）',
    );
  });

  it('are written by the job and reach the nudge and the atom evidence from the cached row', async () => {
    const config = loadConfig({ DATA_DIR: history.dataDir, LOG_LEVEL: 'silent' });
    await behaviourFiguresHandler({ database, catalog, config, clock: new ManualClock(NOW) })({} as Record<string, never>);
    const [row] = await database.db.select().from(settings).where(eq(settings.key, FIGURES_KEY));
    const stored = row!.value as { figures: Array<{ key: string; text: string }> };
    const demo = stored.figures.find((f) => f.key === 'demo-golden-48h')!;
    expect(demo.text).toMatch(/^做到的商机(赢单率|推进到下一阶段的比例) [\d.]+%，没做到的 [\d.]+%（本团队数据，n=\d+\/\d+）$/);
    // Another process: its copy comes from the row, not from the reports.
    catalog.figures.use(null);
    await catalog.figures.load(database.db);
    const text = demoNudge();
    expect(text).toContain(`**数据**：${demo.text}`);
    expect(text).toContain(`**证据**：演示后48小时内发定制材料：${demo.text}`);
    expect(text).not.toContain('（示例）');
    const kb = renderKbAnswer('演示', [catalog.current.atoms.get('demo-followup-48h')!], catalog.figures);
    expect(body(kb)).toContain(`证据：演示后48小时内发定制材料：${demo.text}`);
    // An atom's evidence with no behaviour is shown as written, never marked.
    const price = renderKbAnswer('价格', [catalog.current.atoms.get('price-objection-early')!], catalog.figures);
    expect(body(price)).not.toContain('示例）');
    // A second app in the same process has its own copy: nothing loaded there yet.
    const other = await CatalogHolder.open(database.db, createLogger({ level: 'silent' }));
    expect(demoNudge(other)).toContain('（示例）');
    expect(demoNudge()).toContain(`**数据**：${demo.text}`);
  });

  it('map a rule to its behaviour, and show nothing below the sample floor', async () => {
    const rules = catalog.current.playbook.rules;
    expect(behaviourOfRule(rules.find((r) => r.id === 'price-objection')!)).toBe(OBJECTION_SAME_DAY);
    expect(behaviourOfRule(rules.find((r) => r.id === 'quote-no-reply-3d')!)).toBe('quote-follow-up-3d');
    const strict = await computeFigures(
      database.db,
      catalog.current,
      loadConfig({ DATA_DIR: history.dataDir, LOG_LEVEL: 'silent', BREAKPOINT_MIN_DEALS: '100000' }),
      NOW,
    );
    expect(strict.figures).toEqual([]);
    catalog.figures.use(strict);
    expect(catalog.figures.figureForRule(rules.find((r) => r.id === 'demo-golden-48h')!)).toBeUndefined();
    expect(demoNudge()).toContain('（示例）');
  });
});
