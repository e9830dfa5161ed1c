/**
 * The analytics answers, within what the asker may see: `/breakpoints` over a manager's teams (an
 * admin's: every team) or a rep's own deals only; the risk list `/team` adds for the teams a
 * manager sees, the risks `/rep` adds for one person's deals, and those `/deal` adds for a deal
 * the asker may read.
 */
import type { Config } from '../../core/config.ts';
import type { OutboundMessage } from '../../core/types.ts';
import type { Db } from '../../db/client.ts';
import type { Catalog, Person } from '../catalog/catalog.ts';
import { winningPath } from '../deals/stages.ts';
import { dealScope, visibleTeamIds } from './access.ts';
import { attribution } from './attribution.ts';
import { breakpoints } from './breakpoints.ts';
import { renderAttribution } from './render-attribution.ts';
import { parsePeriod } from './period.ts';
import { dealRiskBlock, renderBreakpoints, riskListBlock } from './render-insights.ts';
import { dealRisks } from './risks.ts';

export interface InsightContext {
  tx: Db;
  catalog: Catalog;
  config: Config;
  person: Person;
  now: Date;
}

/** `/breakpoints [本季度]`: no period means the whole history (breakpoints need many deals). */
export async function answerBreakpoints(a: InsightContext, periodArg: string | undefined, view?: 'attribution'): Promise<OutboundMessage> {
  const { person, catalog } = a;
  const visible = visibleTeamIds(person);
  if (!person.active || (person.role !== 'rep' && visible !== 'all' && visible.length === 0)) {
    return { type: 'markdown', title: '行为断点', text: '行为断点只对销售经理和销售本人开放。' };
  }
  const period = periodArg ? parsePeriod(periodArg, a.now, a.config.TIMEZONE) : null;
  const label = period?.label ?? '全部历史';
  const mine = person.role === 'rep';
  const scopeName = mine ? '我的' : visible === 'all' ? '全部团队' : visible.length === 1 ? (catalog.teams.get(visible[0]!)?.name ?? visible[0]!) : '我的团队';
  const params = {
    scope: dealScope(person),
    ...(period ? { from: period.from, to: period.to } : {}),
    now: a.now,
    timeZone: a.config.TIMEZONE,
    stages: winningPath(catalog.playbook.funnel),
    rules: catalog.playbook.rules,
    minDeals: a.config.BREAKPOINT_MIN_DEALS,
  };
  const scopeNote = mine ? '只统计你负责的商机；团队的数字请问你的经理。' : undefined;
  if (view === 'attribution') {
    const r = await attribution(a.tx, { ...params, teamOf: (id) => catalog.person(id)?.teamId ?? null });
    return renderAttribution(r, {
      title: `${scopeName} · ${label}行为归因`,
      ...(scopeNote ? { scopeNote } : {}),
      teamName: (id) => catalog.teams.get(id)?.name ?? id,
      showReps: !mine,
    });
  }
  const report = await breakpoints(a.tx, params);
  return renderBreakpoints(report, {
    title: `${scopeName} · ${label}行为断点`,
    ...(mine ? { scopeNote: '只统计你负责的商机；团队的数字请问你的经理。' } : {}),
  });
}

function workingHours(config: Config) {
  return { timeZone: config.TIMEZONE, start: config.WORK_START, end: config.WORK_END, days: config.WORK_DAYS };
}

/** The ranked risk list of the open deals of `teamIds`. */
export async function teamRiskBlock(a: Omit<InsightContext, 'person'>, teamIds: readonly string[]): Promise<string> {
  const { catalog } = a;
  const deals = await dealRisks(a.tx, {
    scope: { teamIds },
    now: a.now,
    funnel: catalog.playbook.funnel,
    rules: catalog.playbook.rules,
    wh: workingHours(a.config),
  });
  return riskListBlock(deals, { stageLabel: (s) => catalog.stageLabel(s) });
}

/** The ranked risks of one person's open deals (the caller has checked the asker may see them). */
export async function repRiskBlock(a: Omit<InsightContext, 'person'>, ownerId: string): Promise<string> {
  const { catalog } = a;
  const deals = await dealRisks(a.tx, {
    scope: { ownerId },
    now: a.now,
    funnel: catalog.playbook.funnel,
    rules: catalog.playbook.rules,
    wh: workingHours(a.config),
  });
  return riskListBlock(deals, { stageLabel: (s) => catalog.stageLabel(s), showOwner: false });
}

/** One deal's risks (the caller has checked the asker may read the deal); null once it is closed. */
export async function dealRisksText(a: Omit<InsightContext, 'person'>, dealId: string): Promise<string | null> {
  const { catalog } = a;
  const [deal] = await dealRisks(a.tx, {
    scope: { all: true },
    dealId,
    now: a.now,
    funnel: catalog.playbook.funnel,
    rules: catalog.playbook.rules,
    wh: workingHours(a.config),
  });
  return deal ? dealRiskBlock(deal, (s) => catalog.stageLabel(s)) : null;
}

/** A markdown answer with one more block at its end. */
export function withBlock(m: OutboundMessage, block: string | null): OutboundMessage {
  if (!block) return m;
  return m.type === 'markdown' ? { ...m, text: `${m.text}\n\n${block}` } : m;
}
