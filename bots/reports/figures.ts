/**
 * The team's own figure for each behaviour — 「做到的商机赢单率 63.7%，没做到的 9.3%（n=120/98）」 —
 * computed from the breakpoints over every team by a periodic job (`behaviour-figures`, every 6
 * hours) and written to one `settings` row. A nudge about a behaviour carries its figure, and an
 * atom's evidence tied to a behaviour (`behaviour:` in the atom's evidence) shows the computed
 * figure once both sides have enough deals, else the written one marked 「示例」.
 *
 * Rendering a nudge never queries the reports: it reads the app's copy of the row (FiguresHolder,
 * held by the catalog holder), which the analysis and timer jobs refresh at most every 10
 * minutes (one primary-key read).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import type { Db } from '../../db/client.ts';
import { settings } from '../../db/schema/index.ts';
import { defineJob, type JobHandler } from '../../jobs/define.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Rule } from '../catalog/schema.ts';
import type { CatalogHolder } from '../catalog/watch.ts';
import { winningPath } from '../deals/stages.ts';
import { breakpoints, type Comparison, OBJECTION_SAME_DAY, QUOTE_FOLLOW_UP } from './breakpoints.ts';
import { pct } from './render-insights.ts';

export const FIGURES_KEY = 'behaviour_figures';
/** How often the job recomputes, and how stale a process's copy may get. */
export const FIGURES_EVERY_MS = 6 * 3_600_000;
export const FIGURES_RELOAD_MS = 10 * 60_000;

const figureSchema = z.object({ key: z.string(), label: z.string(), outcome: z.enum(['win', 'advance']), text: z.string() });
const figureSetSchema = z.object({ computedAt: z.string(), figures: z.array(figureSchema) });
export type BehaviourFigure = z.infer<typeof figureSchema>;
export type FigureSet = z.infer<typeof figureSetSchema>;

/** One figure in a line: the winning rate when it is known on both sides, else the advancing one. */
export function figureText(outcome: 'win' | 'advance', c: Comparison): string {
  const what = outcome === 'win' ? '赢单率' : '推进到下一阶段的比例';
  return `做到的商机${what} ${pct(c.with.rate ?? 0)}，没做到的 ${pct(c.without.rate ?? 0)}（本团队数据，n=${c.with.n}/${c.without.n}）`;
}

/** The figures over every team; a behaviour without enough deals on both sides has none. */
export async function computeFigures(db: Db, catalog: Catalog, config: Config, now: Date): Promise<FigureSet> {
  const report = await breakpoints(db, {
    scope: { all: true },
    now,
    timeZone: config.TIMEZONE,
    stages: winningPath(catalog.playbook.funnel),
    rules: catalog.playbook.rules,
    minDeals: config.BREAKPOINT_MIN_DEALS,
  });
  const figures: BehaviourFigure[] = [];
  for (const b of report.behaviours) {
    const outcome = b.win.enough ? 'win' : b.advance.enough ? 'advance' : null;
    if (outcome) figures.push({ key: b.key, label: b.label, outcome, text: figureText(outcome, b[outcome]) });
  }
  return { computedAt: now.toISOString(), figures };
}

export async function writeFigures(db: Db, set: FigureSet): Promise<void> {
  await db
    .insert(settings)
    .values({ key: FIGURES_KEY, value: set, updatedAt: new Date(set.computedAt) })
    .onConflictDoUpdate({ target: settings.key, set: { value: set, updatedAt: new Date(set.computedAt) } });
}

/**
 * An app's copy of the figures row, owned by its catalog holder (one per app, so two apps in one
 * process, as in the tests, never share one). The analysis and timer jobs refresh it at most
 * every 10 minutes; the figures job replaces it when it has computed a new set.
 */
export class FiguresHolder {
  #current: { set: FigureSet; byKey: Map<string, BehaviourFigure>; loadedAt: number } | null = null;

  /** Uses `set` from now on (after the job computed it, or read from the row). */
  use(set: FigureSet | null): void {
    this.#current = set ? { set, byKey: new Map(set.figures.map((f) => [f.key, f])), loadedAt: Date.now() } : null;
  }

  /** Reads the row into this copy. */
  async load(db: Db): Promise<FigureSet | null> {
    const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, FIGURES_KEY));
    const parsed = row ? figureSetSchema.safeParse(row.value) : null;
    const set = parsed?.success ? parsed.data : null;
    this.use(set);
    if (!set) this.#current = { set: { computedAt: '', figures: [] }, byKey: new Map(), loadedAt: Date.now() };
    return set;
  }

  /** Reloads the row when this copy is older than 10 minutes; never throws. */
  async refreshIfStale(db: Db): Promise<void> {
    if (this.#current && Date.now() - this.#current.loadedAt < FIGURES_RELOAD_MS) return;
    await this.load(db).catch(() => {
      // A failed read keeps the old copy; the next batch tries again.
    });
  }

  /** The computed figure of a behaviour, if there is one. */
  get(behaviour: string): BehaviourFigure | undefined {
    return this.#current?.byKey.get(behaviour);
  }

  /** The computed figure for what a rule nudges about, if there is one. */
  figureForRule(rule: Pick<Rule, 'id'> & { on?: Rule['on'] }): string | undefined {
    return this.get(behaviourOfRule(rule))?.text;
  }
}

/** The behaviour a rule nudges about: a timer rule is its own; an objection, the same-day answer; the quote follow-up. */
export function behaviourOfRule(rule: Pick<Rule, 'id'> & { on?: Rule['on'] }): string {
  if (rule.on && 'action' in rule.on && rule.on.action === 'objection_raised') return OBJECTION_SAME_DAY;
  if (rule.id.startsWith('quote-no-reply')) return QUOTE_FOLLOW_UP;
  return rule.id;
}

/**
 * An atom's evidence line: the computed figure when there is one, else the written one (marked
 * 示例 when it stands for a behaviour). Without figures (a preview), the written one.
 */
export function evidenceText(e: { title: string; detail: string; behaviour?: string | undefined }, figures?: FiguresHolder): string {
  if (!e.behaviour) return `${e.title}：${e.detail}`;
  const f = figures?.get(e.behaviour);
  return f ? `${f.label}：${f.text}` : `${e.title}：${e.detail}（示例）`;
}

export const behaviourFiguresJob = defineJob({
  name: 'behaviour-figures',
  queue: 'reports',
  schema: z.object({}).strict(),
  attempts: 3,
  backoffMs: 60_000,
});

export function behaviourFiguresHandler(deps: {
  database: { db: Db };
  catalog: CatalogHolder;
  config: Config;
  clock: Clock;
}): JobHandler<Record<string, never>> {
  return async () => {
    const set = await computeFigures(deps.database.db, deps.catalog.current, deps.config, deps.clock.now());
    await writeFigures(deps.database.db, set);
    deps.catalog.figures.use(set);
  };
}
